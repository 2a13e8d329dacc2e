"""Action plans keep every value's meaning and exact text, print properly, and import old
(format 1) and new (format 2) plans alike."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path

import openpyxl
import pytest
import yaml

from dqaudit.actions import plan_layout
from dqaudit.actions.plan_sheets import LINE_HEIGHT
from dqaudit.actions.typed_values import Comparison, compared_columns, typed_value
from dqaudit.expectations.wording import describe_rule
from dqaudit.store import KeySource, record_label
from dqaudit.store.database import AuditStore
from dqaudit.workspace.config import load_workspace
from tests.conftest import approve, invoke, rule

HEADER = "ref,code,reading,taken_at,note,score\n"
ROWS = [
    "R1,007,-1.4516639999999998,2026-03-01 10:15:00,=SUM(A1),5",
    "-R2,A1,12.5,2026-03-02T08:00:00+01:00,'quoted,7",
    "R3,B2,not a number,yesterday,plain,50",
    ",C3,3,2026-03-04,no key here,60",
    "R5,OK,1,2026-03-05,ok,1",
]


def make_workspace(folder: Path) -> Path:
    (folder / "data").mkdir(parents=True)
    (folder / "suites").mkdir()
    (folder / "data" / "readings.csv").write_text(HEADER + "\n".join(ROWS) + "\n", "utf-8")
    settings = {
        "systems": {
            "meters": {
                "description": "Readings",
                "owner": {"name": "Meter Owner", "email": "meters@example.police.uk"},
                "datasets": {
                    "readings": {
                        "connector": "csv",
                        "options": {"path": "data/readings.csv"},
                        "key": ["ref"],
                        "sensitive": [],
                    }
                },
            }
        },
        "suites": "suites",
        "store": "sqlite:///audit.db",
    }
    (folder / "dqaudit.yml").write_text(yaml.safe_dump(settings, sort_keys=False))
    meta = {"dimension": "validity", "likelihood": 4, "impact": 4, "remediation": "Fix it."}
    suite = {
        "name": "readings",
        "meta": {"dqaudit": {"system": "meters", "dataset": "readings"}},
        "expectations": [
            rule(
                "expect_column_values_to_be_between",
                "READING",
                meta,
                column="reading",
                min_value=0,
                max_value=10,
            ),
            rule(
                "expect_column_values_to_be_in_set",
                "CODE",
                {**meta, "likelihood": 3},
                column="code",
                value_set=["OK"],
            ),
            rule(
                "expect_column_values_to_be_between",
                "TAKEN",
                {**meta, "likelihood": 2},
                column="taken_at",
                min_value="2026-03-03",
                max_value="2026-12-31",
            ),
            rule(
                "expect_column_values_to_match_regex",
                "NOTE",
                {**meta, "likelihood": 1},
                column="note",
                regex="^ok$",
                row_condition="score > 4",
                condition_parser="pandas",
            ),
        ],
    }
    (folder / "suites" / "readings.json").write_text(json.dumps(suite, indent=2))
    approve(folder, "readings")
    assert invoke("audit", "run", "-w", str(folder)).exit_code == 1
    return folder


@pytest.fixture
def plan(tmp_path: Path) -> tuple[Path, Path]:
    folder = make_workspace(tmp_path / "ws")
    result = invoke("actions", "export", "-w", str(folder), "--out", str(tmp_path / "plans"))
    assert result.exit_code == 0, result.output
    [path] = sorted((tmp_path / "plans").glob("*.xlsx"))
    return folder, path


def records(workbook: openpyxl.Workbook, rule_id: str) -> openpyxl.worksheet.worksheet.Worksheet:
    return workbook[next(n for n in workbook.sheetnames if n.endswith(" " + rule_id))]


def test_values_keep_their_meaning_and_exact_text(plan: tuple[Path, Path]) -> None:
    _folder, path = plan
    workbook = openpyxl.load_workbook(path)
    reading = records(workbook, "READING")
    rows = {r[0].value: r for r in reading.iter_rows(min_row=2)}
    # compared as numbers: written as numbers (the issue's -1.4516639999999998)
    # (a workbook holds 16 significant digits: the same number to Excel's 15)
    assert rows["R1"][1].data_type == "n"
    assert math.isclose(rows["R1"][1].value, -1.4516639999999998, rel_tol=1e-15)
    assert rows["-R2"][1].value == 12.5
    assert rows["R3"][1].value == "not a number" and rows["R3"][1].data_type == "s"
    # a key that looks like a formula: exact text, quote-prefixed, no apostrophe
    assert rows["-R2"][0].data_type == "s" and rows["-R2"][0].quotePrefix is True
    code = {r[0].value: r[1] for r in records(workbook, "CODE").iter_rows(min_row=2)}
    assert code["R1"].value == "007" and code["R1"].data_type == "s"  # text stays text
    taken = {r[0].value: r[1] for r in records(workbook, "TAKEN").iter_rows(min_row=2)}
    assert taken["R1"].value == dt.datetime(2026, 3, 1, 10, 15)
    assert taken["R1"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert taken["-R2"].value == dt.datetime(2026, 3, 2, 7, 0)  # the instant, in UTC
    assert "UTC" in taken["-R2"].number_format
    assert taken["R3"].value == "yesterday"
    note = records(workbook, "NOTE")
    header = [c.value for c in note[1]]
    assert header[:3] == ["Record key", "note", "score"]  # the condition's column too
    notes = {r[0].value: r for r in note.iter_rows(min_row=2)}
    assert notes["R1"][1].value == "=SUM(A1)" and notes["R1"][1].quotePrefix is True
    assert notes["-R2"][1].value == "'quoted"  # an apostrophe in the data is kept
    assert notes["R1"][2].value == 5  # compared as a number by the row condition
    # the record with a blank key is labelled by its line, naming the key it lacks
    assert "line 5 (no ref)" in notes
    findings = workbook["Findings"]
    titles = [c.value for c in findings[1]]
    percent = findings.cell(row=2, column=titles.index("Failing %") + 1)
    assert percent.number_format == "0.00%" and 0 < percent.value <= 1


def test_print_setup_on_every_sheet(plan: tuple[Path, Path]) -> None:
    _folder, path = plan
    workbook = openpyxl.load_workbook(path)
    for name in workbook.sheetnames:
        sheet = workbook[name]
        if name == plan_layout.IDENTITY:
            continue
        assert sheet.page_setup.orientation == "landscape", name
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True, name
        assert sheet.page_setup.fitToWidth == 1, name
        assert sheet.oddHeader.center.text == "OFFICIAL-SENSITIVE", name
        assert sheet.oddFooter.center.text == "OFFICIAL-SENSITIVE", name
        assert "&P" in sheet.oddFooter.right.text, name
        if name == plan_layout.COVER:
            assert sheet.page_setup.fitToHeight == 1  # the cover is one page
        else:
            assert sheet.page_setup.fitToHeight == 0  # as many pages tall as it needs
            assert sheet.print_title_rows == "$1:$1", name


def wrapped_need(text: object, width: float) -> int:
    """Lines of text a cell needs, by a character count independent of the exporter's
    word wrap: a word wrap never needs fewer lines than this."""
    capacity = max(1, width * 0.85 - 1)
    return sum(max(1, math.ceil(len(p) / capacity)) for p in str(text).splitlines() or [""])


def assert_rows_fit(sheet: openpyxl.worksheet.worksheet.Worksheet) -> None:
    widths = {letter: dimension.width for letter, dimension in sheet.column_dimensions.items()}
    for row in sheet.iter_rows():
        wrapped = [
            c for c in row if isinstance(c.value, str) and c.alignment and c.alignment.wrap_text
        ]
        if not wrapped:
            continue
        need = max(wrapped_need(c.value, widths[c.column_letter]) for c in wrapped)
        height = sheet.row_dimensions[row[0].row].height
        if need > 1:
            assert height is not None and height >= need * LINE_HEIGHT, (row[0].row, need, height)


def test_row_heights_fit_their_wrapped_text(plan: tuple[Path, Path]) -> None:
    _folder, path = plan
    workbook = openpyxl.load_workbook(path)
    assert_rows_fit(workbook["Findings"])
    assert workbook["Findings"].row_dimensions[1].height >= 2 * LINE_HEIGHT  # wrapped titles


def test_the_rule_text_names_every_column_and_the_reference(plan: tuple[Path, Path]) -> None:
    _folder, path = plan
    workbook = openpyxl.load_workbook(path)
    findings = workbook["Findings"]
    titles = [c.value for c in findings[1]]
    rules = {
        row[titles.index("Rule ID")]: row[titles.index("Rule")]
        for row in findings.iter_rows(min_row=2, values_only=True)
    }
    assert rules["NOTE"].startswith("note must have the expected format (^ok$), where score > 4")
    boundary = describe_rule(
        "expect_column_pair_values_to_be_within_boundary",
        {
            "column_A": "Easting",
            "column_B": "Northing",
            "boundary": "../ref/force_boundary.geojson",
        },
    )
    assert boundary == (
        "Easting and Northing must lie inside the force boundary (force_boundary.geojson)."
    )


def test_every_catalogue_and_template_rule_names_the_columns_it_reads() -> None:
    from dqaudit.expectations.rules.catalogue import RULES, reference_kwargs
    from dqaudit.expectations.suite import load_suite
    from dqaudit.expectations.suite_model import Rule

    templates = Path(__file__).parent.parent / "dqaudit" / "expectations" / "templates"
    checked = 0
    for path in sorted(templates.glob("*.json")):
        for item in load_suite(path).rules:
            text = describe_rule(item.expectation_type, item.kwargs)
            for column in item.reads:
                assert column in text, (item.rule_id, column, text)
            checked += 1
    for library_rule in RULES:
        text = describe_rule(library_rule.expectation_type, library_rule.example)
        reads = Rule(0, library_rule.expectation_type, library_rule.example, {}).reads
        assert reads and all(column in text for column in reads), (text, reads)
        for kwarg in reference_kwargs(library_rule.expectation_type):
            assert Path(str(library_rule.example[kwarg])).name in text
        assert ": " not in text.split(".")[0]  # a real sentence, not the generic fallback
    assert checked > 40


def test_compared_columns_and_typed_values() -> None:
    boundary = compared_columns(
        "expect_column_pair_values_to_be_within_boundary",
        {"column_A": "lon", "column_B": "lat", "boundary": "b.geojson"},
    )
    assert set(boundary) == {"lon", "lat"}
    assert (
        compared_columns("expect_column_values_to_be_in_set", {"column": "c", "value_set": ["A"]})
        == {}
    )
    assert typed_value("1e3", Comparison("number")) == (1000, "General")
    assert typed_value("12345678901234567890", Comparison("number"))[0] == "12345678901234567890"
    assert typed_value("2026-03-01", Comparison("datetime")) == (dt.date(2026, 3, 1), "yyyy-mm-dd")
    assert typed_value("1899-12-31", Comparison("datetime"))[0] == "1899-12-31"  # not in Excel
    assert record_label("812", KeySource.LINE, ["Crime ID"]) == "line 812 (no Crime ID)"
    assert record_label("812", KeySource.LINE, []) == "line 812"
    assert record_label("C1", KeySource.COLUMN, ["ref"]) == "C1"


def edit(path: Path, sheet_name: str, row: int, title: str, value: object) -> None:
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[sheet_name]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=row, column=header.index(title) + 1).value = value
    workbook.save(path)


def requested_keys(folder: Path) -> set[str]:
    store = AuditStore(load_workspace(folder).store_url)
    try:
        return {e.record_key for e in store.exceptions.listed()}
    finally:
        store.close()


def test_new_plans_round_trip_formula_like_and_line_keys(plan: tuple[Path, Path]) -> None:
    folder, path = plan
    workbook = openpyxl.load_workbook(path)
    sheet = records(workbook, "NOTE").title
    keys = [r[0] for r in records(workbook, "NOTE").iter_rows(min_row=2, values_only=True)]
    workbook.close()
    for key in ("-R2", "line 5 (no ref)"):
        row = keys.index(key) + 2
        edit(path, sheet, row, "Exception requested", "Yes")
        edit(path, sheet, row, "Exception reason", "Correct as recorded")
    result = invoke("actions", "import", str(path), "-w", str(folder))
    assert result.exit_code == 0, result.output
    assert {"-R2", "5"} <= requested_keys(folder)  # the stored keys, exactly


def test_an_old_format_1_plan_with_apostrophes_still_imports(plan: tuple[Path, Path]) -> None:
    """A plan exported before format 2 wrote "'-R2" for the key -R2: import strips it."""
    folder, path = plan
    workbook = openpyxl.load_workbook(path)
    identity = workbook[plan_layout.IDENTITY]
    for row in identity.iter_rows():
        if row[0].value == "format":
            row[1].value = "1"
    for name in workbook.sheetnames:  # format 1 showed a line-keyed record's bare key
        for row in workbook[name].iter_rows(min_row=2):
            if isinstance(row[0].value, str) and row[0].value.startswith("line 5 "):
                row[0].value = "5"
    sheet = records(workbook, "READING")
    for row in sheet.iter_rows(min_row=2):
        if isinstance(row[0].value, str) and re.match(r"[-=+@]", row[0].value):
            row[0].value = "'" + row[0].value
            row[len(row) - 2].value = "Yes"
            row[len(row) - 1].value = "'=looks like a formula"
    workbook.save(path)
    result = invoke("actions", "import", str(path), "-w", str(folder))
    assert result.exit_code == 0, result.output
    store = AuditStore(load_workspace(folder).store_url)
    try:
        [request] = [e for e in store.exceptions.listed() if e.record_key == "-R2"]
        assert request.reason == "=looks like a formula"
    finally:
        store.close()


def test_a_plan_of_an_unknown_format_is_refused(plan: tuple[Path, Path]) -> None:
    folder, path = plan
    workbook = openpyxl.load_workbook(path)
    for row in workbook[plan_layout.IDENTITY].iter_rows():
        if row[0].value == "format":
            row[1].value = "9"
    workbook.save(path)
    result = invoke("actions", "import", str(path), "-w", str(folder))
    assert result.exit_code == 2
    assert "plan format 9 is newer than this dqaudit reads" in result.stderr
