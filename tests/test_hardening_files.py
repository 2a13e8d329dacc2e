"""Issue 11: hostile extracts. Zip bombs (item 5), formulas without cached values (item 7),
the BOM offset (item 11), and a maximum field size (bounded work).

Bombs are built small against lowered limits, except where the issue's own input is
cheap to build (a 50 MB field, a sheet XML that compresses a thousand times).
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from dqaudit.connectors.csv_file import read_csv
from dqaudit.connectors.excel_file import read_excel
from dqaudit.connectors.fixed_width import load_layout, read_fixed_width
from dqaudit.connectors.workbook_checks import WorkbookLimits
from dqaudit.errors import InputError
from tests.conftest import invoke, rule, write_suite

SHEET = "xl/worksheets/sheet1.xml"


def _workbook(tmp_path: Path, rows: list[list[Any]], name: str = "book.xlsx") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Records"
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def _rewrite(path: Path, change: dict[str, Any]) -> Path:
    """The same workbook with some parts replaced (bytes, or a function of the bytes)."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    for name, new in change.items():
        parts[name] = new(parts[name]) if callable(new) else new
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


RECORDS = [["ref", "value"], ["R1", 1], ["R2", 2]]


# --- item 5: zip bombs -----------------------------------------------------------------------


def test_a_sheet_that_compresses_a_thousand_times_is_refused_by_default(tmp_path: Path) -> None:
    """The issue's bomb shape: a small file whose sheet XML expands enormously."""
    padding = b" " * (30 * 1024 * 1024)
    path = _rewrite(
        _workbook(tmp_path, RECORDS),
        {SHEET: lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + padding)},
    )
    assert path.stat().st_size < 200_000
    with pytest.raises(InputError) as caught:
        read_excel(path)
    message = caught.value.message
    assert f"{path} [part {SHEET}]: expands" in message
    assert "more than max_compression_ratio (100); a zip bomb?" in message


def test_part_and_total_sizes_are_bounded(tmp_path: Path) -> None:
    path = _workbook(tmp_path, RECORDS)
    with pytest.raises(InputError, match=r"\[part xl/theme/theme1\.xml\]: expands to [\d,]+ bytes, "
                       r"more than max_part_bytes \(1,000\)"):  # fmt: skip
        read_excel(path, limits=WorkbookLimits(max_part_bytes=1000))
    with pytest.raises(InputError, match=r"expand to more than max_uncompressed_bytes \(3,000\)"):
        read_excel(path, limits=WorkbookLimits(max_uncompressed_bytes=3000))


def _lie_about_size(path: Path, part: str, declared: int) -> None:
    """Patch the zip so that ``part`` declares ``declared`` uncompressed bytes."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(part)
    struct.pack_into("<I", data, info.header_offset + 22, declared)  # local header
    central = data.index(b"PK\x01\x02")
    while True:  # find the central directory entry with this name
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46 : central + 46 + name_length]) == part.encode():
            break
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, declared)
    path.write_bytes(bytes(data))


def test_a_part_that_inflates_past_its_declared_size_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path, RECORDS)
    _lie_about_size(path, SHEET, 100)
    with pytest.raises(InputError, match=r"inflates past its declared size of 100 bytes"):
        read_excel(path)


def test_a_cell_at_the_far_corner_is_refused_before_the_grid_is_built(tmp_path: Path) -> None:
    """One cell at XFD1048576 would make a dense grid of 17 billion cells."""
    book = openpyxl.Workbook()
    book.active["A1"] = "ref"
    book.active["XFD1048576"] = "x"
    path = tmp_path / "corner.xlsx"
    book.save(path)
    with pytest.raises(InputError) as caught:
        read_excel(path)
    assert "the sheet's grid is 1,048,576 rows by 16,384 columns, more than max_cells" in (
        caught.value.message
    )


def test_max_cells_is_an_option_with_a_clear_error(tmp_path: Path) -> None:
    path = _workbook(tmp_path, RECORDS)
    suite = write_suite(tmp_path / "s.json", [rule("expect_column_to_exist", column="ref")])
    result = invoke("check", str(path), "--suite", str(suite), "--option", "max_cells=5")
    assert result.exit_code == 2
    assert "grid is 3 rows by 2 columns, more than max_cells (5)" in result.stderr
    result = invoke("check", str(path), "--suite", str(suite), "--option", "max_cells=0")
    assert result.exit_code == 2
    assert "option 'max_cells' must be a whole number from 1, not 0" in result.stderr
    assert invoke("check", str(path), "--suite", str(suite)).exit_code == 0


def test_an_ods_and_an_xls_keep_reading(tmp_path: Path) -> None:
    """Limits apply to every workbook kind; ordinary files still read."""
    from tests.test_connectors_excel import workbook

    path = workbook(tmp_path, {"S": RECORDS})
    assert read_excel(path).frame["ref"].tolist() == ["R1", "R2"]


# --- item 7: formulas without a cached value --------------------------------------------------


def test_formula_cells_without_cached_values_are_an_error_naming_them(tmp_path: Path) -> None:
    rows = [["ref", "value"], *[[f"R{n}", f"=ROW()*{n}"] for n in range(1, 9)]]
    path = _workbook(tmp_path, rows)
    suite = write_suite(
        tmp_path / "s.json", [rule("expect_column_values_to_not_be_null", column="value")]
    )
    result = invoke("check", str(path), "--suite", str(suite))
    assert result.exit_code == 2, result.output
    assert (
        f"{path} [part {SHEET}]: 8 formula cell(s) have no cached value (B2, B3, B4, B5, B6 "
        "and 3 more), so they would read as empty" in result.stderr
    )
    # documented: formulas: cached reads the cached values, and none is read as empty
    cached = invoke(
        "check", str(path), "--suite", str(suite), "--option", "formulas=cached", "--json"
    )
    assert cached.exit_code == 1
    assert json.loads(cached.stdout)["results"][0]["unexpected_count"] == 8


def test_formulas_with_cached_values_read_their_values(tmp_path: Path) -> None:
    path = _rewrite(
        _workbook(tmp_path, [["ref", "value", "label"], ["R1", "=1+1", '=""']]),
        {
            SHEET: lambda xml: xml.replace(b"<f>1+1</f><v />", b"<f>1+1</f><v>2</v>").replace(
                b'<c r="C2"><f>""</f><v />', b'<c r="C2" t="str"><f>""</f><v />'
            )
        },
    )
    frame = read_excel(path).frame
    assert frame["value"].tolist() == ["2"]
    assert frame["label"].isna().all()  # a cached empty text result is an empty cell


def test_the_formulas_option_is_checked(tmp_path: Path) -> None:
    path = _workbook(tmp_path, RECORDS)
    suite = write_suite(tmp_path / "s.json", [rule("expect_column_to_exist", column="ref")])
    result = invoke("check", str(path), "--suite", str(suite), "--option", "formulas=compute")
    assert result.exit_code == 2
    assert "option 'formulas' must be error or cached, not 'compute'" in result.stderr


# --- item 11: the byte offset in the BOM + Windows-1252 error ---------------------------------


def test_a_bad_byte_after_a_bom_is_reported_on_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfref,name\nR1,Ann\nR2,Bob\n\xe9R3,Zo\xe9\n")
    with pytest.raises(InputError) as caught:
        read_csv(path)
    assert caught.value.message == (
        f"{path}: line 4 is not valid utf-8-sig (byte 0xe9 at byte 1 of the line, offset 26 "
        "in the file); give the file's real encoding"
    )


# --- bounded work: the largest field ----------------------------------------------------------


def test_a_50_mb_single_field_is_refused_naming_line_and_column(tmp_path: Path) -> None:
    """The issue's input: one 50 MB field (15 s and 327 MB on main)."""
    path = tmp_path / "huge.csv"
    path.write_bytes(b"ref,note,flag\nR1,short,Y\nR2," + b"x" * (50 * 1024 * 1024) + b",N\n")
    with pytest.raises(InputError) as caught:
        read_csv(path)
    assert caught.value.message == (
        f"{path}: line 3, column 2: a field of 52,428,800 characters is longer than "
        "max_field_size (1,048,576); check the extract, or raise max_field_size"
    )


def test_a_quoted_field_over_the_limit_is_refused_naming_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "quoted.csv"
    path.write_text('ref,note\n"R1","ok"\n"R2","a, b\n' + "y" * 200 + '"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"line 3, column 2: a field of more than that "
                       r"characters is longer than max_field_size \(100\)"):  # fmt: skip
        read_csv(path, max_field_size=100)
    assert len(read_csv(path, max_field_size=300).frame) == 2


def test_a_multibyte_field_is_measured_in_characters(tmp_path: Path) -> None:
    path = tmp_path / "accents.csv"
    path.write_text("ref,name\nR1," + "é" * 80 + "\n", encoding="utf-8")  # 160 bytes
    assert read_csv(path, max_field_size=100).frame["name"].str.len().tolist() == [80]
    with pytest.raises(InputError, match=r"line 2, column 2: a field of 80 characters"):
        read_csv(path, max_field_size=79)


def test_max_field_size_is_a_connector_option(tmp_path: Path) -> None:
    path = tmp_path / "records.csv"
    path.write_text("ref,note\nR1,abcdefghijkl\n", encoding="utf-8")
    suite = write_suite(tmp_path / "s.json", [rule("expect_column_to_exist", column="ref")])
    result = invoke("check", str(path), "--suite", str(suite), "--option", "max_field_size=10")
    assert result.exit_code == 2
    assert "line 2, column 2: a field of 12 characters is longer than max_field_size" in (
        result.stderr
    )
    result = invoke("check", str(path), "--suite", str(suite), "--option", "max_field_size=-1")
    assert "option 'max_field_size' must be a whole number of characters from 1" in result.stderr


def test_a_workbook_cell_over_the_limit_is_refused_naming_the_cell(tmp_path: Path) -> None:
    path = _workbook(tmp_path, [["ref", "note"], ["R1", "ok"], ["R2", "z" * 500]])
    with pytest.raises(InputError) as caught:
        read_excel(path, max_field_size=100)
    assert "[sheet Records]: cell B3 holds 500 characters, more than max_field_size (100)" in (
        caught.value.message
    )


def test_a_fixed_width_layout_wider_than_the_limit_is_refused(tmp_path: Path) -> None:
    layout = tmp_path / "layout.yml"
    layout.write_text(
        "fields:\n  - {name: ref, start: 1, width: 4, type: string}\n"
        "  - {name: note, start: 5, width: 200, type: string}\n",
        encoding="utf-8",
    )
    data = tmp_path / "records.dat"
    data.write_text("R001" + "x" * 200 + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"field 'note' is 200 characters wide, more than "
                       r"max_field_size \(100\)"):  # fmt: skip
        read_fixed_width(data, load_layout(layout), max_field_size=100)
    assert len(read_fixed_width(data, load_layout(layout)).frame) == 1
