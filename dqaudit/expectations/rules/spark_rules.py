"""The police rule library as Spark column expressions, with the pandas rules' verdicts.

Every function here returns a boolean ``pyspark.sql.Column`` that is True where the
pandas function of the same rule returns True, row for row (tests/test_spark_rules.py
compares them on the published examples, the hand-built cases and generated values).
Nothing is re-stated that the pandas rules already say: the regexes, the identifier forms
(their digit fields and check numbers) and the code lists are read from
``check_characters``, ``formats`` and ``codelists``, so a change there reaches Spark too.
Only two things are Spark's own: how a form's check number is written over columns
(``_SPARK_NUMBERS``, for forms whose pandas number uses numpy functions) and the regex
anchoring.

- Identifiers, formats, code lists: native expressions (``rlike``, ``substr``, exact
  64-bit integer arithmetic, ``isin``). Java's ``$`` also matches before a final line
  terminator, so patterns are anchored with ``\\z`` as Python's ``fullmatch`` is.
  Casts use ``try_cast``: Spark 4 runs in ANSI mode, where a failed cast is an error.
- Timeliness and order: the ``timing`` functions themselves, in vectorised pandas UDFs.
  Their reading of local times (pandas' ISO 8601 parser; the repeated autumn hour read
  both ways under ``ambiguous: flag``; the skipped spring hour read with the offset
  before the change) has no exact Spark equivalent, so nothing of it is re-written.
  ``clock_change_rows`` gives the rows ``timing.clock_change_warning`` lists.
- Geometry: a vectorised pandas UDF over the same shapely code (needs pyarrow).

UDFs are built when a rule's expression is built, never at import: under Spark Connect
a UDF can only be made once a session exists. Reference files (code lists, boundaries)
are read on the driver first, so a bad file is an InputError before any job runs; a
boundary file must be readable at the same path on the executors (true for local[*]).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

# pandas is imported at module level: pyspark reads a pandas UDF's type hints from the
# function's module globals.
import numpy as np
import pandas as pd

from dqaudit.expectations.rules import (
    check_characters,
    codelists,
    formats,
    geometry,
    record_dates,
    timing,
    vehicles,
)
from dqaudit.timezones import DEFAULT_TIMEZONE

if TYPE_CHECKING:
    from pyspark.sql import Column

ColumnFields = dict[str, Any]


def _functions() -> Any:
    from pyspark.sql import functions

    return functions


def column(name: str) -> Column:
    """A top-level column by its exact name: dots and backticks are part of the name."""
    return _functions().col("`" + name.replace("`", "``") + "`")


def as_text(value: Column) -> Column:
    """The value as text, so a rule also reads numeric columns (UPRNs stored as BIGINT)."""
    return value.cast("string")


def full_match(value: Column, pattern: str) -> Column:
    """Whether the whole text matches ``pattern`` (written without anchors), never null.

    ``\\z`` is the end of input; Java's ``$`` would also match before a final newline.
    """
    F = _functions()
    return F.coalesce(as_text(value).rlike(f"^(?:{pattern})\\z"), F.lit(False))


def _null_is_valid(value: Column, verdict: Column) -> Column:
    """Nulls are valid, as in the pandas rules: a missing value is for a not-null rule."""
    F = _functions()
    return value.isNull() | F.coalesce(verdict, F.lit(False))


# --- formats and code lists ---------------------------------------------------------------


def matches(value: Column, pattern: str) -> Column:
    """``formats.matches`` in Spark: True where the whole value matches; nulls are True."""
    return _null_is_valid(value, full_match(value, pattern))


def valid_format(name: str) -> Callable[[Column], Column]:
    """The Spark validator of a format without options (``formats.SIMPLE_PATTERNS``)."""
    pattern = formats.SIMPLE_PATTERNS[name]
    return lambda value: matches(value, pattern)


def valid_postcode(
    value: Column,
    format: str = "strict",
    allow_bfpo: bool = False,
    allow_overseas_territories: bool = False,
) -> Column:
    """``formats.valid_postcode`` in Spark: lenient matching removes every space first."""
    if format not in formats.POSTCODE_FORMATS:
        raise ValueError(
            f"format must be one of {', '.join(formats.POSTCODE_FORMATS)}, not {format!r}"
        )
    lenient = format == "lenient"
    pattern = formats.postcode_pattern(
        lenient=lenient, bfpo=allow_bfpo, overseas_territories=allow_overseas_territories
    )
    text = as_text(value)
    if lenient:
        text = _functions().translate(text, " ", "")  # deletes spaces, as str.replace does
    return _null_is_valid(value, full_match(text, pattern))


def valid_ni_number(value: Column, allow_blank_suffix: bool = False) -> Column:
    """``formats.valid_ni_number`` in Spark."""
    return matches(value, formats.ni_number_pattern(allow_blank_suffix))


def in_code_list(value: Column, code_list: str) -> Column:
    """Whether the value is a code of the list, compared exactly (binary collation)."""
    codes = list(codelists.load(code_list).codes)
    return _null_is_valid(value, as_text(value).isin(codes))


# --- vehicle registration marks -----------------------------------------------------------


def _letter_day(letter: Column, days: dict[str, int]) -> Column:
    F = _functions()
    result = F.lit(-1).cast("bigint")
    for key, day in sorted(days.items(), reverse=True):
        result = F.when(letter == key, F.lit(day).cast("bigint")).otherwise(result)
    return result


def vrm_issue_day(value: Column) -> Column:
    """``vehicles.issue_days`` in Spark: 0 for a dateless mark, -1 if not a mark."""
    F = _functions()
    text = as_text(value)
    age = text.substr(F.lit(3), F.lit(2)).try_cast("bigint")
    current = (
        F.when(age == 1, F.lit(record_dates.NEVER).cast("bigint"))
        .when(age == 0, F.lit(20_500_901).cast("bigint"))
        .when(age <= 50, (age + 2000) * 10_000 + 301)
        .otherwise((age + 1950) * 10_000 + 901)
    )
    return (
        F.when(full_match(text, vehicles.CURRENT), current)
        .when(
            full_match(text, vehicles.PREFIX),
            _letter_day(text.substr(F.lit(1), F.lit(1)), vehicles.PREFIX_LETTERS),
        )
        .when(
            full_match(text, vehicles.SUFFIX),
            _letter_day(text.substr(F.length(text), F.lit(1)), vehicles.SUFFIX_LETTERS),
        )
        .when(full_match(text, vehicles.DATELESS), F.lit(0).cast("bigint"))
        .otherwise(F.lit(-1).cast("bigint"))
    )


def valid_vrm(value: Column, as_of: str | None = None) -> Column:
    """``vehicles.valid_vrm`` in Spark: well formed and issued by ``as_of`` (default today)."""
    day = vrm_issue_day(value)
    return _null_is_valid(value, (day >= 0) & (day <= record_dates.as_of_day(as_of)))


def day_numbers(value: Column) -> tuple[Column, Column, Column]:
    """``record_dates.day_numbers`` in Spark: (YYYYMMDD, missing, present but not a date).

    DATE and TIMESTAMP columns read as ISO text when cast, as the SQL engines read them.
    """
    F = _functions()
    text = as_text(value)
    iso = full_match(text, record_dates.ISO_DATE_TEXT)
    digits = F.translate(text.substr(F.lit(1), F.lit(10)), "-", "").try_cast("bigint")
    missing = value.isNull()
    return F.when(iso, digits).otherwise(F.lit(0).cast("bigint")), missing, ~missing & ~iso


def valid_vrm_on_date(vrm: Column, date: Column, as_of: str | None = None) -> Column:
    """``vehicles.valid_vrm_on_date`` in Spark: issued by the record's date (or ``as_of``)."""
    F = _functions()
    day = vrm_issue_day(vrm)
    number, missing, not_a_date = day_numbers(date)
    on = F.when(missing, F.lit(record_dates.as_of_day(as_of)).cast("bigint")).otherwise(number)
    return _null_is_valid(vrm, (day >= 0) & (day <= on) & ~not_a_date)


# --- identifiers with a check character ----------------------------------------------------


def _power_of_ten(width: Column, largest: int) -> Column:
    """10 ** width as an exact BIGINT, for widths 0..largest."""
    F = _functions()
    result = F.lit(None).cast("bigint")
    for k in range(largest, -1, -1):
        result = F.when(width == k, F.lit(10**k).cast("bigint")).otherwise(result)
    return result


def _cro_sf_number(v: ColumnFields, w: ColumnFields) -> Column:
    # check_characters._cro_sf_number: YY then the serial padded to five digits, or six.
    F = _functions()
    return v["yy"] * _power_of_ten(F.greatest(w["serial"], F.lit(5)), 6) + v["serial"]


# Spark versions of a form's check number where the pandas one uses numpy functions; every
# other form's ``number`` is plain arithmetic and is applied to columns as it is.
_SPARK_NUMBERS: dict[str, Callable[[ColumnFields, ColumnFields], Column]] = {
    "SF SFYY/N{1,6}C": _cro_sf_number,
}


def _bound(bound: check_characters.Bound, length: Column) -> Column:
    side, k = bound
    return _functions().lit(k) if side == check_characters.L else length - k


def _form_valid(text: Column, form: check_characters.Form, latest_year: int | None) -> Column:
    """Well formed in ``form`` with the right check letter (False, never null, otherwise).

    As in ``check_characters._valid``, a form with a four-digit year (``yyyy``) also needs
    that year to be no later than ``latest_year``.
    """
    F = _functions()
    length = F.length(text)
    values: ColumnFields = {}
    widths: ColumnFields = {}
    for name, (start, end, _most) in form.fields.items():
        first, stop = _bound(start, length), _bound(end, length)
        values[name] = text.substr(first + 1, stop - first).try_cast("bigint")
        widths[name] = stop - first
    number_of = _SPARK_NUMBERS.get(form.name, form.number)
    number: Any = number_of(values, widths)  # a Column: numpy-free numbers apply to columns
    alphabet = F.lit(check_characters.CHECK_ALPHABET)
    expected = alphabet.substr((number % 23).cast("int") + 1, F.lit(1))
    good = text.substr(length, F.lit(1)) == expected
    if latest_year is not None and "yyyy" in values:
        good = good & (values["yyyy"] <= latest_year)
    matched = full_match(text, check_characters._plain(form))
    return F.when(matched, F.coalesce(good, F.lit(False))).otherwise(F.lit(False))


def _valid_forms(
    value: Column, forms: tuple[check_characters.Form, ...], latest_year: int | None = None
) -> Column:
    text = as_text(value)
    verdict = _form_valid(text, forms[0], latest_year)
    for form in forms[1:]:
        verdict = verdict | _form_valid(text, form, latest_year)
    return _null_is_valid(value, verdict)


def valid_pnc_id(
    value: Column, allow_without_slash: bool = False, as_of: str | None = None
) -> Column:
    """``check_characters.valid_pnc_id`` in Spark (a four-digit year after ``as_of`` fails)."""
    latest = record_dates.as_of_day(as_of) // 10_000
    return _valid_forms(value, check_characters.pnc_id_forms(allow_without_slash), latest)


def valid_cro_number(value: Column) -> Column:
    """``check_characters.valid_cro_number`` in Spark."""
    return _valid_forms(value, check_characters.CRO_FORMS)


def valid_asn(value: Column) -> Column:
    """``check_characters.valid_asn`` in Spark (the 17-digit number fits a BIGINT exactly)."""
    return _valid_forms(value, check_characters.ASN_FORMS)


# --- timeliness and order -----------------------------------------------------------------


def _frame_udf(verdict: Callable[[pd.DataFrame], pd.Series], values: list[Column]) -> Column:
    """A boolean pandas UDF over several columns, handed to ``verdict`` as one frame.

    The columns travel as one struct (a pandas UDF receives a struct as a DataFrame), in
    order, under generated field names; ``verdict`` reads them by position. The UDF is
    built now, so a session must exist (Spark Connect).
    """
    from pyspark.sql import functions as F
    from pyspark.sql.functions import pandas_udf

    @pandas_udf("boolean")  # type: ignore[call-overload]
    def run(frame: pd.DataFrame) -> pd.Series:
        return verdict(frame).astype(bool)

    fields = [value.alias(f"c{i}") for i, value in enumerate(values)]
    return F.coalesce(run(F.struct(*fields)), F.lit(False))


def within_hours(
    start: Column,
    end: Column,
    max_hours: float,
    timezone: str = DEFAULT_TIMEZONE,
    ambiguous: str = timing.DEFAULT_AMBIGUOUS,
) -> Column:
    """``timing.within_hours`` in Spark: end at or after start, at most ``max_hours`` later.

    The pandas function itself runs in a vectorised UDF: its reading of local times (the
    repeated autumn hour read both ways under ``ambiguous: flag``, the skipped spring hour
    read with the offset before the change) is row-wise logic over pandas' ISO 8601
    parser, with no exact Spark equivalent.
    """
    timing.check_mode(ambiguous)  # a bad kwarg is a ValueError on the driver
    hours, zone = float(max_hours), str(timezone)

    def verdict(frame: pd.DataFrame) -> pd.Series:
        return timing.within_hours(frame.iloc[:, 0], frame.iloc[:, 1], hours, zone, ambiguous)

    return _frame_udf(verdict, [start, end])


def within_hours_of_first(
    values: list[Column],
    max_hours: float,
    timezone: str = DEFAULT_TIMEZONE,
    ambiguous: str = timing.DEFAULT_AMBIGUOUS,
) -> Column:
    """``timing.within_hours_of_first`` in Spark (the last column against the earliest
    of the others), through the pandas function in a UDF."""
    timing.check_mode(ambiguous)
    if len(values) < 2:
        raise ValueError("column_list must name at least one start column and the end column")
    hours, zone = float(max_hours), str(timezone)

    def verdict(frame: pd.DataFrame) -> pd.Series:
        return timing.within_hours_of_first(frame, hours, zone, ambiguous)

    return _frame_udf(verdict, values)


def in_order(
    values: list[Column],
    timezone: str = DEFAULT_TIMEZONE,
    ambiguous: str = timing.DEFAULT_AMBIGUOUS,
) -> Column:
    """``timing.in_order`` in Spark: the datetimes, in list order, never go backwards."""
    timing.check_mode(ambiguous)
    zone = str(timezone)

    def verdict(frame: pd.DataFrame) -> pd.Series:
        return timing.in_order(frame, zone, ambiguous)

    return _frame_udf(verdict, values)


def clock_change_rows(
    expectation_type: str,
    kwargs: dict[str, Any],
    values: list[Column],
    timezone: str = DEFAULT_TIMEZONE,
) -> Column | None:
    """The rows ``timing.clock_change_warning`` lists for a clock rule, as a boolean
    Column over the rule's columns (in kwargs order), or None for a rule that gives no
    such warning. The backend ANDs it with the rule's condition helper and counts it;
    ``ignore_row_if`` is applied by the pandas function itself.
    """
    if expectation_type not in timing.CLOCK_RULES:
        return None
    if kwargs.get("ambiguous", timing.DEFAULT_AMBIGUOUS) != timing.FLAG:
        return None
    own = {k: v for k, v in kwargs.items() if k not in ("row_condition", "condition_parser")}
    if expectation_type == timing.PAIR_WITHIN_HOURS:
        names = [str(own["column_A"]), str(own["column_B"])]
    else:
        names = [str(name) for name in own["column_list"]]

    def verdict(frame: pd.DataFrame) -> pd.Series:
        frame = frame.set_axis(names, axis=1)
        warning = timing.clock_change_warning(expectation_type, own, frame, timezone)
        rows = warning.rows if warning is not None else np.zeros(len(frame), dtype=bool)
        return pd.Series(rows, index=frame.index)

    return _frame_udf(verdict, values)


# --- geometry -----------------------------------------------------------------------------


def within_boundary(
    x: Column,
    y: Column,
    boundary: str | Path,
    crs: str = geometry.BRITISH_NATIONAL_GRID,
    tolerance_m: float = 0.0,
    metric_crs: str = geometry.BRITISH_NATIONAL_GRID,
) -> Column:
    """``geometry.within_boundary`` in Spark, through a vectorised pandas UDF."""
    from pyspark.sql.functions import pandas_udf

    path = str(Path(boundary).resolve())
    geometry.load_layer(path)  # a bad file is an InputError on the driver, before any job

    @pandas_udf("boolean")  # type: ignore[call-overload]
    def inside(xs: pd.Series, ys: pd.Series) -> pd.Series:
        return geometry.within_boundary(
            xs, ys, path, crs=crs, tolerance_m=tolerance_m, metric_crs=metric_crs
        )

    return inside(x, y)


def area_agrees(
    x: Column,
    y: Column,
    codes: Column,
    areas: str | Path,
    area_property: str,
    crs: str = geometry.BRITISH_NATIONAL_GRID,
    metric_crs: str = geometry.BRITISH_NATIONAL_GRID,
) -> Column:
    """``geometry.area_agrees`` in Spark, through a vectorised pandas UDF."""
    from pyspark.sql.functions import pandas_udf

    path = str(Path(areas).resolve())
    geometry.load_layer(path).codes(area_property)  # errors on the driver

    @pandas_udf("boolean")  # type: ignore[call-overload]
    def agrees(xs: pd.Series, ys: pd.Series, recorded: pd.Series) -> pd.Series:
        return geometry.area_agrees(
            xs, ys, recorded, path, area_property, crs=crs, metric_crs=metric_crs
        )

    return agrees(x, y, codes)


# --- the rules by expectation type --------------------------------------------------------

# Column rules: (value column, **the rule's kwargs) -> validity. The expectation types are
# those of catalogue.RULES; every one listed here runs on Spark.
COLUMN_RULES: dict[str, Callable[..., Column]] = {
    "expect_column_values_to_be_valid_pnc_id": valid_pnc_id,
    "expect_column_values_to_be_valid_cro_number": valid_cro_number,
    "expect_column_values_to_be_valid_asn": valid_asn,
    "expect_column_values_to_be_valid_uk_postcode": valid_postcode,
    "expect_column_values_to_be_valid_ni_number": valid_ni_number,
    "expect_column_values_to_be_valid_uk_vrm": valid_vrm,
    **{
        f"expect_column_values_to_be_valid_{name}": (
            lambda value, _name=name: valid_format(_name)(value)
        )
        for name in formats.SIMPLE_PATTERNS
    },
    "expect_column_values_to_be_in_code_list": in_code_list,
}
PAIR_RULES: dict[str, Callable[..., Column]] = {
    "expect_column_pair_values_to_be_valid_uk_vrm_on_date": valid_vrm_on_date,
    "expect_column_pair_values_to_be_within_hours": within_hours,
    "expect_column_pair_values_to_be_within_boundary": within_boundary,
}
MULTICOLUMN_RULES: dict[str, Callable[..., Column]] = {
    "expect_multicolumn_datetimes_to_be_in_order": in_order,
    "expect_multicolumn_datetimes_to_be_within_hours": within_hours_of_first,
    "expect_multicolumn_values_to_match_boundary_area": lambda values, areas, area_property, **kw: (
        area_agrees(
            values[0],
            values[1],
            values[2],
            areas,
            area_property,
            crs=kw.get("crs", geometry.BRITISH_NATIONAL_GRID),
            metric_crs=kw.get("metric_crs", geometry.BRITISH_NATIONAL_GRID),
        )
    ),
}
SPARK_RULE_TYPES = frozenset([*COLUMN_RULES, *PAIR_RULES, *MULTICOLUMN_RULES])
# Rules whose Spark expression runs Python (a pandas UDF): they need pyarrow and a Python
# on the executors that imports dqaudit.
UDF_RULE_TYPES = frozenset(
    [
        "expect_column_pair_values_to_be_within_hours",
        "expect_column_pair_values_to_be_within_boundary",
        "expect_multicolumn_datetimes_to_be_in_order",
        "expect_multicolumn_datetimes_to_be_within_hours",
        "expect_multicolumn_values_to_match_boundary_area",
    ]
)
