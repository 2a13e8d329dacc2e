"""The police rule library on Spark gives the pandas rules' verdicts, row by row.

Each Spark expression of dqaudit.expectations.rules.spark_rules is evaluated over a frame
of values and compared with the pandas function of the same rule: the catalogue's
published examples, every hand-built case of tests/test_rules_identifiers.py, values
chosen to trip engine differences (trailing newline, case, padding), identifiers built
by the same generators as the pandas property tests, datetimes around the clock changes,
and points around a boundary. One Spark job per comparison keeps the added time small.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dqaudit.expectations.rules import check_characters as cc
from dqaudit.expectations.rules import geometry, timing, vehicles
from dqaudit.expectations.rules import spark_rules as sr
from dqaudit.expectations.rules.catalogue import RULES
from tests import test_rules_identifiers as pandas_cases
from tests import test_rules_v2_identifiers as v2_cases
from tests.conftest import SPARK_SOCKET_WARNING

pytestmark = [pytest.mark.spark, pytest.mark.filterwarnings(SPARK_SOCKET_WARNING)]


AS_OF = "2025-01-06"  # rules that date a value judge against this day, never the clock
# (pandas check, Spark check, kwargs) of each column rule, with today's pandas functions.
IDENTIFIER_RULES: dict[str, tuple[Callable[..., Any], Callable[..., Any], dict[str, Any]]] = {
    kind: (pandas_cases.PANDAS_CHECKS[kind], sr.COLUMN_RULES[kind], kwargs)
    for kind, kwargs in {
        "expect_column_values_to_be_valid_pnc_id": {"as_of": AS_OF},
        "expect_column_values_to_be_valid_cro_number": {},
        "expect_column_values_to_be_valid_asn": {},
        "expect_column_values_to_be_valid_uk_postcode": {},
        "expect_column_values_to_be_valid_ni_number": {},
        "expect_column_values_to_be_valid_uk_vrm": {"as_of": AS_OF},
        "expect_column_values_to_be_valid_uprn": {},
        "expect_column_values_to_be_valid_cjs_offence_code": {},
    }.items()
}
# The pandas tests' hand-built cases, read from their parametrize marks so that a case
# added there is checked on Spark too.
HAND_BUILT = {
    "expect_column_values_to_be_valid_pnc_id": pandas_cases.test_pnc_id_hand_built,
    "expect_column_values_to_be_valid_cro_number": pandas_cases.test_cro_number_hand_built,
    "expect_column_values_to_be_valid_asn": pandas_cases.test_asn_hand_built,
    "expect_column_values_to_be_valid_uk_postcode": pandas_cases.test_uk_postcode_hand_built,
    "expect_column_values_to_be_valid_ni_number": pandas_cases.test_ni_number_hand_built,
    "expect_column_values_to_be_valid_uk_vrm": pandas_cases.test_uk_vrm_hand_built,
    "expect_column_values_to_be_valid_uprn": pandas_cases.test_uprn_hand_built,
    "expect_column_values_to_be_valid_cjs_offence_code": None,
}
TRICKY = ["", " ", "\n", "0", "Z", "W1 ", " W1", "w1", "Ⅻ", "١٢٣", None]


def _hand_built(test: Any) -> list[str | None]:
    values: list[str | None] = []
    if test is None:
        return values
    for mark in getattr(test, "pytestmark", []):
        if mark.name == "parametrize":
            values += [case[0] for case in mark.args[1]]
    assert values, f"{test.__name__} has no parametrize cases"
    return values


def spark_mask(spark: Any, values: list[Any], build: Callable[..., Any], *names: str) -> list[bool]:
    """The Spark expression over ``values`` (one column per name), in row order."""
    from pyspark.sql import functions as F

    rows = [(i, *(v if isinstance(v, tuple) else (v,))) for i, v in enumerate(values)]
    schema = ", ".join(["i int", *(f"`{n}` string" for n in names)])
    frame = spark.createDataFrame(rows, schema)
    result = frame.select("i", build(*[F.col(f"`{n}`") for n in names]).alias("ok"))
    verdicts = {row["i"]: row["ok"] for row in result.collect()}
    return [verdicts[i] for i in range(len(values))]


def _identifier_values(kind: str) -> list[str | None]:
    rule = next(r for r in RULES if r.expectation_type == kind)
    values: list[str | None] = [*rule.valid, *rule.invalid, *TRICKY]
    values += [v.lower() for v in rule.valid] + [v + " " for v in rule.valid]
    values += [v + "\n" for v in rule.valid] + [v + "\r" for v in rule.valid]
    return values + _hand_built(HAND_BUILT[kind])


def test_identifier_rules_agree_with_pandas_on_published_and_hand_built_cases(spark) -> None:
    from pyspark.sql import functions as F

    cases = {kind: _identifier_values(kind) for kind in IDENTIFIER_RULES}
    values = [*sorted({v for vs in cases.values() for v in vs if v is not None}), None]
    frame = spark.createDataFrame(list(enumerate(values)), "i int, v string")
    masks = frame.select(
        "i",
        *[
            check(F.col("v"), **kwargs).alias(str(n))
            for n, (_, check, kwargs) in enumerate(IDENTIFIER_RULES.values())
        ],
    ).collect()
    by_row = {row["i"]: row for row in masks}
    series = pd.Series(values, dtype=object)
    for n, (kind, (pandas_check, _, kwargs)) in enumerate(IDENTIFIER_RULES.items()):
        expected = pandas_check(series, **kwargs).tolist()
        actual = [by_row[i][str(n)] for i in range(len(values))]
        differ = [
            (values[i], expected[i], actual[i])
            for i in range(len(values))
            if expected[i] != actual[i]
        ]
        assert not differ, f"{kind}: (value, pandas, spark) {differ}"
        rule = next(r for r in RULES if r.expectation_type == kind)
        assert all(actual[values.index(v)] for v in rule.valid), kind  # published examples
        assert not any(actual[values.index(v)] for v in rule.invalid), kind


def _pandas_column_check(kind: str) -> Callable[..., Any]:
    if kind == "expect_column_values_to_be_in_code_list":
        from dqaudit.expectations import gx_adapter

        gx_adapter.register_library()  # imports its GX modules with GX's warnings silenced
        from dqaudit.expectations.rules.gx_identifiers import _code_list_pandas

        return _code_list_pandas
    return pandas_cases.PANDAS_CHECKS[kind]


def test_rules_with_kwargs_agree_with_pandas_on_the_fixed_rules_cases(spark) -> None:
    """Every case of tests/test_rules_v2_identifiers.py (lenient postcodes, BFPO, blank NI
    suffix, PNC IDs without slash and after as_of, Q plates, code lists), in one job."""
    from pyspark.sql import functions as F

    cases = [c for c in v2_cases.CASES if c.kind in sr.COLUMN_RULES]
    assert len(cases) >= 10
    rows = [
        (n, i, value)
        for n, case in enumerate(cases)
        for i, value in enumerate([*case.valid, *case.invalid, None])
    ]
    verdict = F.lit(None).cast("boolean")
    for n, case in enumerate(cases):
        rule = sr.COLUMN_RULES[case.kind](F.col("v"), **case.kwargs)
        verdict = F.when(F.col("c") == n, rule).otherwise(verdict)
    frame = spark.createDataFrame(rows, "c int, i int, v string")
    found = {
        (r["c"], r["i"]): r["ok"] for r in frame.select("c", "i", verdict.alias("ok")).collect()
    }
    for n, case in enumerate(cases):
        values = [*case.valid, *case.invalid, None]
        expected = _pandas_column_check(case.kind)(pd.Series(values, dtype=object), **case.kwargs)
        assert [found[(n, i)] for i in range(len(values))] == expected.tolist(), case.name
        assert expected.tolist() == [True] * len(case.valid) + [False] * len(case.invalid) + [True]


def test_vrm_on_the_record_date_agrees_with_pandas(spark) -> None:
    sightings = [(vrm, seen) for vrm, seen, _ in v2_cases.SIGHTINGS]
    sightings += [("AB24 CDE", None), (None, "2024-01-01"), ("AB74 CDE", "2024-09-01 10:00+01:00")]
    frame = pd.DataFrame(sightings, columns=["vrm", "seen"], dtype=object)
    for as_of in ("2024-08-31", "2025-01-06"):
        expected = vehicles.valid_vrm_on_date(frame.vrm, frame.seen, as_of).tolist()
        actual = spark_mask(
            spark, sightings, lambda v, d, a=as_of: sr.valid_vrm_on_date(v, d, a), "vrm", "seen"
        )
        assert actual == expected, as_of
    assert expected[: len(v2_cases.SIGHTINGS)] == [ok for _, _, ok in v2_cases.SIGHTINGS]


def _pnc(year: int, serial: int, short: bool) -> str:
    yy = f"{year % 100:02d}"
    letter = cc.check_letter(int(yy + f"{serial:07d}"))
    return f"{yy}/{serial}{letter}" if short else f"{year}/{serial:07d}{letter}"


def _cro(yy: int, serial: int, sf: bool) -> str:
    if sf:
        return f"SF{yy:02d}/{serial}{cc.check_letter(int(f'{yy:02d}{serial:05d}'))}"
    return f"{serial}/{yy:02d}{cc.check_letter(int(f'{yy:02d}{serial:06d}'))}"


def _asn(yy: int, ff: int, unit: str, ss: int, seq: int, display: bool) -> str:
    letter = cc.check_letter(int(f"{ff:02d}{ss:02d}{yy:02d}{seq:011d}"))
    if display:
        return f"{yy:02d}/{ff:02d}{unit}/{ss:02d}/{seq}{letter}"
    return f"{yy:02d}{ff:02d}{unit}{ss:02d}{seq:011d}{letter}"


# The same generators as the pandas property tests, and any one-character change.
PNC = st.builds(_pnc, st.integers(1900, 2099), st.integers(0, 9_999_999), st.booleans())
CRO = st.builds(_cro, st.integers(0, 99), st.integers(1, 999_999), st.booleans())
ASN = st.builds(
    _asn,
    st.integers(0, 99),
    st.integers(0, 99),
    st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=2, max_size=2),
    st.integers(0, 99),
    st.integers(0, 99_999_999_999),
    st.booleans(),
)


@st.composite
def _changed(draw: st.DrawFn, values: st.SearchStrategy[str]) -> str:
    value = draw(values)
    position = draw(st.integers(0, len(value) - 1))
    other = draw(st.sampled_from("0123456789" + cc.CHECK_ALPHABET + "/ "))
    return value[:position] + other + value[position + 1 :]


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.one_of(PNC, _changed(PNC)), min_size=60, max_size=60),
    st.lists(st.one_of(CRO, _changed(CRO)), min_size=60, max_size=60),
    st.lists(st.one_of(ASN, _changed(ASN)), min_size=60, max_size=60),
)
def test_check_characters_agree_with_pandas_on_generated_identifiers(
    spark, pncs: list[str], cros: list[str], asns: list[str]
) -> None:
    from pyspark.sql import functions as F

    rows = list(zip(range(60), pncs, cros, asns, strict=True))
    frame = spark.createDataFrame(rows, "i int, p string, c string, a string")
    result = frame.select(
        "i",
        sr.valid_pnc_id(F.col("p")).alias("p"),
        sr.valid_cro_number(F.col("c")).alias("c"),
        sr.valid_asn(F.col("a")).alias("a"),
    ).collect()
    by_row = {row["i"]: row for row in result}
    for name, values, check in (
        ("p", pncs, cc.valid_pnc_id),
        ("c", cros, cc.valid_cro_number),
        ("a", asns, cc.valid_asn),
    ):
        expected = check(pd.Series(values, dtype=object)).tolist()
        assert [by_row[i][name] for i in range(60)] == expected, (name, values)


def test_code_list_agrees_with_pandas_and_reads_a_force_file(spark, tmp_path: Path) -> None:
    _code_list_pandas = _pandas_column_check("expect_column_values_to_be_in_code_list")
    local = tmp_path / "outcomes.csv"
    local.write_text("code,label\nA,one\nB ,two\n", encoding="utf-8")
    values = ["W1", "NS", "W5", "w1", "IC1", " W1", "A", "B ", "B", "", None]
    for code_list in ("self_defined_ethnicity", str(local)):
        expected = _code_list_pandas(pd.Series(values, dtype=object), code_list).tolist()
        actual = spark_mask(spark, values, lambda v, c=code_list: sr.in_code_list(v, c), "v")
        assert actual == expected, code_list
    assert actual == [False] * 6 + [True, True, False, False, True]


DATETIMES = [
    "2024-03-31 00:30",  # before the spring change
    "2024-03-31 01:30",  # the hour that never happens
    "2024-03-31 02:10",
    "2024-10-27 00:59",
    "2024-10-27 01:30",  # happens twice: read as summer time
    "2024-10-27 02:00",
    "2024-10-28T01:00:00",
    "2024-01-01T10:00:00Z",
    "2024-01-01 10:00+01:00",
    "2024-01-01 09:00:00.123456",
    "2024-01-02",
    "20240101",
    "2024-02-30 10:00",
    "not a date",
    "",
    None,
]


def test_timeliness_and_order_agree_with_pandas_across_clock_changes(spark) -> None:
    pairs = [(a, b) for a in DATETIMES for b in DATETIMES]
    frame = pd.DataFrame(pairs, columns=["a", "b"], dtype=object)
    for hours, mode in ((24, "flag"), (24, "earliest"), (0.5, "latest"), (0.5, "flag")):
        expected = timing.within_hours(frame["a"], frame["b"], hours, ambiguous=mode).tolist()
        actual = spark_mask(
            spark,
            pairs,
            lambda a, b, h=hours, m=mode: sr.within_hours(a, b, h, ambiguous=m),
            "a",
            "b",
        )
        assert actual == expected, (hours, mode)
    triples = list(zip(DATETIMES, DATETIMES[3:] + DATETIMES[:3], reversed(DATETIMES), strict=True))
    triples += [(a, b, "2024-10-27 01:45") for a, b in pairs[::7]]
    three = pd.DataFrame(triples, columns=["a", "b", "c"], dtype=object)
    for zone, mode in (("Europe/London", "flag"), ("America/New_York", "earliest")):
        expected = timing.in_order(three, zone, mode).tolist()
        actual = spark_mask(
            spark, triples, lambda *v, z=zone, m=mode: sr.in_order(list(v), z, m), "a", "b", "c"
        )
        assert actual == expected, zone
        assert True in expected and False in expected
    expected = timing.within_hours_of_first(three, 24).tolist()
    actual = spark_mask(
        spark, triples, lambda *v: sr.within_hours_of_first(list(v), 24), "a", "b", "c"
    )
    assert actual == expected


def test_clock_change_warning_rows_agree_with_pandas(spark) -> None:
    autumn = ["2024-10-27 00:30", "2024-10-27 01:30", "2024-10-27 02:20", None]
    pairs = [(a, b) for a in autumn for b in autumn]
    frame = pd.DataFrame(pairs, columns=["arrest", "entered"], dtype=object)
    kwargs = {"column_A": "arrest", "column_B": "entered", "max_hours": 1.0}
    kind = "expect_column_pair_values_to_be_within_hours"
    warning = timing.clock_change_warning(kind, kwargs, frame)
    assert warning is not None and warning.count > 0
    actual = spark_mask(
        spark, pairs, lambda a, b: sr.clock_change_rows(kind, kwargs, [a, b]), "arrest", "entered"
    )
    assert actual == warning.rows.tolist()
    assert sr.clock_change_rows(kind, {**kwargs, "ambiguous": "earliest"}, []) is None
    with pytest.raises(ValueError, match="ambiguous must be one of"):
        sr.within_hours(None, None, 24, ambiguous="maybe")


def test_geometry_rules_agree_with_pandas(spark, tmp_path: Path) -> None:
    square = {
        "type": "Polygon",
        "coordinates": [
            [
                [400000, 280000],
                [410000, 280000],
                [410000, 290000],
                [400000, 290000],
                [400000, 280000],
            ]
        ],
    }
    halves = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "W"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [400000, 280000],
                            [405000, 280000],
                            [405000, 290000],
                            [400000, 290000],
                            [400000, 280000],
                        ]
                    ],
                },
            },
            {
                "type": "Feature",
                "properties": {"code": "E"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [405000, 280000],
                            [410000, 280000],
                            [410000, 290000],
                            [405000, 290000],
                            [405000, 280000],
                        ]
                    ],
                },
            },
        ],
    }
    boundary = tmp_path / "boundary.geojson"
    boundary.write_text(
        json.dumps(
            {**halves, "features": [{"type": "Feature", "properties": {}, "geometry": square}]}
        )
    )
    areas = tmp_path / "areas.geojson"
    areas.write_text(json.dumps(halves))
    points = [
        ("402000", "285000", "W"),
        ("402000", "285000", "E"),
        ("405000", "285000", "E"),  # on the shared edge: either side agrees
        ("410005", "285000", "E"),  # 5 m outside
        ("x", "285000", "W"),
        (None, "285000", "W"),
        ("1e400", "285000", "W"),
        ("408000", "289999.5", None),
    ]
    frame = pd.DataFrame(points, columns=["x", "y", "code"], dtype=object)
    for tolerance in (0.0, 10.0):
        expected = geometry.within_boundary(
            frame.x, frame.y, boundary, tolerance_m=tolerance
        ).tolist()
        actual = spark_mask(
            spark,
            points,
            lambda x, y, c, t=tolerance: sr.within_boundary(x, y, boundary, tolerance_m=t),
            "x",
            "y",
            "code",
        )
        assert actual == expected, tolerance
    expected = geometry.area_agrees(frame.x, frame.y, frame.code, areas, "code").tolist()
    actual = spark_mask(
        spark, points, lambda x, y, c: sr.area_agrees(x, y, c, areas, "code"), "x", "y", "code"
    )
    assert actual == expected
    assert expected[:4] == [True, False, True, False]


def test_a_bad_boundary_file_is_an_input_error_before_any_spark_job(spark, tmp_path: Path) -> None:
    from pyspark.sql import functions as F

    from dqaudit.errors import InputError

    with pytest.raises(InputError, match="boundary file not found"):
        sr.within_boundary(F.col("x"), F.col("y"), tmp_path / "missing.geojson")


def test_every_spark_rule_is_a_catalogue_rule_and_every_form_has_a_spark_number() -> None:
    catalogue = {rule.expectation_type for rule in RULES}
    assert catalogue >= sr.SPARK_RULE_TYPES
    # a rule the catalogue says runs on Spark has a Spark implementation
    assert {r.expectation_type for r in RULES if "spark" in r.engines} <= sr.SPARK_RULE_TYPES
    for form in (*cc.PNC_ID_FORMS, *cc.CRO_FORMS, *cc.ASN_FORMS):
        assert "np" not in form.number.__code__.co_names or form.name in sr._SPARK_NUMBERS
