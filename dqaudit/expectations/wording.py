"""Rules in plain English, for system owners who have never seen a GX suite."""

from __future__ import annotations

from typing import Any

SHOWN_VALUES = 8


def _values(values: Any) -> str:
    if not isinstance(values, list | tuple | set):
        return str(values)
    items = [str(v) for v in values]
    shown = ", ".join(items[:SHOWN_VALUES])
    return shown + (f" (and {len(items) - SHOWN_VALUES} more)" if len(items) > SHOWN_VALUES else "")


def _range(kwargs: dict[str, Any], unit: str = "") -> str:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is not None and high is not None:
        return f"between {low}{unit} and {high}{unit}"
    if low is not None:
        return f"at least {low}{unit}"
    if high is not None:
        return f"at most {high}{unit}"
    return "within its allowed range"


TEMPLATES: dict[str, Any] = {
    "expect_column_values_to_not_be_null": lambda k: f"{k['column']} must be filled in",
    "expect_column_values_to_be_null": lambda k: f"{k['column']} must be empty",
    "expect_column_values_to_be_unique": lambda k: f"each {k['column']} must be unique",
    "expect_compound_columns_to_be_unique": lambda k: (
        f"each combination of {_values(k.get('column_list'))} must be unique"
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
    "expect_column_pair_values_a_to_be_greater_than_b": lambda k: (
        f"{k['column_A']} must be {'on or ' if k.get('or_equal') else ''}after {k['column_B']}"
    ),
    "expect_column_pair_values_to_be_equal": lambda k: (
        f"{k['column_A']} must equal {k['column_B']}"
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
}


def describe_rule(
    expectation_type: str, kwargs: dict[str, Any], rationale: str | None = None
) -> str:
    """One sentence saying what the rule requires, with its condition and tolerance."""
    template = TEMPLATES.get(expectation_type)
    try:
        text = template(kwargs) if template else _generic(expectation_type, kwargs)
    except (KeyError, TypeError):
        text = _generic(expectation_type, kwargs)
    condition = kwargs.get("row_condition")
    if isinstance(condition, str) and condition:
        text += f", where {condition.replace('`', '')}"
    mostly = kwargs.get("mostly")
    if isinstance(mostly, int | float) and mostly < 1:
        text += f" (for at least {mostly:.0%} of records)"
    return text + "."


def _generic(expectation_type: str, kwargs: dict[str, Any]) -> str:
    words = expectation_type.removeprefix("expect_").replace("_", " ")
    subject = (
        kwargs.get("column") or kwargs.get("column_A") or ", ".join(kwargs.get("column_list", []))
    )
    return f"{subject}: {words}" if subject else words
