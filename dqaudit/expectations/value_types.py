"""Which rules compare values as numbers or datetimes, and how to make bad values fail.

Every extract is read as text, so "007" stays "007". A rule that compares numbers or
datetimes needs its columns converted; a value that does not convert must count as a
failure of that rule. GX ignores nulls, so instead of a null an unparseable value gets a
sentinel chosen to fail the rule: the lowest value where the rule has a lower bound, the
highest where it has only an upper bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dqaudit.errors import InputError
from dqaudit.expectations.suite_model import Rule

BETWEEN_TYPES = frozenset(
    {
        "expect_column_values_to_be_between",
        "expect_column_min_to_be_between",
        "expect_column_max_to_be_between",
        "expect_column_mean_to_be_between",
        "expect_column_median_to_be_between",
        "expect_column_sum_to_be_between",
        "expect_column_stdev_to_be_between",
    }
)
# Rules over a whole column's statistic: one unreadable value makes the statistic
# meaningless (a median may not even move), so any such value fails the rule outright.
AGGREGATE_TYPES = frozenset(
    (BETWEEN_TYPES - {"expect_column_values_to_be_between"})
    | {"expect_column_quantile_values_to_be_between"}
)
PAIR_ORDER_TYPE = "expect_column_pair_values_a_to_be_greater_than_b"
PAIR_EQUAL_TYPE = "expect_column_pair_values_to_be_equal"
MULTI_SUM_TYPE = "expect_multicolumn_sum_to_equal"
# Rules that compare each value with the one before it (file order): GX subtracts values,
# so text must be read as numbers or datetimes first.
ORDER_TYPES = frozenset(
    {"expect_column_values_to_be_increasing", "expect_column_values_to_be_decreasing"}
)
SET_TYPES = frozenset(
    {"expect_column_values_to_be_in_set", "expect_column_values_to_not_be_in_set"}
)


@dataclass(frozen=True)
class Conversion:
    """Convert ``column`` (named by ``kwarg``) to ``value_type`` for one rule.

    ``unparseable`` says what a value that does not convert becomes: "low" (below any
    lower bound), "high" (above any upper bound) or "in_set" (a member of the rule's
    forbidden set), so that the rule fails on it.
    """

    kwarg: str
    column: str
    value_type: str
    unparseable: str
    datetime_format: str | None = None


@dataclass(frozen=True)
class TypedRule:
    """A rule's conversions, plus kwargs whose values must be converted to match."""

    conversions: tuple[Conversion, ...]
    kwarg_overrides: dict[str, Any]


def typed_rule(rule: Rule) -> TypedRule | None:
    """Plan the conversions a rule needs, or None when it compares text as text."""
    kind = rule.expectation_type
    kwargs = rule.kwargs
    fmt = rule.datetime_format
    if kind == "expect_column_quantile_values_to_be_between":
        conversion = Conversion("column", kwargs["column"], "number", "low", fmt)
        return TypedRule((conversion,), {})
    if kind in BETWEEN_TYPES:
        value_type = rule.value_type or _type_from_bounds(rule)
        side = "low" if kwargs.get("min_value") is not None else "high"
        conversion = Conversion("column", kwargs["column"], value_type, side, fmt)
        overrides = _converted_bounds(rule, value_type)
        return TypedRule((conversion,), overrides)
    if kind == PAIR_ORDER_TYPE or (kind == PAIR_EQUAL_TYPE and rule.value_type):
        if not rule.value_type:
            raise InputError(
                f"{rule.label} compares two columns; set meta.dqaudit.value_type to "
                "'number' or 'datetime' so the values are compared as such, not as text"
            )
        return TypedRule(
            (
                Conversion("column_A", kwargs["column_A"], rule.value_type, "low", fmt),
                Conversion("column_B", kwargs["column_B"], rule.value_type, "high", fmt),
            ),
            {},
        )
    if kind in ORDER_TYPES:
        if not rule.value_type:
            raise InputError(
                f"{rule.label} compares each value with the one before it; set "
                "meta.dqaudit.value_type to 'number' or 'datetime' so they are compared as "
                "such, not as text"
            )
        # An unreadable value takes the stand-in that puts it out of order, so it fails.
        side = "low" if kind.endswith("increasing") else "high"
        return TypedRule((Conversion("column", kwargs["column"], rule.value_type, side, fmt),), {})
    if kind == MULTI_SUM_TYPE:
        columns = kwargs.get("column_list") or []
        return TypedRule(tuple(Conversion("column_list", c, "number", "high") for c in columns), {})
    if kind in SET_TYPES:
        values = kwargs.get("value_set")
        if isinstance(values, list) and values and all(_is_number(v) for v in values):
            side = "in_set" if kind == "expect_column_values_to_not_be_in_set" else "low"
            return TypedRule((Conversion("column", kwargs["column"], "number", side),), {})
    if rule.value_type:
        raise InputError(
            f"{rule.label}: meta.dqaudit.value_type is not supported for "
            f"{kind}; it applies to between, pair, multicolumn-sum and set rules"
        )
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _type_from_bounds(rule: Rule) -> str:
    bounds = [rule.kwargs.get("min_value"), rule.kwargs.get("max_value")]
    given = [b for b in bounds if b is not None]
    if given and all(_is_number(b) for b in given):
        return "number"
    if given and all(isinstance(b, str) for b in given):
        return "datetime"
    raise InputError(
        f"{rule.label}: cannot tell whether to compare as numbers or datetimes from "
        f"min_value/max_value {bounds!r}; set meta.dqaudit.value_type"
    )


def _converted_bounds(rule: Rule, value_type: str) -> dict[str, Any]:
    if value_type != "datetime":
        return {}
    import pandas as pd

    overrides: dict[str, Any] = {}
    for key in ("min_value", "max_value"):
        bound = rule.kwargs.get(key)
        if bound is None:
            continue
        try:
            overrides[key] = pd.Timestamp(bound).as_unit("ns").to_pydatetime()
        except (ValueError, TypeError):
            raise InputError(f"{rule.label}: {key} {bound!r} is not a date or datetime") from None
    return overrides
