"""Each connector's ``header``: an extract's column names, without reading its records."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from dqaudit.connectors import registry
from dqaudit.connectors.base import ExtractHeader
from dqaudit.connectors.registry import read_header
from dqaudit.errors import EngineError, InputError


def test_csv_header_is_the_first_record_quoted_or_not(tmp_path: Path) -> None:
    path = tmp_path / "street.csv"
    path.write_bytes(
        b'\xef\xbb\xbf"Crime ID","Crime\ntype",Month\n' + b"a,b,c\n" * 10 + b"\xff\xfe broken"
    )
    header = read_header("csv", {"path": "street.csv"}, tmp_path)
    assert header == ExtractHeader(str(path), ("Crime ID", "Crime\ntype", "Month"))
    assert header.has_lines and header.dialect is None


def test_csv_header_options_as_the_connector_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "pc.csv"
    path.write_text("B1 1AY;10\n", encoding="cp1252")
    named = read_header(
        "csv", {"path": str(path), "header": False, "columns": ["PC", "PQ"]}, tmp_path
    )
    assert named.columns == ("PC", "PQ")
    (tmp_path / "win.csv").write_bytes("Café;Größe\n1;2\n".encode("cp1252"))
    assert read_header("csv", {"path": "win.csv", "delimiter": ";"}, tmp_path).columns == (
        "Café",
        "Größe",
    )


@pytest.mark.parametrize(
    "content, message",
    [
        (b"a,b,a\n1,2,3\n", "column 'a' appears twice in the header"),
        (b"a,,c\n1,2,3\n", "column 2 of the header is blank"),
        (b"\n\n", "the file is empty"),
    ],
)
def test_csv_header_problems_name_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "x.csv").write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_header("csv", {"path": "x.csv"}, tmp_path)
    with pytest.raises(InputError, match="unknown option 'pth'"):
        read_header("csv", {"pth": "x.csv"}, tmp_path)
    with pytest.raises(InputError, match="file not found"):
        read_header("csv", {"path": "absent.csv"}, tmp_path)


def test_excel_header_is_the_header_row(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Records"
    sheet["B1"] = "Custody extract, March"
    sheet["B3"], sheet["C3"] = "custody_ref", "station_code"
    sheet["B4"], sheet["C4"] = "WM/C/1", "BW"
    book.save(tmp_path / "custody.xlsx")
    header = read_header("excel", {"path": "custody.xlsx", "header_row": 3}, tmp_path)
    assert header.columns == ("custody_ref", "station_code")
    assert header.source.endswith("custody.xlsx [sheet Records]")
    with pytest.raises(InputError, match=r"row 9 \(the header row\) is blank or beyond the data"):
        read_header("excel", {"path": "custody.xlsx", "header_row": 9}, tmp_path)
    sheet["D3"] = "custody_ref"
    book.save(tmp_path / "twice.xlsx")
    with pytest.raises(InputError, match="column 'custody_ref' appears twice"):
        read_header("excel", {"path": "twice.xlsx", "header_row": 3}, tmp_path)


def test_fixed_width_header_is_the_layout_without_the_data(tmp_path: Path) -> None:
    (tmp_path / "layout.yml").write_text(
        "fields:\n"
        "  - {name: as_ref, start: 1, width: 9, type: string}\n"
        "  - {name: asn, start: 10, width: 20, type: string}\n"
    )
    options = {"path": "not_yet_delivered.dat", "layout": "layout.yml"}
    assert read_header("fixed_width", options, tmp_path).columns == ("as_ref", "asn")


@pytest.mark.parametrize("mode, dialect", [("pull", None), ("pushdown", "sqlite")])
def test_sql_header_is_the_query_columns(tmp_path: Path, mode: str, dialect: str | None) -> None:
    database = tmp_path / "records.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE nominals (nominal_ref TEXT, pnc_id TEXT)")
        connection.execute("INSERT INTO nominals VALUES ('N1', '2001/0171310W')")
    url = f"sqlite:///{database}"
    header = read_header("sql", {"url": url, "table": "nominals", "mode": mode}, tmp_path)
    assert header.columns == ("nominal_ref", "pnc_id")
    assert not header.has_lines and header.dialect == dialect
    query = {"url": url, "query": "SELECT pnc_id AS id FROM nominals", "mode": mode}
    assert read_header("sql", query, tmp_path).columns == ("id",)
    with pytest.raises(InputError, match="cannot read table or view 'absent'"):
        read_header("sql", {"url": url, "table": "absent"}, tmp_path)


def test_sql_header_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    import sqlalchemy as sa

    table = f"header_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(pg_url)
    with engine.begin() as connection:
        connection.execute(sa.text(f'CREATE TABLE "{table}" (uprn BIGINT, postcode TEXT)'))
    try:
        options = {"url": pg_url, "table": table, "mode": "pushdown"}
        header = read_header("sql", options, tmp_path)
        assert header.columns == ("uprn", "postcode") and header.dialect == "postgresql"
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f'DROP TABLE "{table}"'))
        engine.dispose()


class HeaderlessConnector:
    description = "an older plugin"

    def extract(self, options: dict[str, Any], *, base_dir: Path) -> Any:
        raise AssertionError("lint must not read the extract")


class BrokenHeaderConnector(HeaderlessConnector):
    def header(self, options: dict[str, Any], *, base_dir: Path) -> Any:
        return ["not", "a", "header"]


def test_a_plugin_without_header_is_allowed_and_a_bad_one_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry, "get_connector", lambda name: HeaderlessConnector())
    assert read_header("old", {}, tmp_path) is None
    monkeypatch.setattr(registry, "get_connector", lambda name: BrokenHeaderConnector())
    with pytest.raises(EngineError, match=r"connector 'old': header\(\) returned list"):
        read_header("old", {}, tmp_path)
