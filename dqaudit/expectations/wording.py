"""Rules in plain English, for system owners and board members who have never seen a GX suite.

A sentence is built from what the store keeps of a rule (its expectation type and kwargs),
never from the data, and it names every column the rule reads (``Rule.reads``: the
kwargs' columns, then its row condition's) and the reference it uses (a boundary file, an
area layer, a code list), so an owner can see exactly which of their fields is at fault:
"easting and northing must lie inside the force boundary (force_boundary.geojson)", not
"easting: column pair values to be within boundary".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from dqaudit.errors import InputError
from dqaudit.expectations.conditions import describe, parse_condition
from dqaudit.expectations.suite_model import Rule

SHOWN_VALUES = 8
MAX_REFERENCE_NAME = 80


def _values(values: Any) -> str:
    if not isinstance(values, list | tuple | set):
        return str(values)
    items = [str(v) for v in values]
    shown = ", ".join(items[:SHOWN_VALUES])
    return shown + (f" (and {len(items) - SHOWN_VALUES} more)" if len(items) > SHOWN_VALUES else "")


def _columns(names: Any) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = [str(n) for n in names] if isinstance(names, list | tuple) else [str(names)]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" and {items[-1]}"


def _range(kwargs: dict[str, Any], unit: str = "") -> str:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is not None and high is not None:
        return f"between {low}{unit} and {high}{unit}"
    if low is not None:
        return f"at least {low}{unit}"
    if high is not None:
        return f"at most {high}{unit}"
    return "within its allowed range"


def reference_name(value: Any) -> str:
    """A reference file as an owner can find it: its file name, never the server's path."""
    name = PurePath(str(value).replace("\\", "/")).name or str(value)
    return name[:MAX_REFERENCE_NAME]


def _hours(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def _within_hours(k: dict[str, Any]) -> str:
    return (
        f"{k['column_B']} must be at most {_hours(k['max_hours'])} hours after "
        f"{k['column_A']} (a missing {k['column_B']} counts as late)"
    )


def _multicolumn_within_hours(k: dict[str, Any]) -> str:
    columns = list(k["column_list"])
    last, starts = columns[-1], columns[:-1]
    return (
        f"{last} must be at most {_hours(k['max_hours'])} hours after the earliest of "
        f"{_columns(starts)} (no start, or a missing {last}, fails)"
    )


def _boundary_area(k: dict[str, Any]) -> str:
    easting, northing, code = list(k["column_list"])[:3]
    prop = k.get("area_property", "code")
    return (
        f"{code} must be the {prop} of the area that the point {easting}, {northing} lies in "
        f"({reference_name(k['areas'])})"
    )


def _boundary_version(k: dict[str, Any]) -> str:
    easting, northing, code, when = list(k["column_list"])[:4]
    return (
        f"the point {easting}, {northing} must lie in the area {code} had on the date in "
        f"{when} ({reference_name(k['areas'])})"
    )


def _code_list(k: dict[str, Any]) -> str:
    name = reference_name(k["code_list"])
    return f"{k['column']} must be a code of the {name} code list"


TEMPLATES: dict[str, Callable[[dict[str, Any]], str]] = {
    # Great Expectations' own rules
    "expect_column_values_to_not_be_null": lambda k: f"{k['column']} must be filled in",
    "expect_column_values_to_be_null": lambda k: f"{k['column']} must be empty",
    "expect_column_values_to_be_unique": lambda k: f"each {k['column']} must be unique",
    "expect_compound_columns_to_be_unique": lambda k: (
        f"each combination of {_columns(k['column_list'])} must be unique"
    ),
    "expect_select_column_values_to_be_unique_within_record": lambda k: (
        f"{_columns(k['column_list'])} must all differ within each record"
    ),
    "expect_column_values_to_be_in_set": lambda k: (
        f"{k['column']} must be one of: {_values(k.get('value_set'))}"
    ),
    "expect_column_values_to_not_be_in_set": lambda k: (
        f"{k['column']} must not be any of: {_values(k.get('value_set'))}"
    ),
    "expect_column_values_to_match_regex": lambda k: (
        f"{k['column']} must have the expected format ({k.get('regex')})"
    ),
    "expect_column_values_to_not_match_regex": lambda k: (
        f"{k['column']} must not match the pattern {k.get('regex')}"
    ),
    "expect_column_values_to_be_between": lambda k: f"{k['column']} must be {_range(k)}",
    "expect_column_value_lengths_to_be_between": lambda k: (
        f"{k['column']} must be {_range(k, ' characters')} long"
    ),
    "expect_column_value_lengths_to_equal": lambda k: (
        f"{k['column']} must be {k.get('value')} characters long"
    ),
    "expect_column_values_to_be_increasing": lambda k: (
        f"{k['column']} must increase from each record to the next"
    ),
    "expect_column_values_to_be_decreasing": lambda k: (
        f"{k['column']} must decrease from each record to the next"
    ),
    "expect_column_pair_values_a_to_be_greater_than_b": lambda k: (
        f"{k['column_A']} must be {'on or ' if k.get('or_equal') else ''}after {k['column_B']}"
    ),
    "expect_column_pair_values_to_be_equal": lambda k: (
        f"{k['column_A']} must equal {k['column_B']}"
    ),
    "expect_multicolumn_sum_to_equal": lambda k: (
        f"{_columns(k['column_list'])} must add up to {k.get('sum_total')}"
    ),
    "expect_table_row_count_to_be_between": lambda k: f"the extract must have {_range(k, ' rows')}",
    "expect_table_row_count_to_equal": lambda k: f"the extract must have {k.get('value')} rows",
    "expect_table_columns_to_match_set": lambda k: (
        f"the extract must have the columns {_values(k.get('column_set'))}"
    ),
    "expect_table_columns_to_match_ordered_list": lambda k: (
        f"the extract must have the columns {_values(k.get('column_list'))}, in that order"
    ),
    "expect_column_to_exist": lambda k: f"the extract must have a column {k.get('column')}",
    # the police rule library (dqaudit.expectations.rules.catalogue)
    "expect_column_values_to_be_valid_pnc_id": lambda k: (
        f"{k['column']} must be a valid PNC ID (YYYY/NNNNNNNC with its check letter)"
    ),
    "expect_column_values_to_be_valid_cro_number": lambda k: (
        f"{k['column']} must be a valid CRO number (with its check letter)"
    ),
    "expect_column_values_to_be_valid_asn": lambda k: (
        f"{k['column']} must be a valid Arrest/Summons Number (with its check letter)"
    ),
    "expect_column_values_to_be_valid_uk_postcode": lambda k: (
        f"{k['column']} must be a UK postcode in the national standard format"
    ),
    "expect_column_values_to_be_valid_ni_number": lambda k: (
        f"{k['column']} must be a valid National Insurance number"
    ),
    "expect_column_values_to_be_valid_uk_vrm": lambda k: (
        f"{k['column']} must be a vehicle registration mark in a format DVLA issues"
    ),
    "expect_column_values_to_be_valid_uprn": lambda k: (
        f"{k['column']} must be a valid UPRN (1 to 12 digits, no leading zero)"
    ),
    "expect_column_values_to_be_valid_cjs_offence_code": lambda k: (
        f"{k['column']} must be a valid CJS offence code"
    ),
    "expect_column_values_to_be_in_code_list": _code_list,
    "expect_column_pair_values_to_be_within_boundary": lambda k: (
        f"{k['column_A']} and {k['column_B']} must lie inside the force boundary "
        f"({reference_name(k['boundary'])})"
    ),
    "expect_multicolumn_values_to_match_boundary_area": _boundary_area,
    "expect_multicolumn_datetimes_to_be_in_order": lambda k: (
        f"{_columns(k['column_list'])} must be in time order (none earlier than the one before it)"
    ),
    "expect_column_pair_values_to_be_within_hours": _within_hours,
    "expect_multicolumn_datetimes_to_be_within_hours": _multicolumn_within_hours,
    "expect_column_pair_values_to_be_area_code_in_force": lambda k: (
        f"{k['column_A']} must be an area code in force on the date in {k['column_B']} "
        f"({reference_name(k['areas'])})"
    ),
    "expect_multicolumn_values_to_match_boundary_version": _boundary_version,
    "expect_column_pair_values_to_be_shared_by_at_most": lambda k: (
        f"at most {k.get('max_rows')} records may share one point {k['column_A']}, "
        f"{k['column_B']} (more is a default or unconfirmed location)"
    ),
    "expect_column_pair_values_to_be_valid_uk_vrm_on_date": lambda k: (
        f"{k['column_A']} must be a vehicle registration mark issued by the date in {k['column_B']}"
    ),
}


def describe_rule(
    expectation_type: str, kwargs: dict[str, Any], rationale: str | None = None
) -> str:
    """One sentence saying what the rule requires, with its condition and tolerance, and
    the suite's rationale after it when given.

    Every column the rule reads appears in it: a template that leaves one out (a rule type
    without a template, say) gets the missing columns added, so the sentence never hides a
    field the rule judged.
    """
    kwargs = kwargs if isinstance(kwargs, dict) else {}
    template = TEMPLATES.get(expectation_type)
    try:
        text = template(kwargs) if template else _generic(expectation_type, kwargs)
    except (KeyError, TypeError, ValueError, IndexError):
        text = _generic(expectation_type, kwargs)
    rule = Rule(0, expectation_type, kwargs, {})
    missing = [c for c in rule.columns if not _mentions(text, c)]
    if missing:
        text += f" (reads {_columns(missing)})"
    condition = _condition_text(kwargs)
    if condition:
        text += f", where {condition}"
    mostly = kwargs.get("mostly")
    if isinstance(mostly, int | float) and not isinstance(mostly, bool) and mostly < 1:
        text += (
            " (a warning: records are listed for checking)"
            if mostly == 0
            else (f" (for at least {mostly:.0%} of records)")
        )
    text += "."
    if rationale:
        text += f" {rationale.strip()}"
    return text


def _mentions(text: str, column: str) -> bool:
    return column in text


def _condition_text(kwargs: dict[str, Any]) -> str | None:
    """The row condition in dqaudit's canonical spelling (every column it reads named)."""
    raw = kwargs.get("row_condition")
    if raw is None or raw == "":
        return None
    try:
        return describe(parse_condition(raw, kwargs.get("condition_parser"), "row_condition"))
    except InputError:
        return str(raw).replace("`", "")


def _generic(expectation_type: str, kwargs: dict[str, Any]) -> str:
    words = expectation_type.removeprefix("expect_").replace("_", " ")
    columns = Rule(0, expectation_type, kwargs, {}).columns
    return f"{_columns(columns)}: {words}" if columns else words
