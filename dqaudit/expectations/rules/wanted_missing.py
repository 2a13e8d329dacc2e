"""Wanted and missing persons: PNC reports against the force's own case records.

"Knowing that someone we've stopped is already wanted for another crime is a basic
requirement for effective policing" (the force's Information Services report): a PNC
wanted or missing report must be live exactly while the local case is open. Two derived
datasets compare the PNC extract with the local case records (pandas only today):

``pnc_after_closure`` (on the PNC reports; input ``cases``) adds
``local_case_closed_datetime`` and ``pnc_after_closure``:

- ``live_case_open``: live on PNC, local case open (right);
- ``cancelled_in_time``: cancelled on PNC within ``grace_hours`` of the local closure;
- ``live_after_closure``: still live on PNC although the local case is closed: an
  officer stopping the person acts on a report that is no longer true;
- ``cancelled_late``: cancelled more than ``grace_hours`` after the local closure;
- ``cancelled_case_open``: cancelled on PNC while the local case is still open: a person
  still missing or wanted is no longer circulated;
- ``unreadable_date``: a closure or cancellation that is not a datetime;
- blank: no local case has the report's reference (a ``reference_exists`` rule says so).

No national limit for cancelling a report after the person is found or arrested is
published that we could find; ``grace_hours`` is the force's own choice (24 h in the
template).

``missing_person_circulation`` (on the local cases; input ``reports``) adds
``hours_to_pnc`` and ``pnc_circulation`` for missing-person cases (other case types are
left blank). Standard: "details of all missing persons should be recorded on the Police
National Computer (PNC) as soon as possible and in any case within 48 hours of their
disappearance" (the agreed national procedure, stated to Parliament: HC Deb 8 January
2003 vol 397 cc256-7WS). Current College of Policing APP on missing persons asks for
prompt circulation, but we found no public hour limit in it, so ``max_hours`` (48)
stays an option. The clock starts at the report to police (``reported_datetime``), the
earliest moment a force can act; the 2003 wording counts from the disappearance, which a
case record often does not know. Statuses:

- ``in_time``: first PNC entry within ``max_hours`` of the report;
- ``late``: first entry later than that;
- ``entered_before_report``: an entry before the report (a wrong datetime or link);
- ``not_entered``: no PNC entry, and the case stayed open past ``max_hours`` (or was
  closed after it); an open case with no entry counts as past the limit unless
  ``as_at_column`` names the column holding the extract's own datetime;
- ``not_due``: no PNC entry, but the person was found (case closed) within ``max_hours``,
  or the case is younger than ``max_hours`` at ``as_at_column``;
- ``unreadable_date``: a datetime that is not one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dqaudit.expectations.rules.timing import NS_PER_HOUR, parse_local

LIVE_CASE_OPEN = "live_case_open"
CANCELLED_IN_TIME = "cancelled_in_time"
LIVE_AFTER_CLOSURE = "live_after_closure"
CANCELLED_LATE = "cancelled_late"
CANCELLED_CASE_OPEN = "cancelled_case_open"
UNREADABLE = "unreadable_date"
IN_TIME, LATE, BEFORE_REPORT = "in_time", "late", "entered_before_report"
NOT_ENTERED, NOT_DUE = "not_entered", "not_due"


def _text(values: pd.Series) -> pd.Series:
    text = values.astype("string") if values.dtype != "string" else values
    return text.str.strip().replace("", pd.NA)


def _ns(values: pd.Series, timezone: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(int64 ns since epoch, present mask, unparseable mask) of local datetime text."""
    stamps, bad = parse_local(values, timezone)
    as_datetimes = stamps.to_numpy(dtype="datetime64[ns]")
    return as_datetimes.astype("int64"), ~np.isnat(as_datetimes), np.asarray(bad, dtype=bool)


def _first_by_key(keys: pd.Series, values: pd.DataFrame) -> pd.DataFrame:
    """The first row of ``values`` for each key (file order), indexed by key."""
    frame = values.assign(_key=keys.to_numpy()).dropna(subset=["_key"])
    return frame.drop_duplicates("_key", keep="first").set_index("_key")


@dataclass(frozen=True)
class AfterClosureOptions:
    local_ref: str = "local_ref"
    cancelled: str = "cancelled_datetime"
    case_ref: str = "case_ref"
    closed: str = "closed_datetime"
    grace_hours: float = 24.0

    def required(self) -> dict[str, tuple[str, ...]]:
        return {"": (self.local_ref, self.cancelled), "cases": (self.case_ref, self.closed)}


def pnc_after_closure(
    reports: pd.DataFrame, cases: pd.DataFrame, options: AfterClosureOptions, timezone: str
) -> pd.DataFrame:
    """``local_case_closed_datetime`` and ``pnc_after_closure`` per PNC report."""
    o = options
    local = _first_by_key(_text(cases[o.case_ref]), cases[[o.closed]])
    refs = _text(reports[o.local_ref])
    found = refs.isin(local.index).to_numpy(dtype=bool)
    closed_text = local[o.closed].reindex(refs.to_numpy())
    closed_text.index = reports.index
    closed, is_closed, bad_closed = _ns(closed_text, timezone)
    cancelled, is_cancelled, bad_cancelled = _ns(reports[o.cancelled], timezone)
    late = (cancelled - closed) > o.grace_hours * NS_PER_HOUR
    status = np.select(  # type: ignore[type-var]  # None marks a row with no status
        [
            ~found,
            bad_closed | bad_cancelled,
            ~is_closed & ~is_cancelled,
            ~is_closed & is_cancelled,
            is_closed & ~is_cancelled,
            late,
        ],
        [None, UNREADABLE, LIVE_CASE_OPEN, CANCELLED_CASE_OPEN, LIVE_AFTER_CLOSURE, CANCELLED_LATE],
        default=CANCELLED_IN_TIME,
    )
    return pd.DataFrame(
        {
            "local_case_closed_datetime": closed_text.astype("string"),
            "pnc_after_closure": pd.Series(status, index=reports.index, dtype="string"),
        },
        index=reports.index,
    )


@dataclass(frozen=True)
class CirculationOptions:
    case_ref: str = "case_ref"
    case_type: str = "case_type"
    case_types: tuple[str, ...] = ("MISSING",)
    reported: str = "reported_datetime"
    closed: str = "closed_datetime"
    as_at_column: str = ""
    report_local_ref: str = "local_ref"
    report_type: str = "report_type"
    report_types: tuple[str, ...] = ("MISSING",)
    entered: str = "entered_datetime"
    max_hours: float = 48.0

    def required(self) -> dict[str, tuple[str, ...]]:
        mine: tuple[str, ...] = (self.case_ref, self.case_type, self.reported, self.closed)
        mine += (self.as_at_column,) if self.as_at_column else ()
        theirs = (self.report_local_ref, self.report_type, self.entered)
        return {"": mine, "reports": theirs}


def missing_person_circulation(
    cases: pd.DataFrame, reports: pd.DataFrame, options: CirculationOptions, timezone: str
) -> pd.DataFrame:
    """``hours_to_pnc`` and ``pnc_circulation`` per local case (see the module docstring)."""
    o = options
    relevant = _text(reports[o.report_type]).isin(o.report_types).to_numpy(dtype=bool)
    entered, has_entry, bad_entry = _ns(reports[o.entered], timezone)
    entries = pd.DataFrame(
        {
            "ref": _text(reports[o.report_local_ref]),
            "entered": np.where(has_entry, entered, np.iinfo(np.int64).max),
            "bad": bad_entry,
        }
    )[relevant & (has_entry | bad_entry)].dropna(subset=["ref"])
    first = entries.groupby("ref").agg(entered=("entered", "min"), bad=("bad", "any"))

    in_scope = _text(cases[o.case_type]).isin(o.case_types).to_numpy(dtype=bool)
    refs = _text(cases[o.case_ref]).to_numpy(dtype=object, na_value=None)
    matched = first.reindex(refs)
    entry = matched["entered"].to_numpy(dtype="float64")
    on_pnc = ~np.isnan(entry) & (entry != np.iinfo(np.int64).max)
    entry_bad = matched["bad"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    reported, has_report, bad_report = _ns(cases[o.reported], timezone)
    closed, is_closed, bad_closed = _ns(cases[o.closed], timezone)
    bad = bad_report | bad_closed | entry_bad | (in_scope & ~has_report)
    if o.as_at_column:
        as_at, has_as_at, bad_as_at = _ns(cases[o.as_at_column], timezone)
        bad |= bad_as_at
    else:
        has_as_at = np.zeros(len(cases), dtype=bool)
        as_at = np.zeros(len(cases), dtype="int64")
    limit = o.max_hours * NS_PER_HOUR
    hours = np.where(on_pnc & has_report, (entry - reported) / NS_PER_HOUR, np.nan)
    found_in_time = is_closed & ((closed - reported) <= limit)
    young = ~is_closed & has_as_at & ((as_at - reported) < limit)
    status = np.select(  # type: ignore[type-var]  # None marks a row with no status
        [
            ~in_scope,
            bad,
            on_pnc & (hours < 0),
            on_pnc & (hours <= o.max_hours),
            on_pnc,
            found_in_time | young,
        ],
        [None, UNREADABLE, BEFORE_REPORT, IN_TIME, LATE, NOT_DUE],
        default=NOT_ENTERED,
    )
    return pd.DataFrame(
        {
            "hours_to_pnc": pd.array(np.round(hours, 2), dtype="Float64"),
            "pnc_circulation": pd.Series(status, index=cases.index, dtype="string"),
        },
        index=cases.index,
    )


def derive_after_closure(
    frame: pd.DataFrame, inputs: dict[str, pd.DataFrame], options: Any, context: Any
) -> pd.DataFrame:
    return pnc_after_closure(frame, inputs["cases"], options, context.timezone)


def derive_circulation(
    frame: pd.DataFrame, inputs: dict[str, pd.DataFrame], options: Any, context: Any
) -> pd.DataFrame:
    return missing_person_circulation(frame, inputs["reports"], options, context.timezone)
