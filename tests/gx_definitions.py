"""Great Expectations' own test cases, turned into CSV files and one-rule suites for dqaudit.

GX keeps a JSON test definition per expectation (``tests/test_definitions/`` in its
repository): datasets as columns of JSON values, and test cases giving an expectation's
kwargs and GX's expected output. ``test_gx_definitions.py`` runs the pandas cases of the
core column-map and column-pair expectations through ``dqaudit check``. This module does
the translation, following GX's own harness (``test_expectations_v3_api.py`` and
``self_check/util.py``) where it decides which cases apply to pandas:

- a dataset with ``only_for`` not naming pandas, or ``suppress_test_for`` naming it, is
  left out; so is a case whose ``only_for`` names no pandas backend (``pandas``,
  ``pandas_v3_api``, ``pandas>=024``) or whose ``suppress_test_for`` names pandas;
- the dataset becomes a CSV: text as itself, numbers as their JSON text, nulls as empty
  cells; a case that reads a column which CSV text cannot hold without losing meaning
  (numbers and text mixed, a list or a dict, an empty string, which a CSV cannot tell
  from a null, or a line break) is *unwritable*: it is kept, with the reason, and skipped;
- the failing rows are named by line (no key): line = row index + 2 (the header is line 1);
- GX's expected outcome: no ``success`` in the output (GX's cases with
  ``catch_exceptions``) means GX raises an error; the failing rows come from
  ``unexpected_index_list`` (its ``pk_index``), else from ``unexpected_list`` (each value
  matched to the first row holding it not yet matched), else, when the case passes without
  ``mostly``, there are none; otherwise they are not stated and only success is compared.

Rules that compare each value with the one before it, or two columns
(``expect_column_values_to_be_increasing``/``_decreasing``,
``expect_column_pair_values_a_to_be_greater_than_b``), need ``meta.dqaudit.value_type``:
the suite gets ``number`` when every value of the compared columns in GX's dataset is a
JSON number (or there is none), ``datetime`` when every one is a string. Every other rule
gets no ``value_type``: dqaudit takes the type from the bounds or the value set.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dqaudit.expectations.conditions import columns_of, parse_condition
from tests.conftest import REPO

GX_DEFINITIONS = REPO.parent / "shared" / "gx-test-definitions"
DEFINITION_FILES = (
    "expect_column_values_to_not_be_null.json",
    "expect_column_values_to_be_null.json",
    "expect_column_values_to_be_in_set.json",
    "expect_column_values_to_not_be_in_set.json",
    "expect_column_values_to_be_between.json",
    "expect_column_values_to_match_regex.json",
    "expect_column_values_to_not_match_regex.json",
    "expect_column_values_to_be_unique.json",
    "expect_column_value_lengths_to_be_between.json",
    "expect_column_value_lengths_to_equal.json",
    "expect_column_values_to_match_strftime_format.json",
    "expect_column_values_to_be_increasing.json",
    "expect_column_values_to_be_decreasing.json",
    "expect_column_pair_values_a_to_be_greater_than_b.json",
)
# The names GX's harness accepts for pandas (pandas >= 1) in a case's only_for.
PANDAS_NAMES = frozenset({"pandas", "pandas_v3_api", "pandas>=024"})
PANDAS_SUPPRESSED_BY = frozenset({"pandas", "pandas_v3_api"})
VALUE_TYPE_RULES = frozenset(
    {
        "expect_column_values_to_be_increasing",
        "expect_column_values_to_be_decreasing",
        "expect_column_pair_values_a_to_be_greater_than_b",
    }
)
FIRST_LINE = 2  # the header is line 1


@dataclass(frozen=True)
class Outcome:
    """A rule's verdict: passed, failed, or an error (``success`` None); and the failing
    rows as CSV line numbers (None: not stated, so not compared)."""

    success: bool | None
    lines: tuple[int, ...] | None = None

    def __str__(self) -> str:
        verdict = {True: "passes", False: "fails", None: "error"}[self.success]
        if self.lines is None or self.success is None:
            return verdict
        return f"{verdict}, failing lines {list(self.lines)}"


@dataclass(frozen=True)
class GxCase:
    case_id: str  # "<expectation type>:<title>", as GX's harness names it
    expectation_type: str
    columns: dict[str, list[Any]]
    kwargs: dict[str, Any]
    expected: Outcome
    unwritable: str | None  # why the case cannot be written as CSV text, if it cannot


def definitions_present(folder: Path = GX_DEFINITIONS) -> bool:
    return all((folder / name).is_file() for name in DEFINITION_FILES)


def load_cases(folder: Path = GX_DEFINITIONS) -> list[GxCase]:
    """Every pandas case of the definition files, in file order."""
    cases: list[GxCase] = []
    for name in DEFINITION_FILES:
        definition = json.loads((folder / name).read_text(encoding="utf-8"))
        kind = definition["expectation_type"]
        for dataset in definition["datasets"]:
            if not _dataset_for_pandas(dataset):
                continue
            for test in dataset["tests"]:
                if _test_for_pandas(test):
                    cases.append(case_from(kind, dataset["data"], test))
    return cases


def _listed(value: Any) -> list[str]:
    if not value:
        return []
    return list(value) if isinstance(value, list) else [value]


def _dataset_for_pandas(dataset: dict[str, Any]) -> bool:
    only_for = _listed(dataset.get("only_for"))
    if only_for and "pandas" not in only_for:
        return False
    return "pandas" not in _listed(dataset.get("suppress_test_for"))


def _test_for_pandas(test: dict[str, Any]) -> bool:
    only_for = _listed(test.get("only_for"))
    if only_for and not PANDAS_NAMES.intersection(only_for):
        return False
    return not PANDAS_SUPPRESSED_BY.intersection(_listed(test.get("suppress_test_for")))


def case_from(kind: str, data: dict[str, list[Any]], test: dict[str, Any]) -> GxCase:
    kwargs = dict(test.get("in", test.get("input")))
    out = test.get("out", test.get("output"))
    columns = {str(name): list(values) for name, values in data.items()}
    return GxCase(
        case_id=f"{kind}:{test['title']}",
        expectation_type=kind,
        columns=columns,
        kwargs=kwargs,
        expected=_expected(out, kwargs, columns),
        unwritable=_unwritable(columns, read_columns(kwargs, columns)),
    )


def read_columns(kwargs: dict[str, Any], columns: dict[str, list[Any]]) -> list[str]:
    """The dataset columns a case reads: its column kwargs and its row condition's."""
    named = [kwargs.get(k) for k in ("column", "column_A", "column_B")]
    condition = kwargs.get("row_condition")
    if condition is not None:
        # GX's cases write their conditions for the pandas parser, even those that name
        # a bad parser to test the error.
        parsed = parse_condition(condition, "pandas", "row_condition")
        named += list(columns_of(parsed))
    return [c for c in dict.fromkeys(named) if isinstance(c, str) and c in columns]


def _unwritable(columns: dict[str, list[Any]], read: list[str]) -> str | None:
    for name in read:
        values = [v for v in columns[name] if v is not None]
        if any(isinstance(v, list | dict) for v in values):
            return f"column {name!r} holds a list or a dict, which CSV text cannot"
        if any(v == "" for v in values):
            return f"column {name!r} holds an empty string, which CSV text reads as a null"
        if any(isinstance(v, str) and ("\n" in v or "\r" in v) for v in values):
            return f"column {name!r} holds a line break"
        kinds = {_kind(v) for v in values}
        if len(kinds) > 1:
            return (
                f"column {name!r} mixes {' and '.join(sorted(kinds))} values, which CSV "
                "text cannot tell apart"
            )
    if len(columns) == 1 and any(v is None for v in next(iter(columns.values()))):
        return "a row of one empty cell is a blank line in CSV text"
    return None


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "text"


def _expected(
    out: dict[str, Any], kwargs: dict[str, Any], columns: dict[str, list[Any]]
) -> Outcome:
    if "success" not in out:
        return Outcome(None)
    success = bool(out["success"])
    if "unexpected_index_list" in out:
        rows = sorted(int(entry["pk_index"]) for entry in out["unexpected_index_list"])
        return Outcome(success, tuple(row + FIRST_LINE for row in rows))
    if "unexpected_list" in out:
        rows = _rows_holding(out["unexpected_list"], kwargs, columns)
        return Outcome(success, tuple(row + FIRST_LINE for row in rows))
    if success and "mostly" not in kwargs:
        return Outcome(success, ())
    return Outcome(success)


def _rows_holding(
    values: list[Any], kwargs: dict[str, Any], columns: dict[str, list[Any]]
) -> list[int]:
    """Each unexpected value matched to the first row holding it not yet matched."""
    if "column" in kwargs:
        cells: list[Any] = columns[kwargs["column"]]
    else:
        cells = [
            list(pair)
            for pair in zip(columns[kwargs["column_A"]], columns[kwargs["column_B"]], strict=True)
        ]
    taken: set[int] = set()
    for value in values:
        row = next(
            (i for i, cell in enumerate(cells) if i not in taken and _same(cell, value)), None
        )
        if row is None:
            raise AssertionError(f"GX's unexpected value {value!r} is in no row")
        taken.add(row)
    return sorted(taken)


def _same(cell: Any, value: Any) -> bool:
    if isinstance(cell, list) and isinstance(value, list):
        return len(cell) == len(value) and all(
            _same(c, v) for c, v in zip(cell, value, strict=True)
        )
    return bool(cell == value)


def csv_text(case: GxCase) -> str:
    """The case's dataset as a CSV: every column that CSV text can hold (columns the case
    does not read and CSV cannot hold are left out)."""
    read = read_columns(case.kwargs, case.columns)
    names = [
        name
        for name, values in case.columns.items()
        if name in read or _unwritable({name: values}, [name]) is None
    ]
    rows = max((len(case.columns[n]) for n in names), default=0)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    for row in range(rows):
        writer.writerow([_cell(case.columns[name][row]) for name in names])
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def value_type(case: GxCase) -> str | None:
    """``meta.dqaudit.value_type`` for the rules that need one (see the module docstring)."""
    if case.expectation_type not in VALUE_TYPE_RULES:
        return None
    values = [
        v
        for name in read_columns(case.kwargs, case.columns)
        for v in case.columns[name]
        if v is not None
    ]
    if all(_kind(v) == "number" for v in values):
        return "number"
    if all(isinstance(v, str) for v in values):
        return "datetime"
    return None


def suite_document(case: GxCase) -> dict[str, Any]:
    """A one-expectation suite of the case, with its kwargs exactly as GX's case gives them."""
    expectation: dict[str, Any] = {"type": case.expectation_type, "kwargs": case.kwargs}
    chosen = value_type(case)
    if chosen:
        expectation["meta"] = {"dqaudit": {"value_type": chosen}}
    return {"name": "gx_case", "expectations": [expectation]}


def outcome_of(document: dict[str, Any]) -> Outcome:
    """dqaudit's verdict on the case's one rule, from ``check --json``'s document."""
    results = document.get("results") or []
    if document.get("status") == "error" or not results:
        return Outcome(None)
    (result,) = results
    if result.get("error") or result.get("success") is None:
        return Outcome(None)
    lines = tuple(sorted(int(key) for key in result.get("failing_keys") or []))
    return Outcome(bool(result["success"]), lines)


def agrees(expected: Outcome, got: Outcome) -> bool:
    """Same verdict, and the same failing rows wherever GX states them."""
    if expected.success != got.success:
        return False
    return expected.success is None or expected.lines is None or expected.lines == got.lines
