"""The excel connector: cells as text, sheet and header row, blank rows, header errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from dqaudit.connectors.base import BadRow
from dqaudit.connectors.excel_file import read_excel
from dqaudit.errors import InputError
from tests.conftest import invoke, rule, write_suite


def workbook(tmp_path: Path, sheets: dict[str, list[list[Any]]], name: str = "x.xlsx") -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


CUSTODY = [
    ["Custody records, March"],  # a title row
    ["ref", "force", "age", "arrested", "born", "flag"],
    ["C1", "01", 34, dt.datetime(2024, 3, 1, 9, 30, 5), dt.date(1990, 2, 3), True],
    [None, None, None, None, None, None],  # blank: skipped, but row numbers are kept
    ["C2", "20", 7.5, None, None, False],
    ["C3", "20", 1e20, "n/a", None, None],
]


def test_cells_read_as_text_as_excel_shows_them(tmp_path: Path) -> None:
    path = workbook(tmp_path, {"Notes": [["x"]], "Custody": CUSTODY})
    extract = read_excel(path, sheet="Custody", header_row=2)
    frame = extract.frame
    assert list(frame.columns) == ["ref", "force", "age", "arrested", "born", "flag"]
    assert frame["ref"].tolist() == ["C1", "C2", "C3"]
    assert frame["force"].tolist() == ["01", "20", "20"]  # text cells keep leading zeros
    assert frame["age"].tolist() == ["34", "7.5", "1e+20"]  # 34 is stored as 34.0
    assert frame["arrested"].iloc[0] == "2024-03-01 09:30:05"
    assert frame["arrested"].iloc[2] == "n/a"
    assert frame["born"].iloc[0] == "1990-02-03"
    assert frame["flag"].tolist()[:2] == ["TRUE", "FALSE"]
    assert frame["arrested"].isna().tolist() == [False, True, False]
    assert extract.line_numbers.tolist() == [3, 5, 6]  # sheet rows; row 4 was blank
    assert extract.fingerprint.source == f"{path} [sheet Custody]"
    assert extract.fingerprint.rows == 3


def test_sheet_by_position_and_table_offset(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "First"
    sheet = book.create_sheet("Second")
    sheet["C4"], sheet["D4"] = "ref", "v"
    sheet["C5"], sheet["D5"] = "A", 1
    path = tmp_path / "offset.xlsx"
    book.save(path)
    extract = read_excel(path, sheet=2, header_row=4)
    assert extract.frame.to_dict("list") == {"ref": ["A"], "v": ["1"]}
    assert extract.line_numbers.tolist() == [5]


def test_a_merged_header_cell_is_an_error_naming_it(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ref", "arrest", None, "force"])
    sheet.append(["A", "date", "time", "20"])
    sheet.merge_cells("B1:C1")
    path = tmp_path / "merged.xlsx"
    book.save(path)
    with pytest.raises(InputError, match=r"header cell B1 is merged \(B1:C1\)"):
        read_excel(path)


def test_a_blank_header_cell_is_an_error_naming_it(tmp_path: Path) -> None:
    path = workbook(tmp_path, {"S": [["ref", None, "force"], ["A", "x", "20"]]})
    with pytest.raises(InputError, match="header cell B1 is blank; name it"):
        read_excel(path)


def test_a_value_beyond_the_header_is_a_bad_row(tmp_path: Path) -> None:
    path = workbook(tmp_path, {"S": [["ref", "v"], ["A", "1"], ["B", "2", "stray"]]})
    with pytest.raises(InputError, match="row 3: cell C3 has a value but its column has no header"):
        read_excel(path)
    extract = read_excel(path, on_bad_row="skip")
    assert extract.frame["ref"].tolist() == ["A"]
    assert extract.bad_rows == (BadRow(3, "cell C3 has a value but its column has no header"),)


@pytest.mark.parametrize(
    "sheets, kwargs, message",
    [
        ({"S": [["ref", "v"]]}, {}, "has a header row but no records"),
        ({"S": [["ref", "ref"], ["A", "B"]]}, {}, "column 'ref' appears twice"),
        ({"S": [["ref"], ["A"]]}, {"sheet": "Nope"}, r"no sheet named 'Nope' \(sheets: 'S'\)"),
        ({"S": [["ref"], ["A"]]}, {"sheet": 3}, "there is no sheet 3"),
        ({"S": [["ref"], ["A"]]}, {"header_row": 0}, "header_row must be a row number"),
        ({"S": [["ref"], ["A"]]}, {"header_row": 9}, "row 9 .* is blank or beyond the data"),
    ],
)
def test_bad_sheets_are_clear_errors(
    tmp_path: Path, sheets: dict, kwargs: dict, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        read_excel(workbook(tmp_path, sheets), **kwargs)


def test_files_that_are_not_workbooks(tmp_path: Path) -> None:
    text = tmp_path / "fake.xlsx"
    text.write_text("ref,v\nA,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a readable Excel workbook"):
        read_excel(text)
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="the file is empty"):
        read_excel(empty)
    with pytest.raises(InputError, match="file not found"):
        read_excel(tmp_path / "missing.xlsx")


def test_header_less_sheet_with_given_columns(tmp_path: Path) -> None:
    path = workbook(tmp_path, {"S": [["A", 1], ["B", 2]]})
    extract = read_excel(path, header=False, columns=["ref", "v"])
    assert extract.frame.to_dict("list") == {"ref": ["A", "B"], "v": ["1", "2"]}
    assert extract.line_numbers.tolist() == [1, 2]


def test_check_reads_an_xlsx_by_its_extension(tmp_path: Path) -> None:
    path = workbook(tmp_path, {"Custody": CUSTODY})
    suite = write_suite(
        tmp_path / "s.json",
        [rule("expect_column_values_to_be_between", "AGE", column="age", min_value=10)],
    )
    result = invoke("check", str(path), "--suite", str(suite), "--option", "header_row=2", "--json")
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert document["key_source"] == "line"
    assert document["results"][0]["failing_keys"] == ["5"]  # 7.5 on sheet row 5
