"""PNC timeliness: arrest/summons records and court results.

Source: the Police National Computer Code of Practice (Home Office, in force January
2005), as summarised by Police Professional ("The Police National Computer Code of
Practice"): 90% of recordable offences on PNC "within 24 hours of a person being
arrested, reported or summonsed", 100% within three days; at least 50% of finalisations
on PNC "within seven days of the information being received by the police", rising to
75% from 1 July 2005. (It replaced the ACPO PNC Codes of Compliance, whose timeliness
indicators differed.)
"""

from __future__ import annotations

import pandas as pd
import pytest

from dqaudit.engine.run import run_suite
from dqaudit.errors import InputError
from dqaudit.expectations.rules import timing
from tests.conftest import invoke
from tests.custody_helpers import listed, template


def _arrests() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "as_ref": ["ARREST", "ARREST_LATE", "SUMMONS", "SUMMONS_LATE", "NEITHER", "BOTH"],
            "arrest_datetime": [
                "2024-05-01 08:00:00",
                "2024-05-01 08:00:00",
                None,
                None,
                None,
                "2024-05-03 10:00:00",
            ],
            "summons_date": [None, None, "2024-05-01", "2024-05-01", None, "2024-05-01"],
            "pnc_entered_datetime": [
                "2024-05-01 20:00:00",
                "2024-05-02 09:00:00",  # 25 h after the arrest
                "2024-05-01 15:00:00",  # 15 h after the start of the summons date
                "2024-05-04 09:00:00",  # 81 h: late even by the 3-day standard
                "2024-05-01 15:00:00",  # nothing to measure from
                "2024-05-03 11:00:00",  # summonsed first: 59 h after 1 May
            ],
        }
    )


def test_a_summons_record_is_measured_from_its_summons_date() -> None:
    """A summons record without an arrest time is measured from its summons date, not
    failed; the clock starts at the earliest of arrested / reported / summonsed."""
    frame = _arrests()
    starts = frame[["arrest_datetime", "summons_date", "pnc_entered_datetime"]]
    ok = timing.within_hours_of_first(starts, 24)
    assert ok.tolist() == [True, False, True, False, False, False]
    suite = template("pnc_arrest_summons", ["PNC-AS-013", "PNC-AS-014"])
    result = run_suite(frame, suite, key="as_ref")
    assert listed(result) == {
        "PNC-AS-013": {"ARREST_LATE", "SUMMONS_LATE", "NEITHER", "BOTH"},
        "PNC-AS-014": {"SUMMONS_LATE", "NEITHER"},
    }
    assert [r.success for r in result.results] == [False, False]  # 2 of 6 on time: < 90%
    # The rule it replaces, arrest to entry, failed every summons record.
    old = {
        "name": "old",
        "expectations": [
            {
                "type": "expect_column_pair_values_to_be_within_hours",
                "kwargs": {
                    "column_A": "arrest_datetime",
                    "column_B": "pnc_entered_datetime",
                    "max_hours": 24,
                },
            }
        ],
    }
    assert "SUMMONS" in run_suite(frame, old, key="as_ref").results[0].failing_keys


def test_the_start_columns_must_come_with_an_entry_column() -> None:
    suite = {
        "name": "t",
        "expectations": [
            {
                "type": "expect_multicolumn_datetimes_to_be_within_hours",
                "kwargs": {"column_list": ["pnc_entered_datetime"], "max_hours": 24},
            }
        ],
    }
    with pytest.raises(InputError, match="invalid kwargs"):
        run_suite(_arrests(), suite, key="as_ref")
    suite["expectations"][0]["kwargs"] = {
        "column_list": ["arrest_datetime", "pnc_entered_datetime"],
        "max_hours": 24,
        "ignore_row_if": "any_value_is_missing",  # would ignore every record never entered
    }
    with pytest.raises(InputError, match="invalid kwargs"):
        run_suite(_arrests(), suite, key="as_ref")


def _court(entered: list[str | None]) -> pd.DataFrame:
    received = "2024-05-01 10:00:00"
    return pd.DataFrame(
        {
            "result_ref": [f"R{i}" for i in range(len(entered))],
            "result_received_datetime": [received] * len(entered),
            "pnc_entered_datetime": entered,
        }
    )


ON_TIME = "2024-05-08 10:00:00"  # exactly 7 days (168 h) after receipt
LATE = "2024-05-08 10:01:00"


@pytest.mark.parametrize(
    ("entered", "success", "failing"),
    [
        ([ON_TIME, ON_TIME, ON_TIME, "2024-05-02 09:00:00", LATE], True, ["R4"]),  # 80%
        ([ON_TIME, ON_TIME, ON_TIME, None, LATE], False, ["R3", "R4"]),  # 60%
        ([ON_TIME, None, None, LATE, "2024-04-30 10:00:00"], False, ["R1", "R2", "R3", "R4"]),
    ],
)
def test_court_results_75_percent_within_7_days(
    entered: list[str | None], success: bool, failing: list[str]
) -> None:
    """At least 75% of finalisations on PNC within 7 days of receipt; a result never
    entered, or entered before it was received, is not on time."""
    suite = template("pnc_court_results", ["PNC-CR-009"])
    (result,) = run_suite(_court(entered), suite, key="result_ref").results
    assert result.failing_keys == failing
    assert result.unexpected_percent == pytest.approx(100 * len(failing) / len(entered))
    assert result.success is success


def test_rules_list_cites_each_timing_rules_source() -> None:
    result = invoke("rules", "list")
    assert result.exit_code == 0
    text = result.stdout
    assert text.count("source:   PNC Code of Practice (Home Office, 2005)") == 2
    assert "source:   PACE 1984 ss.40-44" in text
    assert "expect_multicolumn_datetimes_to_be_within_hours" in text
