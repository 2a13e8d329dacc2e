"""Identifier and code-list rules: published values, hand-built cases, properties, GX use."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dqaudit.engine.run import run_suite
from dqaudit.errors import InputError
from dqaudit.expectations.rules import check_characters as cc
from dqaudit.expectations.rules import codelists, formats, vehicles
from dqaudit.expectations.rules.catalogue import RULES

PANDAS_CHECKS = {
    "expect_column_values_to_be_valid_pnc_id": cc.valid_pnc_id,
    "expect_column_values_to_be_valid_cro_number": cc.valid_cro_number,
    "expect_column_values_to_be_valid_asn": cc.valid_asn,
    "expect_column_values_to_be_valid_uk_postcode": formats.valid_postcode,
    "expect_column_values_to_be_valid_ni_number": formats.valid_ni_number,
    "expect_column_values_to_be_valid_uk_vrm": vehicles.valid_vrm,
    "expect_column_values_to_be_valid_uprn": formats.valid("uprn"),
    "expect_column_values_to_be_valid_cjs_offence_code": formats.valid("cjs_offence_code"),
}


def valid(check, *values: str | None) -> list[bool]:
    return check(pd.Series(list(values), dtype=object)).tolist()


def test_published_pnc_ids_are_valid() -> None:
    assert valid(cc.valid_pnc_id, "2001/0171310W", "2008/0056560Z", "79/163001B") == [True] * 3


def test_published_asn_is_valid_in_both_forms() -> None:
    assert valid(cc.valid_asn, "1101ZD0100000448754K", "11/01ZD/01/448754K") == [True, True]


def test_asn_check_needs_exact_integers_beyond_float_precision() -> None:
    # FF+SS+YY+sequence is 17 digits: through a float the number, and so the letter, drift.
    number = int("99" + "99" + "99" + "99999999999")
    exact, through_float = cc.check_letter(number), cc.check_letter(int(float(number)))
    assert exact != through_float
    assert valid(cc.valid_asn, "9999ZZ9999999999999" + exact) == [True]
    assert valid(cc.valid_asn, "9999ZZ9999999999999" + through_float) == [False]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2001/0171310X", False),  # wrong check letter
        ("2001/171310W", False),  # full form needs seven serial digits
        ("2001/0171310w", False),  # lower case
        ("2001/0171310I", False),  # I is not in the alphabet
        ("01/171310W", True),  # short form of 2001/0171310W
        ("01/0171310W", True),  # short form, zero kept
        (" 2001/0171310W", False),
        ("2001/0171310W\n", False),
        ("20010171310W", False),
        (None, True),  # nulls are for not-null rules
    ],
)
def test_pnc_id_hand_built(value: str | None, expected: bool) -> None:
    assert valid(cc.valid_pnc_id, value) == [expected]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("45123/08Y", True),
        ("45123/08Z", False),
        ("1234567/08Y", False),
        ("45123/8Y", False),
        ("SF95/1234C", True),
        ("SF95/1234D", False),
        ("SF95/123456" + cc.check_letter(95 * 10**6 + 123456), True),
        ("CRO 45123/08Y", False),
    ],
)
def test_cro_number_hand_built(value: str, expected: bool) -> None:
    assert valid(cc.valid_cro_number, value) == [expected]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1101ZD0100000448754L", False),
        ("1101zd0100000448754K", False),
        ("1101ZD010000448754K", False),  # 19 characters
        ("1101AA0100000448754K", True),  # the unit is not part of the check
        ("11/01ZD/01/00448754K", True),
        ("11/01ZD/01/448754L", False),
        ("11-01ZD-01-448754K", False),
    ],
)
def test_asn_hand_built(value: str, expected: bool) -> None:
    assert valid(cc.valid_asn, value) == [expected]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("B1 1AY", True),
        ("EC1A 1BB", True),
        ("W1A 0AX", True),
        ("M1 1AE", True),
        ("CR2 6XH", True),
        ("DN55 1PT", True),
        ("GIR 0AA", True),
        ("QA1 1AA", False),  # Q never first
        ("VA1 1AA", False),
        ("XA1 1AA", False),
        ("BI1 1AA", False),  # I never second
        ("BJ1 1AA", False),
        ("W1I 1AA", False),  # third letter of A9A restricted
        ("EC1Z 1AA", False),  # fourth letter of AA9A restricted
        ("B1 1AC", False),  # C never in the inward code
        ("B1 1IA", False),
        ("b1 1ay", False),
        ("B11AY", False),
        ("B1  1AY", False),
    ],
)
def test_uk_postcode_hand_built(value: str, expected: bool) -> None:
    assert valid(formats.valid_postcode, value) == [expected]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("AB123456C", True),
        ("AB 12 34 56 C", True),
        ("OA123456A", True),  # O may be the first letter
        ("AO123456A", False),  # ... never the second
        ("DA123456A", False),
        ("AF123456A", False),
        ("QQ123456A", False),
        ("GB123456A", False),  # never issued
        ("TN123456A", False),
        ("ZZ123456A", False),
        ("AB123456E", False),
        ("AB12345C", False),
        ("ab123456c", False),
    ],
)
def test_ni_number_hand_built(value: str, expected: bool) -> None:
    assert valid(formats.valid_ni_number, value) == [expected]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("AB12 CDE", True),
        ("AB12CDE", True),
        ("A123 BCD", True),
        ("ABC 123D", True),
        ("ABZ 1234", True),  # Northern Ireland
        ("1 A", True),  # dateless
        ("AB12 CDI", False),  # I never among the random letters
        ("AI12 CDE", False),
        # Q plates (DVLA, vehicles of unknown age or identity) are valid: see
        # tests/test_rules_v2_identifiers.py for the issue-12 counter-examples.
        ("Q123 BCD", True),
        ("I123 BCD", False),  # I is never a prefix letter
        ("ab12 cde", False),
        ("AB12  CDE", False),
    ],
)
def test_uk_vrm_hand_built(value: str, expected: bool) -> None:
    assert valid(lambda v: vehicles.valid_vrm(v, as_of="2025-01-06"), value) == [expected]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        ("100070000001", True),
        ("999999999999", True),
        ("1000700000012", False),
        ("0100070000001", False),
        ("1.0007E+11", False),
        ("UPRN100070000001", False),
        ("", False),
    ],
)
def test_uprn_hand_built(value: str, expected: bool) -> None:
    assert valid(formats.valid("uprn"), value) == [expected]


# --- property tests: a valid identifier, and any single change the check covers --------

LETTERS = st.sampled_from(cc.CHECK_ALPHABET)


def _other_digit(draw: st.DrawFn, digit: str) -> str:
    return draw(st.sampled_from([d for d in "0123456789" if d != digit]))


def _assert_changes_fail(draw: st.DrawFn, check, value: str, covered: list[int]) -> None:
    assert valid(check, value) == [True], value
    position = draw(st.sampled_from(covered))
    changed = value[:position] + _other_digit(draw, value[position]) + value[position + 1 :]
    assert valid(check, changed) == [False], (value, changed)
    other = draw(st.sampled_from([c for c in cc.CHECK_ALPHABET if c != value[-1]]))
    assert valid(check, value[:-1] + other) == [False], (value, other)


@settings(max_examples=150, deadline=None)
@given(st.data(), st.integers(1900, 2099), st.integers(0, 9_999_999), st.booleans())
def test_pnc_ids_property(data: st.DataObject, year: int, serial: int, short: bool) -> None:
    yy = f"{year % 100:02d}"
    letter = cc.check_letter(int(yy + f"{serial:07d}"))
    if short:
        value = f"{yy}/{serial}{letter}"
        covered = [i for i, c in enumerate(value[:-1]) if c.isdigit()]
    else:
        value = f"{year}/{serial:07d}{letter}"
        covered = [2, 3, *range(5, 12)]  # the century is not part of the check
    check = lambda v: cc.valid_pnc_id(v, as_of="2099-12-31")  # noqa: E731 (no future years)
    _assert_changes_fail(data.draw, check, value, covered)


@settings(max_examples=150, deadline=None)
@given(st.data(), st.integers(0, 99), st.integers(1, 999_999), st.booleans())
def test_cro_numbers_property(data: st.DataObject, yy: int, serial: int, sf: bool) -> None:
    if sf:
        letter = cc.check_letter(int(f"{yy:02d}{serial:05d}"))
        value = f"SF{yy:02d}/{serial}{letter}"
    else:
        letter = cc.check_letter(int(f"{yy:02d}{serial:06d}"))
        value = f"{serial}/{yy:02d}{letter}"
    covered = [i for i, c in enumerate(value[:-1]) if c.isdigit()]
    _assert_changes_fail(data.draw, cc.valid_cro_number, value, covered)


@settings(max_examples=150, deadline=None)
@given(
    st.data(),
    st.integers(0, 99),
    st.integers(0, 99),
    st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=2, max_size=2),
    st.integers(0, 99),
    st.integers(0, 99_999_999_999),
    st.booleans(),
)
def test_asns_property(
    data: st.DataObject, yy: int, ff: int, unit: str, ss: int, seq: int, display: bool
) -> None:
    letter = cc.check_letter(int(f"{ff:02d}{ss:02d}{yy:02d}{seq:011d}"))
    if display:
        value = f"{yy:02d}/{ff:02d}{unit}/{ss:02d}/{seq}{letter}"
        covered = [i for i, c in enumerate(value[:-1]) if c.isdigit() and i not in (5, 6)]
    else:
        value = f"{yy:02d}{ff:02d}{unit}{ss:02d}{seq:011d}{letter}"
        covered = [0, 1, 2, 3, *range(6, 19)]
    _assert_changes_fail(data.draw, cc.valid_asn, value, covered)


# --- code lists --------------------------------------------------------------------------


def test_builtin_code_lists_name_their_source() -> None:
    names = codelists.builtin_names()
    assert {
        "self_defined_ethnicity",
        "officer_defined_ethnicity",
        "crime_outcome",
        "blpu_logical_status",
        "blpu_state",
        "pnc_disposal",
        "self_defined_ethnicity_16_1",
        "representative_point_code",
    } <= set(names)
    for name in names:
        loaded = codelists.load(name)
        assert loaded.source and loaded.codes
    ethnicity = codelists.load("self_defined_ethnicity").codes
    assert len(ethnicity) == 19 and ethnicity[0] == "W1" and ethnicity[-1] == "NS"
    assert codelists.load("crime_outcome").codes == tuple(str(n) for n in range(1, 23))


def test_unknown_code_list_and_bad_file_are_input_errors(tmp_path) -> None:
    with pytest.raises(InputError, match="unknown code list 'ethnicty'"):
        codelists.load("ethnicty")
    bad = tmp_path / "local.yml"
    bad.write_text("codes: [A, B]\n", encoding="utf-8")
    with pytest.raises(InputError, match="must name its 'source'"):
        codelists.load(str(bad))


def test_code_list_rule_with_a_csv_file_beside_the_suite(tmp_path) -> None:
    (tmp_path / "outcomes.csv").write_text("code,label\nA,one\nB,two\n", encoding="utf-8")
    suite = tmp_path / "s.json"
    suite.write_text(
        '{"name": "s", "expectations": [{"type": "expect_column_values_to_be_in_code_list",'
        ' "kwargs": {"column": "c", "code_list": "outcomes.csv"}}]}',
        encoding="utf-8",
    )
    frame = pd.DataFrame({"k": ["1", "2", "3", "4"], "c": ["A", "a", None, "C"]})
    result = run_suite(frame, suite, key="k")
    assert result.results[0].failing_keys == ["2", "4"]


# --- every identifier rule through GX, with the catalogue's own examples ----------------


@pytest.mark.parametrize(
    "rule",
    [r for r in RULES if r.family in ("identifier", "code list") and "column" in r.example],
    ids=lambda r: r.expectation_type,
)
def test_catalogue_examples_through_gx(rule) -> None:
    values = [*rule.valid, *rule.invalid, None]
    frame = pd.DataFrame({"k": [f"K{i}" for i in range(len(values))], "v": values})
    kwargs = {**rule.example, "column": "v"}
    suite = {"name": "s", "expectations": [{"type": rule.expectation_type, "kwargs": kwargs}]}
    result = run_suite(frame, suite, key="k")
    (outcome,) = result.results
    assert outcome.error is None
    expected = [f"K{i}" for i in range(len(rule.valid), len(rule.valid) + len(rule.invalid))]
    assert outcome.failing_keys == expected
    if rule.expectation_type in PANDAS_CHECKS:
        assert valid(PANDAS_CHECKS[rule.expectation_type], *rule.valid) == [True] * len(rule.valid)
