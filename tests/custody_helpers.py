"""Small custody extracts for the PACE / Terrorism Act tests, and the template run on them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pandas as pd

from dqaudit.connectors.base import Fingerprint, FrameExtract
from dqaudit.engine import derivation
from dqaudit.engine.run import run_suite
from dqaudit.expectations.rules.custody import PaceOptions, pace_measures
from dqaudit.expectations.suite import suite_from_dict
from tests.conftest import REPO

TEMPLATES = REPO / "dqaudit" / "expectations" / "templates"
CUSTODY_COLUMNS = [
    "custody_ref",
    "arrest_datetime",
    "arrival_datetime",
    "detention_authorised_datetime",
    "charge_datetime",
    "release_datetime",
    "date_of_birth",
    "terrorism_act",
    "appropriate_adult",
    "voluntary_attendance",
    "offence_indictable",
]
REVIEW_COLUMNS = [
    "custody_ref",
    "review_datetime",
    "review_type",
    "postponed",
    "postponement_reason",
]


def record(
    ref: str,
    arrest: str | None,
    arrival: str | None,
    authorised: str | None,
    release: str | None,
    charge: str | None = None,
    *,
    born: str = "1990-01-01",
    tact: str = "N",
    adult: str | None = None,
    voluntary: str = "N",
    indictable: str = "Y",
) -> dict[str, Any]:
    values = (ref, arrest, arrival, authorised, charge, release, born, tact, adult)
    return dict(zip(CUSTODY_COLUMNS, (*values, voluntary, indictable), strict=True))


def review(
    ref: str, when: str | None, kind: str = "PACE_SUBSEQUENT", reason: str | None = None
) -> dict[str, Any]:
    """A review event; a ``reason`` marks it postponed with that reason."""
    return dict(zip(REVIEW_COLUMNS, (ref, when, kind, "Y" if reason else "N", reason), strict=True))


def custody(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=CUSTODY_COLUMNS, dtype=object)


def reviews(rows: Iterable[dict[str, Any]] = ()) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=REVIEW_COLUMNS, dtype=object)


def measures(
    records: pd.DataFrame, events: pd.DataFrame, options: PaceOptions | None = None
) -> pd.DataFrame:
    """The derived measures, indexed by custody reference."""
    frame = pace_measures(records, events, options or PaceOptions(), "Europe/London")
    return frame.set_axis(records["custody_ref"].tolist())


def template(name: str, rule_ids: Iterable[str] | None = None) -> dict[str, Any]:
    """A template suite, keeping only ``rule_ids`` when given."""
    document = json.loads((TEMPLATES / f"{name}.json").read_text(encoding="utf-8"))
    if rule_ids is not None:
        wanted = set(rule_ids)
        document["expectations"] = [
            e for e in document["expectations"] if e["meta"]["dqaudit"]["rule_id"] in wanted
        ]
    return document


def listed(result: Any) -> dict[str, set[str]]:
    """rule_id -> keys the rule lists (failures, and warnings of ``mostly: 0`` rules)."""
    found = {}
    for rule in result.results:
        assert rule.error is None, (rule.rule.label, rule.error)
        if rule.failing_keys:
            found[rule.rule.rule_id] = set(rule.failing_keys)
    return found


def pace_findings(
    records: pd.DataFrame, events: pd.DataFrame, rule_ids: Iterable[str] | None = None
) -> dict[str, set[str]]:
    """Run the custody_pace template (its derivation, then its rules) on small extracts."""
    document = template("custody_pace", rule_ids)
    suite = suite_from_dict(document, source="custody_pace.json")
    extract = FrameExtract(records, Fingerprint("c", "-", len(records), list(records.columns)))
    derived = derivation.derive(
        suite, extract, lambda name: FrameExtract(events, Fingerprint("r", "-", len(events), []))
    )
    return listed(run_suite(derived.extract, suite, key="custody_ref"))


def eight_hourly(ref: str, start: str, count: int) -> list[dict[str, Any]]:
    """``count`` PACE reviews 8 hours apart from ``start`` (the first one PACE_FIRST)."""
    first = pd.Timestamp(start)
    return [
        review(
            ref,
            (first + pd.Timedelta(hours=8 * i)).strftime("%Y-%m-%d %H:%M:%S"),
            "PACE_FIRST" if i == 0 else "PACE_SUBSEQUENT",
        )
        for i in range(count)
    ]
