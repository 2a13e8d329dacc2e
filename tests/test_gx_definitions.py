"""GX's own test cases agree with dqaudit (issue 10): every pandas case of GX's test
definitions for the core column-map and column-pair expectations is written as a CSV and
run through ``dqaudit check FILE --suite S --json`` (no key, so failing rows are lines).

A case either agrees with GX's expected success and failing rows, or is an intended
difference of text-first reading listed in docs/suites.md ("Where dqaudit differs from
GX's own test cases") and in ``DIFFERENCES`` below with the outcome dqaudit gives; the
test asserts that outcome exactly, so any new disagreement (or a difference that goes
away) fails. How cases are translated: tests/gx_definitions.py. The definitions are read
from ../shared/gx-test-definitions/ (see its SOURCES.md); without them the cases skip.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import REPO, invoke
from tests.gx_definitions import (
    GX_DEFINITIONS,
    GxCase,
    Outcome,
    agrees,
    case_from,
    csv_text,
    definitions_present,
    load_cases,
    outcome_of,
    suite_document,
)

EMPTY_EXTRACT = "empty-extract"
TEXT_NUMBERS = "text-read-as-numbers"
TEXT_LENGTHS = "text-has-a-length"
TEXT_STRFTIME = "text-matched-by-strftime"
# case id -> (reason, in docs/suites.md; the outcome dqaudit gives)
DIFFERENCES: dict[str, tuple[str, Outcome]] = {
    "expect_column_values_to_be_in_set:test_empty_column_should_be_vacuously_true": (
        EMPTY_EXTRACT,
        Outcome(None),
    ),
    "expect_column_values_to_be_decreasing:test_empty_column_should_be_vacuously_true": (
        EMPTY_EXTRACT,
        Outcome(None),
    ),
    "expect_column_values_to_be_between:error_on_string-to-int_comparisons": (
        TEXT_NUMBERS,
        Outcome(True, ()),
    ),
    "expect_column_value_lengths_to_be_between:test_error_handling_values_are_integers": (
        TEXT_LENGTHS,
        Outcome(True, ()),
    ),
    "expect_column_values_to_match_strftime_format:"
    "test_raising_exception_for_wrong_input_data_type": (
        TEXT_STRFTIME,
        Outcome(False, (2, 3, 4, 5)),
    ),
}
# case id -> why dqaudit is wrong there (a defect to fix in the engine); xfail(strict=True).
DEFECTS: dict[str, str] = {}
DOCS = REPO / "docs" / "suites.md"
SECTION = "## Where dqaudit differs from GX's own test cases"
ABSENT = f"GX's test definitions are not present: {GX_DEFINITIONS} (see its SOURCES.md)"
EXIT_CODES = {True: {0}, False: {1}, None: {2, 3}}


def _cases() -> list[GxCase]:
    return load_cases() if definitions_present() else []


def _params() -> list[object]:
    if not definitions_present():
        return [pytest.param(None, id="definitions-absent", marks=pytest.mark.skip(reason=ABSENT))]
    params = []
    for case in _cases():
        marks = []
        if case.unwritable:
            reason = f"cannot be written as CSV text: {case.unwritable}"
            marks.append(pytest.mark.skip(reason=reason))
        elif case.case_id in DEFECTS:
            marks.append(pytest.mark.xfail(strict=True, reason=DEFECTS[case.case_id]))
        params.append(pytest.param(case, id=case.case_id, marks=marks))
    return params


def run_case(case: GxCase, folder: Path) -> tuple[Outcome, int, str]:
    data = folder / "case.csv"
    data.write_text(csv_text(case), encoding="utf-8")
    suite = folder / "suite.json"
    suite.write_text(json.dumps(suite_document(case)), encoding="utf-8")
    result = invoke("check", str(data), "--suite", str(suite), "--json")
    document = json.loads(result.stdout)
    return outcome_of(document), result.exit_code, document.get("error") or result.stderr


@pytest.mark.parametrize("case", _params())
def test_gx_case(case: GxCase, tmp_path: Path) -> None:
    got, exit_code, message = run_case(case, tmp_path)
    assert exit_code in EXIT_CODES[got.success], (exit_code, got, message)
    summary = f"GX expects: {case.expected}; dqaudit gives: {got} ({message})"
    if case.case_id in DIFFERENCES:
        _, documented = DIFFERENCES[case.case_id]
        assert not agrees(case.expected, got), f"no longer differs, update the docs: {summary}"
        assert got == documented, f"differs other than documented ({documented}): {summary}"
    else:
        assert agrees(case.expected, got), summary


def _documented_ids() -> tuple[set[str], str]:
    text = DOCS.read_text(encoding="utf-8")
    assert SECTION in text, f"{DOCS} has no section {SECTION!r}"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    differences = section.split("Cases that are not run", 1)[0]
    return set(re.findall(r"`(expect_[a-z_]+:[^`]+)`", differences)), section


def test_differences_are_the_documented_ones() -> None:
    """The docs list exactly the differences this test asserts, each under its reason."""
    documented, section = _documented_ids()
    assert documented == set(DIFFERENCES) | set(DEFECTS)
    for reason, _ in DIFFERENCES.values():
        assert f"({reason})" in section, f"reason {reason!r} is not explained in the docs"


def test_counts_and_skipped_cases_are_documented() -> None:
    if not definitions_present():
        pytest.skip(ABSENT)
    cases = _cases()
    ids = {case.case_id for case in cases}
    assert len(ids) == len(cases), "GX case ids must be unique"
    writable = [case for case in cases if not case.unwritable]
    stale = (set(DIFFERENCES) | set(DEFECTS)) - {case.case_id for case in writable}
    assert not stale, f"listed cases that are not run: {sorted(stale)}"
    agreeing = len(writable) - len(DIFFERENCES) - len(DEFECTS)
    _, section = _documented_ids()
    assert f"{agreeing} of {len(writable)} cases agree" in section
    assert f"{len(cases)} pandas cases" in section
    skipped = section.split("Cases that are not run", 1)[1]
    listed = set(re.findall(r"`(expect_[a-z_]+:[^`]+)`", skipped))
    assert listed == {case.case_id for case in cases if case.unwritable}


def test_an_unwritable_case_is_recognised() -> None:
    """The translation itself: mixed types and empty strings are refused, nulls are empty
    cells, numbers their JSON text, and GX's unexpected values map to their rows."""
    mixed = case_from("expect_column_values_to_be_null", {"y": [1, "abc"]}, _test({"column": "y"}))
    assert mixed.unwritable and "mixes number and text" in mixed.unwritable
    blank = case_from("expect_column_values_to_be_null", {"y": ["", "a"]}, _test({"column": "y"}))
    assert blank.unwritable and "empty string" in blank.unwritable
    case = case_from(
        "expect_column_values_to_be_in_set",
        {"x": [1.5, None, 2, 2], "z": ["a,b", "c", "d", "e"]},
        _test({"column": "x", "value_set": [1.5]}, success=False, unexpected_list=[2, 2]),
    )
    assert case.unwritable is None
    assert csv_text(case) == 'x,z\n1.5,"a,b"\n,c\n2,d\n2,e\n'
    assert case.expected == Outcome(False, (4, 5))


def _test(kwargs: dict[str, object], **out: object) -> dict[str, object]:
    return {"title": "t", "exact_match_out": False, "in": kwargs, "out": out or {}}
