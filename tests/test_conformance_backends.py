"""One truth: the same suite gives the same document on every backend.

Every template suite runs on its sample extract read from the CSV file (pandas), and from
the same rows loaded as text into SQLite, PostgreSQL and MariaDB (binary collation), both
pulled into memory and validated in the database (pushdown). The documents must be
identical: status, per-rule outcome and counts, failing keys as sorted multisets, error
and exit code. Where a backend lacks a rule (geometry, timing and the derivations
without a SQL form run in memory only), every database backend gives the same exit-2
error naming that rule, before any data is read; ``reference_exists`` derived in the
database is held to the pandas answer in test_derivation_sql. Then the defects this was built to remove, each as a case.

The database servers are real (DQAUDIT_TEST_PG_URL, DQAUDIT_TEST_MYSQL_URL): skipped
with a reason when absent, required under CI=true.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dqaudit.connectors.base import FrameExtract
from dqaudit.connectors.csv_file import read_csv
from dqaudit.connectors.registry import get_connector
from dqaudit.engine.run import run_suite
from dqaudit.errors import DqauditError, ExitCode
from dqaudit.expectations.suite import load_suite, suite_from_dict
from tests.conftest import SAMPLE_DATA, rule

SUITES = SAMPLE_DATA / "workspace" / "suites"
# suite -> (the extract as CSV text, its key)
TEMPLATES = {
    "pnc_nominals": ("pnc/nominals.csv", ["nominal_ref"]),
    "pnc_arrest_summons": ("pnc/arrest_summons.csv", ["as_ref"]),
    "gazetteer_addresses": ("gazetteer/addresses.csv", ["address_id"]),
    "custody_records": ("custody/custody_records.csv", ["custody_ref"]),
    "custody_reviews": ("custody/reviews.csv", ["review_ref"]),
}
DATABASES = ["sqlite", "postgresql", "mariadb"]
# Enough rows to hold planted defects of every rule, few enough to keep the test quick.
ROWS_PER_TEMPLATE = 600
MODES = ["pull", "pushdown"]


def document(extract: Any, suite: Any, key: list[str] | None) -> dict[str, Any]:
    """What ``dqaudit check --json`` would say, with keys as sorted multisets."""
    try:
        result = run_suite(extract, suite, key=key, timezone="Europe/London")
    except DqauditError as exc:
        return {"exit": int(exc.exit_code), "error": exc.message}
    outcome = result.to_dict()
    exit_code = {"passed": ExitCode.OK, "failed": ExitCode.CHECKS_FAILED}.get(
        outcome["status"], ExitCode.ENGINE_ERROR
    )
    return {
        "exit": int(exit_code),
        "status": outcome["status"],
        "rows": outcome["rows"],
        "key_source": outcome["key_source"],
        "error": outcome["error"],
        "results": [
            {
                "rule_id": r["rule_id"],
                "success": r["success"],
                "unexpected_count": r["unexpected_count"],
                "failing_keys": None
                if r["failing_keys"] is None
                else sorted(Counter(r["failing_keys"]).items()),
                "error": r["error"],
            }
            for r in outcome["results"]
        ],
    }


def database_url(request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        # one database file per test, as one server: a suite's inputs live beside its dataset
        return f"sqlite:///{tmp_path / 'conformance.db'}"
    return str(request.getfixturevalue("pg_url" if kind == "postgresql" else "mysql_url"))


def load_table(
    url: str, kind: str, table: str, rows: list[dict[str, Any]], columns: list[str]
) -> None:
    """The rows as text columns, written with a normal (read-write) session."""
    engine = sa.create_engine(url)
    text = "TEXT COLLATE utf8mb4_bin" if kind == "mariadb" else "TEXT"
    quote = engine.dialect.identifier_preparer.quote
    ddl = ", ".join(f"{quote(c)} {text}" for c in columns)
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
        connection.execute(sa.text(f"CREATE TABLE {table} ({ddl})"))
        if rows:
            names = {c: f"c{i}" for i, c in enumerate(columns)}
            statement = sa.text(
                f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "
                f"VALUES ({', '.join(':' + names[c] for c in columns)})"
            )
            connection.execute(statement, [{names[c]: r[c] for c in columns} for r in rows])
    engine.dispose()


def drop_table(url: str, table: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
    engine.dispose()


def first_rows(extract: FrameExtract, rows: int) -> FrameExtract:
    import dataclasses

    lines = None if extract.line_numbers is None else extract.line_numbers[:rows]
    return dataclasses.replace(extract, frame=extract.frame.head(rows), line_numbers=lines)


def frame_rows(extract: FrameExtract) -> tuple[list[dict[str, Any]], list[str]]:
    frame = extract.frame.astype(object).where(extract.frame.notna(), None)
    return frame.to_dict("records"), [str(c) for c in frame.columns]


@pytest.fixture
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A loader: (database kind, rows, columns) -> {mode: extract}; tables dropped after."""
    made: list[tuple[str, str]] = []

    def load(kind: str, rows: list[dict[str, Any]], columns: list[str]) -> dict[str, Any]:
        url = database_url(request, kind, tmp_path)
        table = f"conf_{uuid.uuid4().hex[:10]}"
        load_table(url, kind, table, rows, columns)
        made.append((url, table))
        return {
            mode: get_connector("sql").extract(
                {"url": url, "table": table, "mode": mode}, base_dir=Path(".")
            )
            for mode in MODES
        }

    yield load
    for url, table in made:
        drop_table(url, table)


def unsupported_rule(error: str) -> str | None:
    match = re.search(r"\(rule ([^,]+), [^)]+\)[^(]*(does not run on|in memory|row order)", error)
    return match.group(1) if match else None


@pytest.mark.parametrize("kind", DATABASES)
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_gives_one_document_on_every_backend(
    name: str, kind: str, databases: Any
) -> None:
    path, key = TEMPLATES[name]
    suite = load_suite(SUITES / f"{name}.json")
    csv_extract = first_rows(read_csv(SAMPLE_DATA / path), ROWS_PER_TEMPLATE)
    expected = document(csv_extract, suite, key)
    assert expected["exit"] in (0, 1), expected  # the sample data audits cleanly
    rows, columns = frame_rows(csv_extract)
    extracts = databases(kind, rows, columns)
    pulled = document(extracts["pull"], suite, key)
    assert pulled == expected, f"{kind} pull differs from the file"
    pushed = document(extracts["pushdown"], suite, key)
    if pushed.get("exit") == 2:
        # a rule that runs in memory only: refused by name, before reading data
        assert unsupported_rule(pushed["error"]), pushed["error"]
    else:
        assert pushed == expected, f"{kind} pushdown differs from the file"


def test_unsupported_rules_are_refused_alike_by_every_database(databases: Any) -> None:
    suite = load_suite(SUITES / "gazetteer_addresses.json")
    rows, columns = frame_rows(read_csv(SAMPLE_DATA / "gazetteer/addresses.csv"))
    errors = {}
    for kind in DATABASES:
        errors[kind] = document(
            databases(kind, rows[:5], columns)["pushdown"], suite, ["address_id"]
        )
    assert all(e["exit"] == 2 for e in errors.values())
    assert len({unsupported_rule(e["error"]) for e in errors.values()}) == 1


# --- the defects this issue removes, each on every backend ---------------------------------

CASE_ROWS = [
    {"id": "1", "force": "20", "s4": "1", "val": "5", "code": "A", "when": "2024-03-01"},
    {"id": "2", "force": "20", "s4": "2", "val": "-1", "code": "B", "when": "2024-03-02"},
    {"id": "3", "force": "43", "s4": "3", "val": "x", "code": "zz", "when": "not a date"},
    {"id": "4", "force": "43", "s4": "4", "val": "7", "code": None, "when": "2024-02-30"},
    {"id": "5", "force": "01", "s4": "5", "val": None, "code": "A", "when": None},
]
CASE_COLUMNS = list(CASE_ROWS[0])


def case_suite(*expectations: dict[str, Any], path: Path | None = None) -> Any:
    document_ = {"name": "case", "expectations": list(expectations)}
    if path is None:
        return suite_from_dict(document_)
    path.write_text(json.dumps(document_), encoding="utf-8")
    return load_suite(path)


def case_frame() -> FrameExtract:
    import numpy as np
    import pandas as pd

    from dqaudit.connectors.base import Fingerprint

    frame = pd.DataFrame(CASE_ROWS, dtype="str")
    return FrameExtract(
        frame, Fingerprint("cases.csv", "-", len(frame), CASE_COLUMNS), np.arange(2, 7)
    )


def every_backend(suite: Any, key: list[str] | None, databases: Any) -> dict[str, Any]:
    documents = {"file": document(case_frame(), suite, key)}
    for kind in DATABASES:
        for mode, extract in databases(kind, CASE_ROWS, CASE_COLUMNS).items():
            documents[f"{kind} {mode}"] = document(extract, suite, key)
    return documents


def same_everywhere(documents: dict[str, Any]) -> dict[str, Any]:
    first = documents["file"]
    for name, other in documents.items():
        if "error" in other and "status" not in other:
            other = {**other, "error": _without_source(other["error"])}
            first_cmp = {**first, "error": _without_source(first.get("error", ""))}
            assert other == first_cmp, name
        else:
            assert other == first, name
    return first


def _without_source(message: str) -> str:
    """Errors name their extract; the rest must be the same text."""
    return re.sub(r"(cases\.csv|\S+ (table|query) \S+)", "<extract>", message)


@pytest.mark.parametrize(
    "condition",
    [
        {"row_condition": "s4 == 4", "condition_parser": "pandas"},
        {"row_condition": 'col("s4")==4', "condition_parser": "great_expectations"},
        {
            "row_condition": {
                "type": "comparison",
                "column": {"name": "s4"},
                "operator": "==",
                "parameter": 4,
            }
        },
    ],
    ids=["pandas", "great_expectations", "dict"],
)
def test_a_numeric_condition_selects_by_number_on_every_backend(
    condition: dict[str, Any], databases: Any
) -> None:
    # s4 holds 1..5 as text: "s4 == 4" once selected nothing and the rule passed falsely.
    suite = case_suite(rule("expect_column_values_to_not_be_null", "C", column="code", **condition))
    found = same_everywhere(every_backend(suite, ["id"], databases))
    assert found["results"][0]["failing_keys"] == [("4", 1)]


def test_a_condition_with_trailing_text_is_an_input_error(databases: Any) -> None:
    suite = {
        "name": "case",
        "expectations": [
            rule(
                "expect_column_values_to_not_be_null",
                "C",
                column="code",
                row_condition='col("val")>0 and col("id")==1',
                condition_parser="great_expectations",
            )
        ],
    }
    # parsed whole: both halves apply (GX's parser dropped the second)
    found = same_everywhere(every_backend(suite_from_dict(suite), ["id"], databases))
    assert found["results"][0]["success"] is True
    condition = suite["expectations"][0]["kwargs"]
    for text, problem in [
        ('col("val")>0) OR (1=1', "cannot read '='"),
        ('col("val")>0) OR (col("id")==1', "unexpected text after a complete condition"),
    ]:
        condition["row_condition"] = text
        with pytest.raises(DqauditError, match=re.escape(problem)):
            suite_from_dict(suite)


def test_unreadable_typed_values_fail_alike(databases: Any) -> None:
    suite = case_suite(
        rule("expect_column_values_to_be_between", "N", column="val", min_value=0, max_value=10),
        rule(
            "expect_column_values_to_be_between",
            "D",
            column="when",
            min_value="2024-01-01",
            max_value="2024-12-31",
        ),
        rule("expect_column_median_to_be_between", "M", column="val", min_value=0, max_value=10),
    )
    found = same_everywhere(every_backend(suite, ["id"], databases))
    keys = {r["rule_id"]: r["failing_keys"] for r in found["results"]}
    assert keys["N"] == [("2", 1), ("3", 1)]  # -1 is out of range, "x" cannot be read
    assert keys["D"] == [("3", 1), ("4", 1)]  # "not a date", and 30 February
    assert found["results"][2]["success"] is False  # an unreadable value spoils the median


def test_a_composite_key_and_a_regex_alike(databases: Any) -> None:
    suite = case_suite(
        rule("expect_column_values_to_match_regex", "R", column="code", regex="^[A-Z]$")
    )
    found = same_everywhere(every_backend(suite, ["force", "id"], databases))
    assert found["results"][0]["failing_keys"] == [("43|3", 1)]


def test_a_bad_regex_is_the_same_input_error_everywhere(databases: Any) -> None:
    suite = case_suite(rule("expect_column_values_to_match_regex", "R", column="code", regex="("))
    found = same_everywhere(every_backend(suite, ["id"], databases))
    assert found["exit"] == 2 and "is not a valid regular expression" in found["error"]
    assert "SELECT" not in found["error"]


def test_a_code_list_path_relative_to_the_suite_is_read_alike(
    tmp_path: Path, databases: Any
) -> None:
    folder = tmp_path / "suites"
    folder.mkdir()
    (folder / "codes.yml").write_text(
        "name: test codes\nsource: a test\ncodes: [A, B]\n", encoding="utf-8"
    )
    suite = case_suite(
        rule("expect_column_values_to_be_in_code_list", "L", column="code", code_list="codes.yml"),
        path=folder / "case.json",
    )
    found = same_everywhere(every_backend(suite, ["id"], databases))
    assert found["exit"] == 1 and found["results"][0]["failing_keys"] == [("3", 1)]


def test_a_blank_key_is_a_line_in_a_file_and_an_error_in_a_database(databases: Any) -> None:
    suite = case_suite(rule("expect_column_values_to_not_be_null", "C", column="val"))
    documents = every_backend(suite, ["code"], databases)
    assert documents["file"]["results"][0]["failing_keys"] == [("A", 1)]
    blank_key = documents["file"]
    assert blank_key["exit"] == 1
    for name, found in documents.items():
        if name == "file":
            continue
        assert found["exit"] == 2, name
        assert "key column code is blank on 1 row(s)" in found["error"] or (
            "key column(s) code blank on 1 row(s)" in found["error"]
        ), name
