"""Sample-data support for PNC timeliness: summons records and court results.

Loaded by ``generate.py`` (standard library only, deterministic). The PNC Code of Practice
(Home Office, 2005) starts the arrest/summons clock when the person is "arrested,
reported or summonsed" (90% on PNC within 24 hours, 100% within 3 days) and wants court
finalisations on PNC within 7 days of the result reaching the police (75% from 1 July
2005). This turns some arrest/summons records into summonses (a summons date, no arrest
time), builds a court-results extract with planted defects, and logs every record the
timeliness rules fail, measured as the rules measure it: real elapsed hours in
Europe/London, a record failing only when it fails under both readings of a time in the
repeated autumn hour (the rules list the others as warnings).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import pathlib

_spec = importlib.util.spec_from_file_location(
    "sample_data_police_rules_for_pnc", pathlib.Path(__file__).with_name("police_rules.py")
)
police = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(police)

COURT_RESULTS = 800
RESULT_TYPES = [  # illustrative finalisation codes (the PNC result table is not public)
    ("GUILTY", 62), ("NOT_GUILTY", 9), ("DISMISSED", 6), ("WITHDRAWN", 11), ("DISCONTINUED", 12),
]  # fmt: skip
SEVEN_DAYS_H = 168


def minutes(n: int) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def start_of(day: dt.date) -> dt.datetime:
    """A date without a time is read as the start of that day (the rules' strict reading)."""
    return dt.datetime(day.year, day.month, day.day)


# --- arrest/summons ---------------------------------------------------------------------------


def add_summonses(rows: list[dict], rng) -> None:
    """About 8% of records become summonses: a summons date, no arrest time.

    Three draws per record from this stream, so nothing else moves. A summons is entered
    on PNC the day it is issued (09:00-20:00), one in twenty a few days late.
    """
    for row in rows:
        summons, late, offset = rng.random() < 0.08, rng.random() < 0.05, rng.randint(540, 1200)
        row["summons_date"] = None
        if summons:
            issued = row["arrest_datetime"].date()
            row["summons_date"] = issued
            row["arrest_datetime"] = None
            days = 2 + offset % 3 if late else 0
            row["pnc_entered_datetime"] = (
                start_of(issued) + dt.timedelta(days=days) + minutes(offset)
            )


def _readings(value) -> tuple[dt.datetime, dt.datetime] | None:
    if isinstance(value, dt.datetime):
        return police.instants(value)
    if isinstance(value, dt.date):
        moment = police.instant(start_of(value))
        return moment, moment
    return None


def _hours(start, end) -> list[float] | None:
    """Elapsed hours under each reading of both ends; None when either is missing."""
    if start is None or end is None:
        return None
    return sorted({(e - s).total_seconds() / 3600 for s in start for e in end})


def _earliest(*values) -> tuple[dt.datetime, dt.datetime] | None:
    found = [r for r in (_readings(v) for v in values) if r is not None]
    if not found:
        return None
    return min(r[0] for r in found), min(r[1] for r in found)


def _late(hours: list[float] | None, limit: float) -> bool:
    """Fails under every reading (or cannot be measured at all)."""
    return hours is None or all(h < 0 or round(h, 6) > limit for h in hours)


def _kind(hours: list[float] | None, entered, limit: float, start: str) -> str:
    if entered is None:
        return "never entered on PNC"
    if hours is None:
        return f"no {start} to measure from"
    if max(hours) < 0:
        return f"entered on PNC before the {start}"
    return f"entered on PNC {min(hours):.1f} h after the {start} (limit {limit} h)"


def log_arrest_summons(inj) -> None:
    """PNC Code of Practice: entry within 24 h (90%) and within 3 days (100%)."""
    for index, row in enumerate(inj.rows):
        arrested, summonsed, entered = (
            row["arrest_datetime"],
            row["summons_date"],
            row["pnc_entered_datetime"],
        )
        start = _earliest(arrested, summonsed)
        hours = _hours(start, _readings(entered))
        what = "summons date" if arrested is None and summonsed is not None else "arrest"
        for rule_id, limit in (("PNC-AS-013", 24), ("PNC-AS-014", 72)):
            if _late(hours, limit):
                kind = _kind(hours, entered, limit, what)
                inj.record(index, rule_id, "pnc_entered_datetime", kind)


# --- court results ----------------------------------------------------------------------------


def build_court_results(arrests: list[dict], rng) -> list[dict]:
    """Finalisations of earlier arrests/summonses (their clean ASNs), received and entered.

    The result reaches the police 0-3 days after the hearing, in office hours; entry on
    PNC takes up to 4 days for most, 4-7 days for some and 1-3 weeks for about one in
    ten, so the 75% standard is met but the late records are listed.
    """
    eligible = [
        r for r in arrests if (r["arrest_datetime"] or start_of(r["summons_date"])).year <= 2023
    ]
    rows = []
    for n in range(1, COURT_RESULTS + 1):
        source = eligible[rng.randrange(len(eligible))]
        began = source["arrest_datetime"] or start_of(source["summons_date"])
        result_date = (began + dt.timedelta(days=rng.randint(14, 300))).date()
        received = start_of(result_date) + dt.timedelta(days=rng.randint(0, 3))
        received += minutes(rng.randint(480, 1079))
        band = rng.choices(["fast", "slow", "late"], weights=[80, 11, 9])[0]
        low, high = {"fast": (60, 5760), "slow": (5760, 10020), "late": (10200, 30240)}[band]
        rows.append(
            {
                "result_ref": f"CR{n:07d}",
                "nominal_ref": source["nominal_ref"],
                "asn": source["asn"],
                "result_type": rng.choices(*zip(*RESULT_TYPES, strict=True))[0],
                "result_date": result_date,
                "result_received_datetime": received,
                "pnc_entered_datetime": received + minutes(rng.randint(low, high)),
            }
        )
    return rows


def inject_court_results(inj) -> None:
    asn = lambda r: r["asn"]  # noqa: E731
    inj.blank("PNC-CR-004", "asn", 3)
    inj.set_values(
        "PNC-CR-005",
        "asn",
        [
            ("wrong check character", lambda r: asn(r)[:-1] + police.other_letter(asn(r)[-1])),
            ("wrong check character", lambda r: asn(r)[:-1] + police.other_letter(asn(r)[-1])),
            ("sequence digit missing (19 characters)", lambda r: asn(r)[:8] + asn(r)[9:]),
        ],
        where=lambda r: r["asn"] is not None,
    )
    inj.set_values(
        "PNC-CR-006",
        "result_type",
        [("lower-case code", lambda r: r["result_type"].lower())],
        where=lambda r: r["result_type"] == "NOT_GUILTY",  # no English word: the SIMB test
    )
    inj.set_values(
        "PNC-CR-006",
        "result_type",
        [
            ("result as a word", lambda r: "Convicted"),
            ("adjournment is not a finalisation", lambda r: "ADJOURNED"),
        ],
    )
    inj.blank("PNC-CR-007", "result_received_datetime", 2)
    inj.set_values(
        "PNC-CR-008",
        "result_received_datetime",
        [("received before the court result", lambda r: start_of(r["result_date"]) - minutes(900))]
        * 2,
    )
    inj.set_values(
        "PNC-CR-008",
        "pnc_entered_datetime",
        [("entered on PNC before the result was received", lambda r: r["result_received_datetime"] - minutes(2880))]
        * 2,
    )  # fmt: skip
    for index in (inj.pick(), inj.pick()):  # never entered: only the timeliness rule sees it
        inj.rows[index]["pnc_entered_datetime"] = None


def log_court_results(inj) -> None:
    """Finalisations within 7 days of the result reaching the police (75%)."""
    for index, row in enumerate(inj.rows):
        entered = row["pnc_entered_datetime"]
        hours = _hours(_readings(row["result_received_datetime"]), _readings(entered))
        if _late(hours, SEVEN_DAYS_H):
            kind = _kind(hours, entered, SEVEN_DAYS_H, "result was received")
            inj.record(index, "PNC-CR-009", "pnc_entered_datetime", kind)
