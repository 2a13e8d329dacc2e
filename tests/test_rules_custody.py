"""PACE derived dataset, datetime order and PNC timeliness rules."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dqaudit.connectors.base import Fingerprint, FrameExtract
from dqaudit.engine import derivation
from dqaudit.engine.run import run_suite
from dqaudit.errors import InputError
from dqaudit.expectations.rules import timing
from dqaudit.expectations.rules.custody import PaceOptions, pace_measures
from dqaudit.expectations.suite import suite_from_dict

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
]


def custody(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=CUSTODY_COLUMNS, dtype=object)


def reviews(*rows: tuple) -> pd.DataFrame:
    columns = ["custody_ref", "review_datetime", "review_type", "postponed", "postponement_reason"]
    return pd.DataFrame(list(rows), columns=columns, dtype=object)


def measures(records: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    return pace_measures(records, events, PaceOptions(), "Europe/London")


def test_first_review_gaps_and_postponement() -> None:
    records = custody(
        (
            "C1",
            "2024-05-01 08:00:00",
            "2024-05-01 08:30:00",
            "2024-05-01 09:00:00",
            None,
            "2024-05-02 03:00:00",
            "1990-01-01",
            "N",
            None,
        ),
        (
            "C2",
            "2024-05-01 08:00:00",
            "2024-05-01 08:30:00",
            "2024-05-01 09:00:00",
            None,
            "2024-05-01 17:00:00",
            "1990-01-01",
            "N",
            None,
        ),
        (
            "C3",
            "2024-05-01 08:00:00",
            "2024-05-01 08:30:00",
            "2024-05-01 09:00:00",
            None,
            "2024-05-01 14:00:00",
            "1990-01-01",
            "N",
            None,
        ),
        (
            "C4",
            "2024-05-01 08:00:00",
            "2024-05-01 08:30:00",
            "2024-05-01 09:00:00",
            None,
            "2024-05-02 09:00:00",
            "1990-01-01",
            "Y",
            None,
        ),
    )
    events = reviews(
        ("C1", "2024-05-01 14:30:00", "PACE_FIRST", "N", None),  # 5.5 h: in time
        ("C1", "2024-05-02 00:30:00", "PACE_SUBSEQUENT", "Y", "in interview"),  # 10 h, excused
        ("C2", "2024-05-01 16:00:00", "PACE_FIRST", "N", None),  # 7 h: late
        ("C4", "2024-05-01 20:00:00", "TACT_REVIEW", "N", None),
        ("C9", "2024-05-01 10:00:00", "PACE_FIRST", "N", None),  # no such detention
    )
    derived = measures(records, events)
    assert derived["first_review_h"].tolist()[:3] == [5.5, 7.0, None] or derived[
        "first_review_h"
    ].isna().tolist() == [False, False, True, True]
    assert derived["first_review_h"].iloc[0] == 5.5
    assert derived["first_review_h"].iloc[1] == 7.0
    assert pd.isna(derived["first_review_h"].iloc[2])  # released after 5 h: not yet due
    assert derived["first_review_postponed"].tolist()[:2] == ["N", "N"]
    # C1: the excused 10 h gap is measured apart; the last review to release is 2.5 h.
    assert derived["max_review_gap_h"].iloc[0] == 2.5
    assert derived["max_postponed_gap_h"].iloc[0] == 10.0
    assert derived["max_review_gap_h"].iloc[1] == 1.0
    # Terrorism Act detention: every measure blank.
    assert (
        derived.iloc[3][["first_review_h", "hours_before_charge", "max_review_gap_h"]].isna().all()
    )


def test_no_review_at_all_before_release_counts_as_held_unreviewed() -> None:
    records = custody(
        (
            "C1",
            "2024-05-01 08:00:00",
            "2024-05-01 08:30:00",
            "2024-05-01 09:00:00",
            None,
            "2024-05-01 19:00:00",
            "1990-01-01",
            "N",
            None,
        ),
    )
    derived = measures(records, reviews())
    assert derived["first_review_h"].iloc[0] == 10.0


def test_limits_run_from_the_relevant_time_until_charge() -> None:
    records = custody(
        # arrival 30 h after arrest: the relevant time is arrest + 24 h
        (
            "C1",
            "2024-05-01 08:00:00",
            "2024-05-02 14:00:00",
            "2024-05-02 14:10:00",
            "2024-05-03 09:00:00",
            "2024-05-03 12:00:00",
            "1990-01-01",
            "N",
            None,
        ),
        (
            "C2",
            "2024-05-01 08:00:00",
            "2024-05-01 08:30:00",
            "2024-05-01 09:00:00",
            None,
            "2024-05-02 10:30:00",
            "1990-01-01",
            "N",
            None,
        ),
        (
            "C3",
            "2024-05-01 08:00:00",
            "2024-05-01 08:30:00",
            "2024-05-01 09:00:00",
            None,
            "2024-05-02 20:30:00",
            "1990-01-01",
            "N",
            None,
        ),
        (
            "C4",
            "2024-05-01 08:00:00",
            "2024-05-01 08:30:00",
            "2024-05-01 09:00:00",
            None,
            "2024-05-05 10:30:00",
            "1990-01-01",
            "N",
            None,
        ),
    )
    events = reviews(
        ("C2", "2024-05-02 08:00:00", "SUPT_EXTENSION", "N", None),  # 23.5 h: in time
        ("C3", "2024-05-02 09:00:00", "SUPT_EXTENSION", "N", None),  # 24.5 h: too late
        ("C4", "2024-05-02 08:00:00", "SUPT_EXTENSION", "N", None),
        ("C4", "2024-05-02 19:00:00", "WARRANT_FURTHER_DETENTION", "N", None),
    )
    derived = measures(records, events)
    assert derived["relevant_time"].iloc[0] == "2024-05-02 08:00:00"
    assert derived["hours_before_charge"].tolist() == [25.0, 26.0, 36.0, 98.0]
    assert derived["extension_by_h"].tolist() == [25.0, 23.5, 24.5, 23.5]  # C1: none given
    assert pd.isna(derived["warrant_by_h"].iloc[1])  # not needed
    assert derived["warrant_by_h"].iloc[3] == 34.5


def test_the_clock_change_does_not_move_the_24_hour_edge() -> None:
    """Wall-clock 24.5 h across the spring change is 23.5 real hours (no extension needed);
    across the autumn change 23.5 wall-clock hours are 24.5 real ones (it is)."""
    records = custody(
        (
            "SPRING",
            "2024-03-30 19:30:00",
            "2024-03-30 20:00:00",
            "2024-03-30 20:10:00",
            None,
            "2024-03-31 20:30:00",
            "1990-01-01",
            "N",
            None,
        ),
        (
            "AUTUMN",
            "2024-10-26 20:30:00",
            "2024-10-26 21:00:00",
            "2024-10-26 21:10:00",
            None,
            "2024-10-27 20:30:00",
            "1990-01-01",
            "N",
            None,
        ),
    )
    derived = measures(records, reviews())
    assert derived["hours_before_charge"].tolist() == [23.5, 23.5 + 1.0]
    assert pd.isna(derived["extension_by_h"].iloc[0])
    assert derived["extension_by_h"].iloc[1] == 24.5


def test_age_at_arrival_from_date_of_birth() -> None:
    records = custody(
        (
            "A",
            "2024-05-01 08:00:00",
            "2024-05-01 08:30:00",
            "2024-05-01 09:00:00",
            None,
            "2024-05-01 10:00:00",
            "2006-05-02",
            "N",
            None,
        ),
        (
            "B",
            "2024-05-01 08:00:00",
            "2024-05-01 08:30:00",
            "2024-05-01 09:00:00",
            None,
            "2024-05-01 10:00:00",
            "2006-05-01",
            "N",
            "N",
        ),
        (
            "C",
            "2024-05-01 08:00:00",
            "2024-05-01 08:30:00",
            "2024-05-01 09:00:00",
            None,
            "2024-05-01 10:00:00",
            "not known",
            "N",
            None,
        ),
        (
            "D",
            "2024-05-01 08:00:00",
            "2024-05-01 08:30:00",
            "2024-05-01 09:00:00",
            None,
            "2024-05-01 10:00:00",
            "2031-01-01",
            "N",
            None,
        ),
    )
    derived = measures(records, reviews())
    assert derived["age_at_arrival_years"].tolist()[:2] == [17, 18]
    assert derived["under_18"].tolist()[:2] == ["Y", "N"]
    assert pd.isna(derived["under_18"].iloc[2]) and pd.isna(derived["under_18"].iloc[3])


def test_datetimes_in_order_rule() -> None:
    frame = pd.DataFrame(
        {
            "k": ["ok", "back", "blank", "bad", "fold"],
            "a": [
                "2024-05-01 08:00:00",
                "2024-05-01 08:00:00",
                "2024-05-01 08:00:00",
                "2024-05-01 08:00:00",
                "2024-10-27 01:30:00",
            ],
            "b": [
                "2024-05-01 09:00:00",
                "2024-05-01 07:00:00",
                None,
                "yesterday",
                "2024-10-27 01:10:00+00:00",
            ],
            "c": [
                "2024-05-01 10:00:00",
                "2024-05-01 10:00:00",
                "2024-05-01 09:00:00",
                "2024-05-01 10:00:00",
                "2024-10-27 03:00:00",
            ],
        }
    )
    # 01:30 is read as its first (BST) occurrence, 00:30 UTC, before 01:10 UTC: in order.
    assert timing.in_order(frame[["a", "b", "c"]]).tolist() == [True, False, True, False, True]
    suite = {
        "name": "o",
        "expectations": [
            {
                "type": "expect_multicolumn_datetimes_to_be_in_order",
                "kwargs": {"column_list": ["a", "b", "c"]},
            }
        ],
    }
    assert run_suite(frame, suite, key="k").results[0].failing_keys == ["back", "bad"]


def test_pnc_timeliness_counts_a_record_never_entered_as_late() -> None:
    frame = pd.DataFrame(
        {
            "as_ref": [f"A{i}" for i in range(10)],
            "arrest": ["2024-05-01 08:00:00"] * 10,
            "entered": ["2024-05-01 09:00:00"] * 7
            + [None, "2024-05-03 08:00:00", "2024-05-01 07:00:00"],
        }
    )
    suite = {
        "name": "t",
        "expectations": [
            {
                "type": "expect_column_pair_values_to_be_within_hours",
                "kwargs": {
                    "column_A": "arrest",
                    "column_B": "entered",
                    "max_hours": 24,
                    "mostly": 0.7,
                },
            }
        ],
    }
    (result,) = run_suite(frame, suite, key="as_ref").results
    assert result.failing_keys == ["A7", "A8", "A9"]
    assert result.success is True  # 70% achieved, the rule says at least 70%
    assert result.unexpected_percent == pytest.approx(30.0)


def test_timeliness_refuses_to_ignore_missing_entries() -> None:
    frame = pd.DataFrame({"k": ["1"], "a": ["2024-05-01 08:00:00"], "b": [None]})
    suite = {
        "name": "t",
        "expectations": [
            {
                "type": "expect_column_pair_values_to_be_within_hours",
                "kwargs": {
                    "column_A": "a",
                    "column_B": "b",
                    "max_hours": 24,
                    "ignore_row_if": "either_value_is_missing",
                },
            }
        ],
    }
    with pytest.raises(InputError, match="invalid kwargs"):
        run_suite(frame, suite, key="k")


# --- the derivation declared in a suite ----------------------------------------------------


def _suite(derivation_spec, **extra) -> object:
    return suite_from_dict(
        {
            "name": "p",
            "meta": {
                "dqaudit": {
                    "system": "custody",
                    "dataset": "custody_records",
                    "derivation": derivation_spec,
                    **extra,
                }
            },
            "expectations": [],
        },
        source="p.json",
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"kind": "pace"}, "kind 'pace' is not one of"),
        ({"kind": "pace_detentions"}, "inputs.reviews is required"),
        (
            {"kind": "pace_detentions", "inputs": {"reviews": "r", "x": "y"}},
            "inputs.x is not an input",
        ),
        (
            {"kind": "pace_detentions", "inputs": {"reviews": "r"}, "options": {"key": 3}},
            "options.key must be a non-empty string",
        ),
        (
            {"kind": "pace_detentions", "inputs": {"reviews": "r"}, "options": {"nope": "x"}},
            "options.nope is not an option",
        ),
        ({"kind": "duplicate_addresses", "extra": 1}, "unknown setting 'extra'"),
    ],
)
def test_bad_derivations_are_errors_naming_the_setting(spec, message: str) -> None:
    with pytest.raises(InputError, match=message):
        derivation.steps(_suite(spec))


def test_derivation_input_must_be_a_dataset_of_the_same_system() -> None:
    suite = _suite({"kind": "pace_detentions", "inputs": {"reviews": "nominals"}})
    with pytest.raises(
        InputError, match="names dataset 'nominals', which system 'custody' does not have"
    ):
        derivation.check_inputs(suite, {"custody_records": object(), "reviews": object()})


def test_derivation_is_part_of_the_suite_hash() -> None:
    a = _suite({"kind": "pace_detentions", "inputs": {"reviews": "reviews"}})
    b = _suite({"kind": "pace_detentions", "inputs": {"reviews": "reviews_archive"}})
    plain = suite_from_dict(
        {
            "name": "p",
            "meta": {"dqaudit": {"system": "custody", "dataset": "custody_records"}},
            "expectations": [],
        }
    )
    assert len({a.hash, b.hash, plain.hash}) == 3
    assert "derivation" not in plain.canonical()


def test_derived_extract_keeps_keys_rows_and_line_numbers() -> None:
    records = custody(
        (
            "C1",
            "2024-05-01 08:00:00",
            "2024-05-01 08:30:00",
            "2024-05-01 09:00:00",
            None,
            "2024-05-01 19:00:00",
            "1990-01-01",
            "N",
            None,
        ),
        (
            "C2",
            "2024-05-01 08:00:00",
            "2024-05-01 08:30:00",
            "2024-05-01 09:00:00",
            None,
            "2024-05-01 12:00:00",
            "1990-01-01",
            "N",
            None,
        ),
    )
    extract = FrameExtract(
        records,
        Fingerprint("c.csv", "abc", 2, list(records.columns)),
        line_numbers=pd.Series([2, 5]).to_numpy(),
    )
    review_frame = reviews()
    spec = {"kind": "pace_detentions", "inputs": {"reviews": "reviews"}}
    loaded = _suite(spec)
    derived = derivation.derive(
        loaded, extract, lambda name: FrameExtract(review_frame, Fingerprint("r.csv", "def", 0, []))
    )
    assert derived.extract.frame["custody_ref"].tolist() == ["C1", "C2"]
    assert derived.extract.line_numbers.tolist() == [2, 5]
    assert derived.references[0].sha256 == "def"
    suite = {
        "name": "p",
        "expectations": [
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "first_review_h", "max_value": 6},
            }
        ],
    }
    result = run_suite(derived.extract, suite, key="custody_ref")
    assert result.results[0].failing_keys == ["C1"]


def test_template_pace_suite_runs_on_the_sample_data(sample_data: Path) -> None:
    from tests.test_rules_templates import load_sample

    records, review_frame = (
        load_sample(sample_data, "custody/custody_records.csv"),
        load_sample(sample_data, "custody/reviews.csv"),
    )
    suite = json.loads((sample_data / "workspace" / "suites" / "custody_pace.json").read_text())
    loaded = suite_from_dict(suite)
    derived = derivation.derive(
        loaded,
        FrameExtract(records, Fingerprint("c", "-", len(records), list(records.columns))),
        lambda name: FrameExtract(review_frame, Fingerprint("r", "-", len(review_frame), [])),
    )
    frame = derived.extract.frame
    assert len(frame) == len(records)
    not_tact = frame["terrorism_act"] == "N"
    assert frame.loc[not_tact, "hours_before_charge"].notna().all()


def test_check_refuses_a_derived_suite_with_a_clear_error(sample_data: Path) -> None:
    from tests.conftest import invoke

    result = invoke(
        "check",
        str(sample_data / "custody" / "custody_records.csv"),
        "--suite",
        str(sample_data / "workspace" / "suites" / "custody_pace.json"),
    )
    assert result.exit_code == 2
    assert "derives its dataset from other datasets (pace_detentions)" in result.stderr
    assert "dqaudit audit run" in result.stderr
