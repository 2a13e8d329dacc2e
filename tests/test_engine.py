"""run_suite: GX execution with every failing key, typed conversions, and GX's traps."""

from __future__ import annotations

import pandas as pd
import pytest

from dqaudit import run_suite
from dqaudit.errors import InputError
from tests.conftest import rule


def suite(*expectations: dict) -> dict:
    return {"name": "t", "expectations": list(expectations)}


def text_frame(**columns: list) -> pd.DataFrame:
    return pd.DataFrame(columns, dtype=str)


def only(result) -> object:
    assert len(result.results) == 1
    return result.results[0]


def test_every_failing_key_in_file_order_beyond_gx_partial_lists() -> None:
    n = 5_000
    refs = [f"R{i:05d}" for i in range(n)]
    codes = ["BAD" if i % 7 == 0 else "OK" for i in range(n)]
    result = run_suite(
        text_frame(ref=refs, code=codes),
        suite(rule("expect_column_values_to_be_in_set", "R1", column="code", value_set=["OK"])),
        key="ref",
    )
    outcome = only(result)
    expected = [refs[i] for i in range(n) if i % 7 == 0]
    assert outcome.failing_keys == expected
    assert outcome.unexpected_count == len(expected) == 715
    assert result.key_source == "column" and result.status == "failed"


def test_results_follow_suite_order_and_match_their_expectation() -> None:
    frame = text_frame(a=["x", None, "x"], b=["1", "2", "3"], c=["p", "q", None])
    result = run_suite(
        frame,
        suite(
            rule("expect_table_row_count_to_be_between", "T1", min_value=1, max_value=2),
            rule("expect_column_values_to_not_be_null", "A1", column="a"),
            rule("expect_column_values_to_be_between", "B1", column="b", min_value=2, max_value=3),
            rule("expect_column_values_to_not_be_null", "C1", column="c"),
        ),
    )
    assert [r.rule.rule_id for r in result.results] == ["T1", "A1", "B1", "C1"]
    by_id = {r.rule.rule_id: r for r in result.results}
    assert by_id["T1"].success is False and by_id["T1"].failing_keys is None
    assert by_id["A1"].failing_keys == ["3"]  # line numbers: header is line 1
    assert by_id["B1"].failing_keys == ["2"]
    assert by_id["C1"].failing_keys == ["4"]
    assert result.key_source == "line"


def test_text_is_never_changed_and_only_empty_is_null() -> None:
    frame = text_frame(ref=["1", "2", "3", "4"], v=["007", "NA", "NULL", None])
    result = run_suite(
        frame,
        suite(
            rule("expect_column_values_to_not_be_null", "N", column="v"),
            rule("expect_column_values_to_match_regex", "Z", column="v", regex="^0"),
        ),
        key="ref",
    )
    not_null, leading_zero = result.results
    assert not_null.failing_keys == ["4"]
    assert leading_zero.failing_keys == ["2", "3"]  # "007" kept its zeros; NA/NULL are values


def test_unparseable_numbers_and_dates_fail_the_rule_not_vanish() -> None:
    frame = text_frame(
        ref=["a", "b", "c", "d", "e"],
        age=["17", "abc", None, "200", "18.0"],
        seen=["2024-01-01 10:00:00", "31/02/2024", None, "not known", "2025-06-30"],
    )
    result = run_suite(
        frame,
        suite(
            rule(
                "expect_column_values_to_be_between",
                "AGE",
                column="age",
                min_value=10,
                max_value=120,
            ),
            rule(
                "expect_column_values_to_be_between", "DAY", column="seen", max_value="2024-12-31"
            ),
        ),
        key="ref",
    )
    age, day = result.results
    assert age.failing_keys == ["b", "d"]
    assert day.failing_keys == ["b", "d", "e"]  # only an upper bound: bad text still fails
    assert age.unexpected_count == 2


def test_column_pair_order_ignores_nulls_and_fails_unparseable_values() -> None:
    frame = text_frame(
        ref=["1", "2", "3", "4", "5"],
        start=["2024-01-01 10:00", "2024-01-01 10:00", None, "garbage", "2024-01-01 10:00"],
        end=["2024-01-01 11:00", "2024-01-01 09:00", "2024-01-01 09:00", "2024-01-01 09:00", None],
    )
    pair = rule(
        "expect_column_pair_values_a_to_be_greater_than_b",
        "ORD",
        meta={"value_type": "datetime"},
        column_A="end",
        column_B="start",
        or_equal=True,
    )
    assert only(run_suite(frame, suite(pair), key="ref")).failing_keys == ["2", "4"]


def test_pair_rule_without_value_type_is_an_input_error() -> None:
    pair = rule(
        "expect_column_pair_values_a_to_be_greater_than_b", "ORD", column_A="a", column_B="b"
    )
    with pytest.raises(InputError, match=r"ORD.*value_type"):
        run_suite(text_frame(a=["1"], b=["2"]), suite(pair))


def test_conditional_expectations_with_both_parsers() -> None:
    frame = text_frame(
        crime_id=["c1", None, None, "c4"],
        crime_type=["Burglary", "Anti-social behaviour", "Burglary", "Robbery"],
    )
    frame.columns = ["Crime ID", "Crime type"]
    pandas_rule = rule(
        "expect_column_values_to_not_be_null",
        "P",
        column="Crime ID",
        row_condition='`Crime type` != "Anti-social behaviour"',
        condition_parser="pandas",
    )
    gx_rule = rule(
        "expect_column_values_to_not_be_null",
        "G",
        column="Crime ID",
        row_condition='col("Crime type")!="Anti-social behaviour"',
        condition_parser="great_expectations",
    )
    result = run_suite(frame, suite(pandas_rule, gx_rule))
    assert [r.failing_keys for r in result.results] == [["4"], ["4"]]


def test_composite_keys_are_joined_with_a_bar() -> None:
    frame = text_frame(force=["01", "01", "20"], ref=["A", "B", "A"], v=["x", None, None])
    outcome = only(
        run_suite(
            frame,
            suite(rule("expect_column_values_to_not_be_null", "V", column="v")),
            key="force,ref",
        )
    )
    assert outcome.failing_keys == ["01|B", "20|A"]


def test_only_a_row_with_a_blank_key_is_identified_by_its_line() -> None:
    frame = text_frame(ref=["A", None, "C"], v=[None, None, "x"])
    result = run_suite(
        frame, suite(rule("expect_column_values_to_not_be_null", "V", column="v")), key="ref"
    )
    assert result.key_source == "column"
    assert only(result).failing_keys == ["A", "3"]  # A keeps its key; the blank one is line 3
    assert only(result).line_keys == ["3"]
    assert "blank on 1 row(s) (first at line 3)" in result.warnings[0]


def test_missing_columns_are_input_errors_naming_the_rule_and_column() -> None:
    frame = text_frame(a=["1"])
    with pytest.raises(InputError, match=r"rule R9, .* reads column 'nope'"):
        run_suite(frame, suite(rule("expect_column_values_to_not_be_null", "R9", column="nope")))
    with pytest.raises(InputError, match="key column 'ref' is not in"):
        run_suite(
            frame, suite(rule("expect_column_values_to_not_be_null", "R1", column="a")), key="ref"
        )


def test_unknown_expectation_type_is_an_input_error_not_dropped() -> None:
    with pytest.raises(InputError, match=r"unknown expectation type 'expect_column_to_be_lovely'"):
        run_suite(text_frame(a=["1"]), suite(rule("expect_column_to_be_lovely", "X", column="a")))


def test_bad_kwargs_are_an_input_error() -> None:
    bad = rule("expect_column_values_to_be_in_set", "S", column="a", value_set="not-a-list")
    with pytest.raises(InputError, match=r"rule S, .*invalid kwargs"):
        run_suite(text_frame(a=["1"]), suite(bad))


def test_gx_exception_info_is_an_error_never_a_failure_or_pass() -> None:
    # GX fails inside the metric and reports it in exception_info
    z_scores = rule(
        "expect_column_value_z_scores_to_be_less_than",  # GX takes the mean of text: raises
        "BROKEN",
        column="a",
        threshold=3,
        double_sided=True,
    )
    result = run_suite(text_frame(a=["x", "y"]), suite(z_scores))
    outcome = only(result)
    assert outcome.success is None and outcome.error
    assert outcome.failing_keys is None
    assert result.status == "error"
    assert result.to_dict()["error"].startswith("expectation #1 (rule BROKEN")


def test_mostly_passes_but_still_lists_the_failing_keys() -> None:
    frame = text_frame(v=["x"] * 9 + [None])
    outcome = only(
        run_suite(
            frame, suite(rule("expect_column_values_to_not_be_null", "M", column="v", mostly=0.9))
        )
    )
    assert outcome.success is True
    assert outcome.failing_keys == ["11"]


def test_datetime64_us_columns_are_normalised_and_checked() -> None:
    frame = pd.DataFrame(
        {
            "ref": ["a", "b"],
            "when": pd.to_datetime(["2024-01-01", "2030-01-01"]).astype("datetime64[us]"),
        }
    )
    outcome = only(
        run_suite(
            frame,
            suite(
                rule(
                    "expect_column_values_to_be_between", "W", column="when", max_value="2025-01-01"
                )
            ),
            key="ref",
        )
    )
    assert outcome.failing_keys == ["b"]


def test_numeric_value_sets_compare_numbers() -> None:
    frame = text_frame(code=["1", "01", "3", "x"])
    outcome = only(
        run_suite(
            frame,
            suite(rule("expect_column_values_to_be_in_set", "S", column="code", value_set=[1, 2])),
        )
    )
    assert outcome.failing_keys == ["4", "5"]  # "01" is the number 1; "x" is not a number


def test_json_document_has_exactly_the_documented_shape() -> None:
    frame = text_frame(ref=["a"], v=[None])
    document = run_suite(
        frame, suite(rule("expect_column_values_to_not_be_null", "V", column="v")), key="ref"
    ).to_dict()
    assert set(document) == {"status", "suite", "rows", "key_source", "error", "results"}
    assert set(document["results"][0]) == {
        "expectation_type",
        "kwargs",
        "rule_id",
        "success",
        "unexpected_count",
        "failing_keys",
        "error",
    }
    assert document["results"][0]["kwargs"] == {"column": "v"}


def test_typed_helper_columns_are_invisible_to_rules_about_the_table() -> None:
    frame = text_frame(ref=["a", "b"], age=["17", "x"])
    result = run_suite(
        frame,
        suite(
            rule(
                "expect_column_values_to_be_between",
                "AGE",
                column="age",
                min_value=0,
                max_value=120,
            ),
            rule(
                "expect_table_columns_to_match_set",
                "COLS",
                column_set=["ref", "age"],
                exact_match=True,
            ),
            rule("expect_table_column_count_to_equal", "N", value=2),
            rule("expect_table_columns_to_match_ordered_list", "ORD", column_list=["ref", "age"]),
        ),
        key="ref",
    )
    assert [r.success for r in result.results] == [False, True, True, True]
    assert result.results[0].failing_keys == ["b"]


def test_a_row_condition_naming_a_missing_column_is_an_input_error() -> None:
    bad = rule(
        "expect_column_values_to_not_be_null",
        "C",
        column="a",
        row_condition='nonexistent == "x"',
        condition_parser="pandas",
    )
    with pytest.raises(InputError, match=r"rule C, .*reads column 'nonexistent', which is not in"):
        run_suite(text_frame(a=["1"]), suite(bad))


def test_an_invalid_regex_is_an_input_error() -> None:
    bad = rule("expect_column_values_to_match_regex", "R", column="a", regex="(")
    with pytest.raises(InputError, match=r"rule R, .*regex '\(' is not a valid regular expression"):
        run_suite(text_frame(a=["1"]), suite(bad))


def test_a_composite_key_may_include_a_typed_column() -> None:
    frame = pd.DataFrame({"force": [1, 20], "ref": ["A", "B"], "v": [None, "x"]})
    outcome = only(
        run_suite(
            frame,
            suite(rule("expect_column_values_to_not_be_null", "V", column="v")),
            key="force,ref",
        )
    )
    assert outcome.failing_keys == ["1|A"]


def test_datetimes_with_mixed_utc_offsets_are_compared_in_utc() -> None:
    frame = text_frame(
        ref=["a", "b", "c"],
        when=["2023-06-01T10:00:00+01:00", "2023-01-01T10:00:00+00:00", "2023-06-01 12:00:00"],
    )
    outcome = only(
        run_suite(
            frame,
            suite(
                rule(
                    "expect_column_values_to_be_between",
                    "W",
                    column="when",
                    max_value="2023-06-01 09:30:00",
                )
            ),
            key="ref",
        )
    )
    assert outcome.failing_keys == ["c"]  # 10:00+01:00 is 09:00 UTC: within the bound


def test_aggregate_rules_over_unreadable_values_fail_never_pass() -> None:
    frame = text_frame(v=["1", "2", "3", "abc", "NA"])
    result = run_suite(
        frame,
        suite(
            rule(
                "expect_column_median_to_be_between", "MED", column="v", min_value=0, max_value=10
            ),
            rule(
                "expect_column_quantile_values_to_be_between",
                "Q",
                column="v",
                quantile_ranges={"quantiles": [0.5], "value_ranges": [[0, 10]]},
            ),
            rule("expect_column_max_to_be_between", "MAX", column="v", min_value=0, max_value=10),
        ),
    )
    assert [r.success for r in result.results] == [False, False, False]
    assert "2 value(s) could not be read" in result.warnings[0]
    clean = run_suite(
        text_frame(v=["1", "2", "3"]),
        suite(
            rule("expect_column_median_to_be_between", "MED", column="v", min_value=0, max_value=10)
        ),
    )
    assert clean.results[0].success is True


def test_increasing_and_decreasing_read_their_values_as_the_rule_says() -> None:
    # GX subtracts each value from the next; on text that raised, so every run ended in
    # exit 3. Now the values are read as numbers (or datetimes) first.
    frame = text_frame(ref=["a", "b", "c", "d", "e"], n=["1", "2", "10", "x", "11"])
    increasing = rule(
        "expect_column_values_to_be_increasing", "UP", meta={"value_type": "number"}, column="n"
    )
    outcome = only(run_suite(frame, suite(increasing), key="ref"))
    assert outcome.error is None
    assert outcome.failing_keys == ["d"]  # "x" cannot be read: it fails, 11 after it does not
    decreasing = rule(
        "expect_column_values_to_be_decreasing", "DOWN", meta={"value_type": "number"}, column="n"
    )
    outcome = only(run_suite(frame, suite(decreasing), key="ref"))
    assert outcome.failing_keys == ["b", "c", "d"]  # 10 after 2 is not decreasing, nor x


def test_increasing_without_a_value_type_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"set meta\.dqaudit\.value_type"):
        run_suite(
            text_frame(n=["1"]),
            suite(rule("expect_column_values_to_be_increasing", "UP", column="n")),
        )
