"""Wanted/missing reports on PNC against local cases, and Operation Nutmeg DNA coverage.

Sources: missing persons recorded on PNC "as soon as possible and in any case within 48
hours" (HC Deb 8 January 2003 vol 397 cc256-7WS); Operation Nutmeg (ACPO comment, 16
January 2013: all individuals convicted of serious sex offences or homicide on the DNA
database; a sole conviction under the Sexual Offences Act 1956 s.12 or s.13 does not
justify a sample); COML025 is the CJS offence code for murder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dqaudit.connectors.base import Fingerprint, FrameExtract
from dqaudit.engine import derivation
from dqaudit.errors import InputError
from dqaudit.expectations.rules import dna_coverage, wanted_missing
from dqaudit.expectations.suite import suite_from_dict

LONDON = "Europe/London"


def after_closure(reports: list[tuple], cases: list[tuple], grace: float = 24.0) -> list:
    frame = pd.DataFrame(reports, columns=["local_ref", "cancelled_datetime"])
    local = pd.DataFrame(cases, columns=["case_ref", "closed_datetime"])
    options = wanted_missing.AfterClosureOptions(grace_hours=grace)
    return wanted_missing.pnc_after_closure(frame, local, options, LONDON)[
        "pnc_after_closure"
    ].tolist()


def test_a_report_live_after_its_case_closed_is_caught_and_one_cancelled_in_time_is_not() -> None:
    cases = [("C1", None), ("C2", "2024-05-01 09:00"), ("C3", "2024-05-01 09:00")]
    reports = [
        ("C1", None),  # live, case open: right
        ("C2", "2024-05-02 09:00"),  # cancelled 24 h after closure: at the limit
        ("C2", "2024-05-02 09:01"),  # one minute later: late
        ("C3", None),  # still live: the finding
        ("C1", "2024-05-01 10:00"),  # cancelled while the case is open
        ("C9", None),  # no local case: left to the reference_exists rule
        ("C3", "yesterday"),  # not a datetime
    ]
    assert after_closure(reports, cases) == [
        "live_case_open",
        "cancelled_in_time",
        "cancelled_late",
        "live_after_closure",
        "cancelled_case_open",
        pd.NA,
        "unreadable_date",
    ]


def circulation(cases: list[tuple], reports: list[tuple], **options: object) -> pd.DataFrame:
    frame = pd.DataFrame(
        cases, columns=["case_ref", "case_type", "reported_datetime", "closed_datetime"]
    )
    pnc = pd.DataFrame(reports, columns=["local_ref", "report_type", "entered_datetime"])
    chosen = wanted_missing.CirculationOptions(**options)  # type: ignore[arg-type]
    return wanted_missing.missing_person_circulation(frame, pnc, chosen, LONDON)


def test_missing_persons_are_on_pnc_within_48_hours_of_the_report() -> None:
    reported = "2024-03-30 12:00"  # the clocks go forward on 31 March: 47 real hours below
    cases = [
        ("M1", "MISSING", reported, None),
        ("M2", "MISSING", reported, None),
        ("M3", "MISSING", reported, "2024-03-31 12:00"),  # found after 23 h, never on PNC
        ("M4", "MISSING", reported, "2024-04-03 12:00"),  # found after 71 h, never on PNC
        ("M5", "MISSING", reported, None),  # open, never on PNC
        ("M6", "MISSING", reported, None),
        ("W1", "WANTED", reported, None),  # not a missing person: not judged
    ]
    reports = [
        ("M1", "MISSING", "2024-04-01 12:00"),  # 47 h in real time (wall clock says 48)
        ("M2", "MISSING", "2024-04-01 14:00"),  # 49 h: late
        ("M2", "MISSING", "2024-04-05 14:00"),  # a later re-circulation does not count
        ("M6", "MISSING", "2024-03-30 11:00"),  # before the report: a wrong link or time
        ("W1", "WANTED", "2024-04-09 12:00"),
    ]
    result = circulation(cases, reports)
    assert result["pnc_circulation"].tolist() == [
        "in_time",
        "late",
        "not_due",
        "not_entered",
        "not_entered",
        "entered_before_report",
        pd.NA,
    ]
    assert result["hours_to_pnc"].tolist()[:2] == [47.0, 49.0]


def test_an_open_case_younger_than_48_hours_at_the_extract_is_not_yet_due() -> None:
    cases = [
        ("M1", "MISSING", "2024-06-01 10:00", None),
        ("M2", "MISSING", "2024-05-29 10:00", None),
    ]
    frame = pd.DataFrame(
        cases, columns=["case_ref", "case_type", "reported_datetime", "closed_datetime"]
    )
    frame["extracted_at"] = "2024-06-02 09:00"
    pnc = pd.DataFrame(columns=["local_ref", "report_type", "entered_datetime"])
    options = wanted_missing.CirculationOptions(as_at_column="extracted_at")
    result = wanted_missing.missing_person_circulation(frame, pnc, options, LONDON)
    assert result["pnc_circulation"].tolist() == ["not_due", "not_entered"]


# --- Operation Nutmeg -------------------------------------------------------------------------

NOMINALS = pd.DataFrame({"nominal_ref": ["N1", "N2", "N3", "N4", "N5", None]})
CONVICTIONS = pd.DataFrame(
    {
        "nominal_ref": ["N1", "N2", "N3", "N3", "N4", "N5"],
        "offence_code": ["COML025", "SX56012", "SX56013", "COML025", "TH68010", "SX03001"],
    }
)
SAMPLES = pd.DataFrame({"nominal_ref": ["N5"]})


def test_a_murderer_without_a_dna_sample_is_found_and_a_sole_s12_conviction_is_not() -> None:
    result = dna_coverage.dna_coverage(NOMINALS, CONVICTIONS, SAMPLES, dna_coverage.DnaOptions())
    assert result["dna_coverage"].tolist() == [
        "no_sample",  # COML025, murder: the finding
        "not_qualifying",  # SOA 1956 s.12 alone
        "no_sample",  # s.13 and murder: the murder qualifies
        "not_qualifying",  # theft
        "sample_taken",
        pd.NA,
    ]
    assert result["qualifying_offence"].tolist()[:3] == ["COML025", pd.NA, "COML025"]


def _extract(frame: pd.DataFrame) -> FrameExtract:
    return FrameExtract(frame, Fingerprint("x", "-", len(frame), list(frame.columns)))


def test_the_force_replaces_the_illustrative_list_with_its_own_file_beside_the_suite(
    tmp_path: Path,
) -> None:
    (tmp_path / "our_list.csv").write_text("code,label\nTH68010,theft (for the test)\n")
    document = {
        "name": "dna",
        "meta": {
            "dqaudit": {
                "system": "pnc",
                "dataset": "nominals",
                "derivation": {
                    "kind": "dna_coverage",
                    "inputs": {"convictions": "convictions", "samples": "dna_samples"},
                    "options": {"code_list": "our_list.csv"},
                },
            }
        },
        "expectations": [],
    }
    suite = suite_from_dict(document, source="dna.json", path=tmp_path / "dna.json")
    frames = {"convictions": CONVICTIONS, "dna_samples": SAMPLES}
    derived = derivation.derive(suite, _extract(NOMINALS), lambda name: _extract(frames[name]))
    assert derived.extract.frame["dna_coverage"].tolist()[:4] == [
        "not_qualifying",
        "not_qualifying",
        "not_qualifying",
        "no_sample",
    ]
    document["meta"]["dqaudit"]["derivation"]["options"] = {"code_list": "missing.csv"}
    suite = suite_from_dict(document, source="dna.json", path=tmp_path / "dna.json")
    with pytest.raises(InputError, match="code list file not found"):
        derivation.derive(suite, _extract(NOMINALS), lambda name: _extract(frames[name]))


def test_the_lists_name_their_source_and_say_they_are_illustrative() -> None:
    from dqaudit.expectations.rules import codelists

    qualifying = codelists.load("nutmeg_qualifying_offences")
    assert "COML025" in qualifying.codes and "ILLUSTRATIVE" in qualifying.source
    excluded = codelists.load("nutmeg_excluded_sole_offences")
    assert "section 12 and 13" in excluded.source and "SX56012" in excluded.codes


def test_the_sample_wanted_missing_suite_derives_what_the_manifest_plants() -> None:
    from tests.conftest import SAMPLE_DATA

    def read(relative: str) -> pd.DataFrame:
        return pd.read_csv(SAMPLE_DATA / relative, dtype=str, keep_default_na=False, na_values=[""])

    path = SAMPLE_DATA / "workspace" / "suites" / "casework_missing_persons.json"
    suite = suite_from_dict(json.loads(path.read_text()), source=str(path), path=path)
    reports = read("pnc/wanted_missing.csv")
    derived = derivation.derive(
        suite, _extract(read("casework/cases.csv")), lambda n: _extract(reports)
    )
    frame = derived.extract.frame
    late = frame.loc[~frame["pnc_circulation"].isin(["in_time", "not_due"]) & frame["pnc_circulation"].notna()]  # fmt: skip
    manifest = json.loads((SAMPLE_DATA / "manifest.json").read_text())
    planted = {d["key"] for d in manifest["defects"] if d["rule_id"] == "CAS-MIS-001"}
    assert set(late["case_ref"]) == planted
    assert sorted(late["pnc_circulation"]) == sorted(
        ["late"] * 3 + ["not_entered"] * 2 + ["entered_before_report"]
    )
