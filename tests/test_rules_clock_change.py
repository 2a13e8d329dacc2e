"""Clock changes: the repeated autumn hour (``ambiguous``) and the skipped spring hour.

Source: in Europe/London summer time ends at 02:00 BST on the last Sunday of October
(01:00-01:59 happens twice) and begins at 01:00 GMT on the last Sunday of March
(01:00-01:59 never happens): Summer Time Act 1972, Summer Time Order 2002 (SI 2002/262),
as the IANA tz database applies them. 27 October and 31 March 2024 are those Sundays.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from dqaudit.engine.run import run_suite
from dqaudit.errors import InputError
from dqaudit.expectations.rules import timing
from tests.conftest import REPO

UTC = dt.UTC


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_a_repeated_time_has_two_readings_and_a_skipped_one_the_offset_before() -> None:
    values = pd.Series(
        ["2024-10-27 01:30:00", "2024-03-31 01:30:00", "2024-05-01 10:00:00", None, "soon"]
    )
    times = timing.read_local(values, "Europe/London")
    assert times.earliest[0] == _utc("2024-10-27 00:30")  # 01:30 BST
    assert times.latest[0] == _utc("2024-10-27 01:30")  # 01:30 GMT
    assert times.ambiguous.tolist() == [True, False, False, False, False]
    # the skipped 01:30 is read as a clock not yet put forward shows it: 01:30 GMT
    assert times.earliest[1] == times.latest[1] == _utc("2024-03-31 01:30")
    assert times.earliest[2] == _utc("2024-05-01 09:00")
    assert times.unparseable.tolist() == [False, False, False, False, True]
    # naive datetime columns (a typed extract) are read the same way
    typed = timing.read_local(pd.to_datetime(values[:3]), "Europe/London")
    assert typed.earliest.tolist() == times.earliest[:3].tolist()
    assert typed.ambiguous.tolist() == [True, False, False]


def test_the_skipped_hour_reading_agrees_with_zoneinfo_and_the_sample_data() -> None:
    """The docstring's rule (offset before the change) is PEP 495's fold=0, which the
    sample-data generator uses to plant and log its defects: all three agree."""
    spec = importlib.util.spec_from_file_location(
        "police_rules_for_test", REPO / "sample_data" / "police_rules.py"
    )
    police = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(police)
    for local in (dt.datetime(2024, 3, 31, 1, 30), dt.datetime(2024, 10, 27, 1, 30)):
        zoned = local.replace(tzinfo=ZoneInfo("Europe/London"), fold=0).astimezone(UTC)
        ours = timing.read_local(pd.Series([local.isoformat(sep=" ")])).earliest[0]
        assert ours.to_pydatetime() == zoned == police.instant(local)
    start, end = pd.Series(["2024-03-30 01:45:00"]), pd.Series(["2024-03-31 01:30:00"])
    hours = timing.hours_between(timing.read_local(start).earliest, timing.read_local(end).earliest)
    assert hours.tolist() == [23.75]  # not 22.75 (read as BST) nor 23.25 (shifted to 02:00)


START = pd.Series(["2024-10-27 01:30:00", "2024-10-26 01:45:00", "2024-10-27 00:50:00"])
END = pd.Series(["2024-10-28 01:00:00", "2024-10-27 01:30:00", "2024-10-27 01:20:00"])


@pytest.mark.parametrize(
    ("ambiguous", "expected"),
    [
        ("earliest", [False, True, True]),  # first row: 24.5 h read as BST
        ("latest", [True, False, True]),  # second row: 24.75 h read as GMT
        ("flag", [True, True, True]),  # neither row fails: each passes under one reading
    ],
)
def test_ambiguous_reading_of_within_hours(ambiguous: str, expected: list[bool]) -> None:
    assert timing.within_hours(START, END, 24, ambiguous=ambiguous).tolist() == expected


def test_flagged_rows_are_a_per_rule_warning_not_a_failure() -> None:
    frame = pd.DataFrame(
        {
            "k": ["AMB1", "AMB2", "SAME", "LATE"],
            "a": [*START[:3], "2024-10-27 01:10:00"],
            "b": [*END[:3], "2024-10-29 09:00:00"],  # LATE is late under both readings
        }
    )
    rule = {"column_A": "a", "column_B": "b", "max_hours": 24}
    suite = {
        "name": "t",
        "expectations": [{"type": "expect_column_pair_values_to_be_within_hours", "kwargs": rule}],
    }
    result = run_suite(frame, suite, key="k")
    (outcome,) = result.results
    assert outcome.failing_keys == ["LATE"]
    assert outcome.warning_keys == ["AMB1", "AMB2"]
    assert "2 record(s) have a local time in the repeated autumn" in outcome.warnings[0]
    assert any(w.startswith(f"{outcome.rule.label}: 2 record(s)") for w in result.warnings)
    assert "AMB1, AMB2" in result.warnings[-1]
    # a row condition narrows what is listed, as it narrows what is checked
    conditioned = {**rule, "row_condition": 'k != "AMB1"', "condition_parser": "pandas"}
    suite["expectations"][0]["kwargs"] = conditioned
    (narrowed,) = run_suite(frame, suite, key="k").results
    assert narrowed.warning_keys == ["AMB2"] and "row_condition not applied" not in str(
        narrowed.warnings
    )
    # read one fixed way, the same records pass or fail and nothing is listed
    suite["expectations"][0]["kwargs"] = {**rule, "ambiguous": "earliest"}
    (fixed,) = run_suite(frame, suite, key="k").results
    assert fixed.failing_keys == ["AMB1", "LATE"] and fixed.warnings == []


def test_order_rule_tries_mixed_readings_of_two_repeated_times() -> None:
    """Arrival 01:20 and authorisation 01:50, both in the repeated hour: read the same way
    they are in order, but 01:20 GMT is after 01:50 BST, so the verdict is not certain."""
    frame = pd.DataFrame(
        {
            "k": ["MIXED", "FINE", "BACK"],
            "arrival": ["2024-10-27 01:20:00", "2024-10-27 00:40:00", "2024-10-27 03:00:00"],
            "authorised": ["2024-10-27 01:50:00", "2024-10-27 01:10:00", "2024-10-27 01:30:00"],
        }
    )
    ok = timing.in_order(frame[["arrival", "authorised"]])
    assert ok.tolist() == [True, True, False]  # BACK fails under every reading
    warning = timing.clock_change_warning(
        "expect_multicolumn_datetimes_to_be_in_order",
        {"column_list": ["arrival", "authorised"]},
        frame,
    )
    assert warning is not None and warning.rows.tolist() == [True, False, False]
    assert timing.in_order(frame[["arrival", "authorised"]], ambiguous="earliest").tolist() == [
        True,
        True,
        False,
    ]


def test_datetimes_in_order_rule() -> None:
    frame = pd.DataFrame(
        {
            "k": ["ok", "back", "blank", "bad", "offset"],
            "a": ["2024-05-01 08:00:00"] * 4 + ["2024-10-27 00:30:00"],
            "b": [
                "2024-05-01 09:00:00",
                "2024-05-01 07:00:00",
                None,
                "yesterday",
                "2024-10-26 23:10:00+00:00",
            ],
            "c": ["2024-05-01 10:00:00"] * 2
            + ["2024-05-01 09:00:00", "2024-05-01 10:00:00"]
            + ["2024-10-27 03:00:00"],
        }
    )
    # 00:30 BST is 23:30 UTC the day before, after 23:10 UTC: out of order.
    assert timing.in_order(frame[["a", "b", "c"]]).tolist() == [True, False, True, False, False]
    suite = {
        "name": "o",
        "expectations": [
            {
                "type": "expect_multicolumn_datetimes_to_be_in_order",
                "kwargs": {"column_list": ["a", "b", "c"]},
            }
        ],
    }
    assert run_suite(frame, suite, key="k").results[0].failing_keys == ["back", "bad", "offset"]


def test_an_unknown_reading_is_refused() -> None:
    frame = pd.DataFrame({"k": ["1"], "a": ["2024-05-01 08:00:00"], "b": [None]})
    suite = {
        "name": "t",
        "expectations": [
            {
                "type": "expect_column_pair_values_to_be_within_hours",
                "kwargs": {"column_A": "a", "column_B": "b", "max_hours": 24, "ambiguous": "bst"},
            }
        ],
    }
    with pytest.raises(InputError, match="invalid kwargs"):
        run_suite(frame, suite, key="k")
    with pytest.raises(ValueError, match="ambiguous must be one of"):
        timing.within_hours(frame["a"], frame["b"], 24, ambiguous="bst")
