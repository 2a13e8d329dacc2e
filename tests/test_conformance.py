"""One audit, every connector: the same GX core rules give the same failing keys.

The same 24 records are written as CSV (text), Excel (typed cells: numbers and datetimes),
fixed-width (a typed layout) and into SQLite, PostgreSQL and MariaDB tables with each
database's own types, then audited in pull and pushdown modes. Every run must report
exactly the failing keys listed in EXPECTED, which were worked out by hand from the data:
nulls, out-of-range numbers, bad codes (including a lost leading zero), a regex that must
be case-sensitive, duplicates, a pair order, and a conditional rule. Custom rules (the
police rule library) join by adding to RULES on the engines they support.

The databases are real servers (DQAUDIT_TEST_PG_URL, DQAUDIT_TEST_MYSQL_URL): skipped with
a reason when absent, required under CI=true.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dqaudit.connectors.base import DatabaseExtract
from dqaudit.connectors.registry import get_connector
from dqaudit.engine.run import run_suite
from tests.conftest import rule

COLUMNS = [
    "ref",
    "force_code",
    "age",
    "pnc_id",
    "custody_no",
    "arrest_datetime",
    "release_datetime",
    "disposal",
    "charge_datetime",
]
T0 = dt.datetime(2023, 3, 1, 9, 30)


def _row(ref: str, **changes: Any) -> dict[str, Any]:
    number = int(ref[1:])
    base = {
        "ref": ref,
        "force_code": "20",
        "age": 30 + number,
        "pnc_id": f"{20 + number % 5}/{1000 + number}{chr(65 + number % 26)}",
        "custody_no": f"C{number:03d}",
        "arrest_datetime": T0 + dt.timedelta(days=number),
        "release_datetime": T0 + dt.timedelta(days=number, hours=8),
        "disposal": "CHG",
        "charge_datetime": T0 + dt.timedelta(days=number, hours=6),
    }
    base.update(changes)
    return base


# Each defect is commented with the rule it breaks; other rows are clean.
ROWS = [
    _row("R01"),
    _row("R02", force_code=None),  # CON-01 not null
    _row("R03", force_code="99"),  # CON-02 unknown force
    _row("R04", force_code="1"),  # CON-02 leading zero lost ("01")
    _row("R05", age=5),  # CON-03 below 10
    _row("R06", age=150),  # CON-03 above 110
    _row("R07", age=None),  # null age: ignored by the between rule
    _row("R08", pnc_id="2O/1234A"),  # CON-04 letter O for zero
    _row("R09", pnc_id="21/1009j"),  # CON-04 lower-case check letter (case-sensitive)
    _row("R10", pnc_id=None),  # null: ignored by the regex rule
    _row("R11", custody_no="C011"),  # CON-05 duplicate with R12
    _row("R12", custody_no="C011"),  # CON-05
    _row("R13", custody_no=None),  # null: ignored by the unique rule
    _row("R14", release_datetime=T0 + dt.timedelta(days=13, hours=-2)),  # CON-06 before arrest
    _row("R15", release_datetime=T0 + dt.timedelta(days=15)),  # equal to arrest: allowed
    _row("R16", release_datetime=None),  # missing: the pair rule ignores the row
    _row("R17", charge_datetime=None),  # CON-07 charged without a charge time
    _row("R18", disposal="NFA", charge_datetime=None),  # not charged: no charge time needed
    _row("R19", disposal=None, charge_datetime=None),  # no disposal: condition false
    _row("R20", force_code="01"),  # a valid code with its leading zero
    _row("R21", force_code="43", age=10),  # boundaries are inside the range
    _row("R22", age=110),
    _row("R23", pnc_id="22/1A"),
    _row("R24", disposal="CHG", charge_datetime=T0),
]

RULES = [
    rule("expect_column_values_to_not_be_null", "CON-01", column="force_code"),
    rule(
        "expect_column_values_to_be_in_set",
        "CON-02",
        column="force_code",
        value_set=["01", "20", "43"],
    ),
    rule("expect_column_values_to_be_between", "CON-03", column="age", min_value=10, max_value=110),
    rule(
        "expect_column_values_to_match_regex",
        "CON-04",
        column="pnc_id",
        regex="^[0-9]{2}/[0-9]{1,7}[A-Z]$",
    ),
    rule("expect_column_values_to_be_unique", "CON-05", column="custody_no"),
    rule(
        "expect_column_pair_values_a_to_be_greater_than_b",
        "CON-06",
        meta={"value_type": "datetime"},
        column_A="release_datetime",
        column_B="arrest_datetime",
        or_equal=True,
    ),
    rule(
        "expect_column_values_to_not_be_null",
        "CON-07",
        column="charge_datetime",
        row_condition='col("disposal")=="CHG"',
        condition_parser="great_expectations",
    ),
    rule("expect_table_row_count_to_be_between", "CON-08", min_value=1, max_value=1000),
]

EXPECTED = {
    "CON-01": ["R02"],
    "CON-02": ["R03", "R04"],
    "CON-03": ["R05", "R06"],
    "CON-04": ["R08", "R09"],
    "CON-05": ["R11", "R12"],
    "CON-06": ["R14"],
    "CON-07": ["R17"],
    "CON-08": None,  # table-level: passes, no keys
}

SUITE = {"name": "conformance", "expectations": RULES}
CONNECTORS = [
    ("csv", "pull"),
    ("excel", "pull"),
    ("fixed_width", "pull"),
    ("sqlite", "pull"),
    ("sqlite", "pushdown"),
    ("postgresql", "pull"),
    ("postgresql", "pushdown"),
    ("mariadb", "pull"),
    ("mariadb", "pushdown"),
]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)


def write_csv(folder: Path, rows: list[dict[str, Any]] = ROWS) -> Path:
    path = folder / "records.csv"
    lines = [",".join(COLUMNS)] + [",".join(_text(r[c]) for c in COLUMNS) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_excel(folder: Path, rows: list[dict[str, Any]] = ROWS) -> Path:
    """Typed cells as a person would key them: numbers and datetimes, codes as text."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Custody"
    sheet.append(["Custody extract (conformance)"])  # a title row above the header
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append([row[c] for c in COLUMNS])
    path = folder / "records.xlsx"
    workbook.save(path)
    return path


WIDTHS = {
    "ref": ("string", 4),
    "force_code": ("string", 3),
    "age": ("integer", 4),
    "pnc_id": ("string", 12),
    "custody_no": ("string", 5),
    "arrest_datetime": ("datetime", 19),
    "release_datetime": ("datetime", 19),
    "disposal": ("string", 4),
    "charge_datetime": ("datetime", 19),
}


def write_fixed_width(folder: Path, rows: list[dict[str, Any]] = ROWS) -> tuple[Path, Path]:
    import yaml

    fields, start = [], 1
    for name in COLUMNS:
        kind, width = WIDTHS[name]
        fields.append({"name": name, "start": start, "width": width, "type": kind})
        start += width
    layout = folder / "records.layout.yml"
    layout.write_text(yaml.safe_dump({"fields": fields}), encoding="utf-8")
    lines = []
    for row in rows:
        parts = []
        for name in COLUMNS:
            kind, width = WIDTHS[name]
            text = _text(row[name])
            parts.append(text.rjust(width) if kind == "integer" else text.ljust(width))
        lines.append("".join(parts))
    path = folder / "records.dat"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, layout


DDL = {
    "sqlite": "ref TEXT PRIMARY KEY, force_code TEXT, age INTEGER, pnc_id TEXT, custody_no TEXT, "
    "arrest_datetime TEXT, release_datetime TEXT, disposal TEXT, charge_datetime TEXT",
    "postgresql": "ref text PRIMARY KEY, force_code text, age integer, pnc_id text, "
    "custody_no text, arrest_datetime timestamp, release_datetime timestamp, disposal text, "
    "charge_datetime timestamp",
    # Binary collation: MariaDB's default collations compare text case-insensitively, which
    # would let '21/1009j' match [A-Z]; records systems should use _bin or _cs for codes.
    "mariadb": "ref varchar(8) PRIMARY KEY, force_code varchar(4), age int, pnc_id varchar(16), "
    "custody_no varchar(8), arrest_datetime datetime, release_datetime datetime, "
    "disposal varchar(4), charge_datetime datetime) COLLATE utf8mb4_bin",
}


def create_table(url: str, dialect: str, table: str, rows: list[dict[str, Any]] = ROWS) -> None:
    """Write the records with a normal (read-write) session: the audit's own are read-only."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    ddl = DDL[dialect]
    closing = "" if dialect == "mariadb" else ")"
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
        connection.execute(sa.text(f"CREATE TABLE {table} ({ddl}{closing}"))
        values = [
            {c: (_text(r[c]) or None) if dialect == "sqlite" else r[c] for c in COLUMNS}
            for r in rows
        ]
        placeholders = ", ".join(f":{c}" for c in COLUMNS)
        connection.execute(sa.text(f"INSERT INTO {table} VALUES ({placeholders})"), values)
    engine.dispose()


def drop_table(url: str, table: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
    engine.dispose()


@pytest.fixture
def dataset(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, dict]]:
    """(connector type, options) for one connector and mode, with its data in place."""
    kind, mode = request.param
    if kind == "csv":
        yield "csv", {"path": str(write_csv(tmp_path))}
    elif kind == "excel":
        yield "excel", {"path": str(write_excel(tmp_path)), "sheet": "Custody", "header_row": 2}
    elif kind == "fixed_width":
        path, layout = write_fixed_width(tmp_path)
        yield "fixed_width", {"path": str(path), "layout": str(layout)}
    else:
        if kind == "sqlite":
            url = f"sqlite:///{tmp_path / 'records.db'}"
        else:
            url = request.getfixturevalue("pg_url" if kind == "postgresql" else "mysql_url")
        table = f"conformance_{uuid.uuid4().hex[:10]}"
        create_table(url, kind, table)
        yield "sql", {"url": url, "table": table, "mode": mode}
        drop_table(url, table)


@pytest.mark.parametrize(
    "dataset", CONNECTORS, indirect=True, ids=[f"{k}-{m}" for k, m in CONNECTORS]
)
def test_every_connector_finds_the_same_failing_keys(dataset: tuple[str, dict]) -> None:
    connector, options = dataset
    extract = get_connector(connector).extract(options, base_dir=Path("."))
    assert isinstance(extract, DatabaseExtract) == (options.get("mode") == "pushdown")
    result = run_suite(extract, SUITE, key="ref")
    assert result.rows == len(ROWS)
    assert result.key_source == "column"
    found = {}
    for rule_result in result.results:
        assert rule_result.error is None, (rule_result.rule.rule_id, rule_result.error)
        keys = rule_result.failing_keys
        found[rule_result.rule.rule_id] = None if keys is None else sorted(keys)
        expected = EXPECTED[rule_result.rule.rule_id]
        assert rule_result.success is (not expected), rule_result.rule.rule_id
        if expected is not None:
            assert rule_result.unexpected_count == len(expected), rule_result.rule.rule_id
    assert found == EXPECTED
    assert result.status == "failed"


def test_expected_keys_follow_from_the_data() -> None:
    """The oracle itself, checked against the rows in plain Python (no GX, no pandas)."""
    import re
    from collections import Counter

    duplicates = Counter(r["custody_no"] for r in ROWS if r["custody_no"])
    derived = {
        "CON-01": [r["ref"] for r in ROWS if r["force_code"] is None],
        "CON-02": [
            r["ref"] for r in ROWS if r["force_code"] and r["force_code"] not in ("01", "20", "43")
        ],
        "CON-03": [r["ref"] for r in ROWS if r["age"] is not None and not 10 <= r["age"] <= 110],
        "CON-04": [
            r["ref"]
            for r in ROWS
            if r["pnc_id"] and not re.fullmatch(r"[0-9]{2}/[0-9]{1,7}[A-Z]", r["pnc_id"])
        ],
        "CON-05": [r["ref"] for r in ROWS if r["custody_no"] and duplicates[r["custody_no"]] > 1],
        "CON-06": [
            r["ref"]
            for r in ROWS
            if r["release_datetime"] and r["release_datetime"] < r["arrest_datetime"]
        ],
        "CON-07": [
            r["ref"] for r in ROWS if r["disposal"] == "CHG" and r["charge_datetime"] is None
        ],
        "CON-08": None,
    }
    assert derived == EXPECTED
