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
from tests.conftest import SAMPLE_DATA, SPARK_SOCKET_WARNING, rule

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
    return result_document(result)


def result_document(result: Any, warnings: bool = False) -> dict[str, Any]:
    """A run's result as compared across backends: exit code, outcome, counts, sorted keys;
    with ``warnings``, the run's and each rule's warnings too."""
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
                **({"warnings": list(found.warnings)} if warnings else {}),
            }
            for r, found in zip(outcome["results"], result.results, strict=True)
        ],
        **({"warnings": list(result.warnings)} if warnings else {}),
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


# --- Spark: the same documents from the shared local session ---------------------------
# Spark tests share the session fixture (conftest: local[1], UI off, one shuffle
# partition); each loads its rows as text columns into a temporary view and reads it with
# the spark connector. py4j's socket ResourceWarning is filtered for these tests only.

SPARK_TEMPLATES = {**TEMPLATES, "pnc_court_results": ("pnc/court_results.csv", ["result_ref"])}


def spark_extract(session: Any, rows: list[dict[str, Any]], columns: list[str]) -> Any:
    """The rows as a Spark table of text columns, read through the spark connector."""
    from dqaudit.connectors.spark import extract_table
    from dqaudit.connectors.spark_session import SparkSessionInfo

    schema = ", ".join(f"`{c.replace('`', '``')}` string" for c in columns)
    dataframe = session.createDataFrame([[r[c] for c in columns] for r in rows], schema)
    view = f"conf_{uuid.uuid4().hex[:10]}"
    dataframe.createOrReplaceTempView(view)
    return extract_table(SparkSessionInfo(session, "session local[1]", False, False), view)


@pytest.mark.parametrize("name", sorted(SPARK_TEMPLATES))
@pytest.mark.spark
@pytest.mark.filterwarnings(SPARK_SOCKET_WARNING)
def test_every_template_gives_the_files_document_on_spark(name: str, spark: Any) -> None:
    path, key = SPARK_TEMPLATES[name]
    suite = load_suite(SUITES / f"{name}.json")
    csv_extract = first_rows(read_csv(SAMPLE_DATA / path), ROWS_PER_TEMPLATE)
    expected = document(csv_extract, suite, key)
    assert expected["exit"] in (0, 1), expected
    found = document(spark_extract(spark, *frame_rows(csv_extract)), suite, key)
    assert found == expected, "Spark differs from the file"
    assert any(r["failing_keys"] for r in found["results"]), "no rule failed: a weak case"


def file_and_spark(session: Any, suite: Any, key: list[str], rows: list[dict[str, Any]]) -> Any:
    import numpy as np
    import pandas as pd

    from dqaudit.connectors.base import Fingerprint

    columns = list(rows[0])
    frame = pd.DataFrame(rows, dtype="str")
    on_file = FrameExtract(
        frame, Fingerprint("cases.csv", "-", len(frame), columns), np.arange(2, len(rows) + 2)
    )
    return document(on_file, suite, key), document(
        spark_extract(session, rows, columns), suite, key
    )


@pytest.mark.spark
@pytest.mark.filterwarnings(SPARK_SOCKET_WARNING)
def test_conditions_typed_values_and_composite_keys_alike_on_spark(
    spark: Any, tmp_path: Path
) -> None:
    (tmp_path / "codes.yml").write_text(
        "name: test codes\nsource: a test\ncodes: [A, B]\n", encoding="utf-8"
    )
    numeric = {"type": "comparison", "column": {"name": "s4"}, "operator": "==", "parameter": 4}
    suite = case_suite(
        rule("expect_column_values_to_not_be_null", "P", column="code", row_condition="s4 == 4"),
        rule(
            "expect_column_values_to_not_be_null",
            "G",
            column="code",
            row_condition='col("s4")==4',
            condition_parser="great_expectations",
        ),
        rule("expect_column_values_to_not_be_null", "D", column="code", row_condition=numeric),
        rule(
            "expect_column_values_to_be_in_set",
            "NOT",
            column="code",
            value_set=["A"],
            row_condition='force != "20" and not when.isnull() and val not in [7, 8]',
            condition_parser="pandas",
        ),
        rule(
            "expect_column_values_to_not_be_null",
            "NONE",
            column="val",
            row_condition='when > date("2030-01-01")',
            condition_parser="great_expectations",
        ),
        rule("expect_column_values_to_be_between", "N", column="val", min_value=0, max_value=10),
        rule(
            "expect_column_values_to_be_between",
            "W",
            column="when",
            min_value="2024-01-01",
            max_value="2024-12-31",
        ),
        rule("expect_column_median_to_be_between", "M", column="val", min_value=0, max_value=10),
        rule("expect_column_values_to_match_regex", "R", column="code", regex="^[A-Z]$"),
        rule("expect_column_values_to_be_in_code_list", "L", column="code", code_list="codes.yml"),
        rule("expect_column_values_to_be_unique", "U", column="force"),
        rule("expect_column_values_to_not_be_null", "MOSTLY", column="code", mostly=0.7),
        rule("expect_table_columns_to_match_set", "T", column_set=CASE_COLUMNS),
        path=tmp_path / "case.json",
    )
    on_file, on_spark = file_and_spark(spark, suite, ["force", "id"], CASE_ROWS)
    assert on_spark == on_file
    keys = {r["rule_id"]: r["failing_keys"] for r in on_spark["results"]}
    assert keys["P"] == keys["G"] == keys["D"] == [("43|4", 1)]
    assert keys["N"] == [("20|2", 1), ("43|3", 1)] and keys["W"] == [("43|3", 1), ("43|4", 1)]
    assert keys["R"] == keys["L"] == [("43|3", 1)]
    mostly = next(r for r in on_spark["results"] if r["rule_id"] == "MOSTLY")
    assert mostly["success"] is True and mostly["failing_keys"] == [("43|4", 1)]


POLICE_ROWS = [
    {
        "force": force,
        "ref": str(n),
        "pnc_id": pnc,
        "postcode": postcode,
        "asn": asn,
        "vrm": vrm,
        "seen": seen,
        "received": received,
        "entered": entered,
        "arrested": arrested,
        "kind": kind,
    }
    for n, (force, pnc, postcode, asn, vrm, seen, received, entered, arrested, kind) in enumerate(
        [
            (
                "01",
                "2001/0171310W",
                "B1 1AY",
                "1101ZD0100000448754K",
                "AB12 CDE",
                "2013-01-01",
                "2024-03-01 09:00",
                "2024-03-02 09:00",
                "2024-03-01 08:00",
                "A",
            ),
            (
                "01",
                "2001/0171310X",
                "b1 1ay",
                "1101ZD0100000448754L",
                "AB12 CDI",
                "2013-01-01",
                "2024-03-01 09:00",
                "2024-03-20 09:00",
                "2024-03-01 08:00",
                "A",
            ),
            (
                "02",
                "79/163001B",
                None,
                "11/01ZD/01/448754K",
                "AB12 CDE",
                "2011-01-01",
                "2024-10-27 01:30",
                "2024-10-27 01:10",
                "2024-10-27 01:30",
                "B",
            ),
            (
                "02",
                "2999/0171310M",
                "GIR 0AA",
                None,
                None,
                None,
                "2024-03-30 23:00",
                None,
                "2024-03-31 02:30",
                "A",
            ),
            (
                "03",
                None,
                "QA1 1AA",
                "11B01ZD0100000448754L",
                "A123 BCD",
                "not a date",
                "2024-03-31 00:30",
                "2024-03-31 03:30",
                "2024-03-31 05:00",
                "B",
            ),
            (
                "03",
                "2008/0056560Z",
                "EC1A 1BB",
                "1101zd0100000448754K",
                "ab12 cde",
                "2024-01-01",
                "not a time",
                "2024-03-01 09:00",
                None,
                "A",
            ),
        ]
    )
]


@pytest.mark.spark
@pytest.mark.filterwarnings(SPARK_SOCKET_WARNING)
def test_the_police_rules_alike_on_spark(spark: Any) -> None:
    """Identifiers natively, timeliness and order through the timing functions in UDFs,
    with a composite key, row conditions, ``mostly`` and a clock-change warning."""
    suite = case_suite(
        rule("expect_column_values_to_be_valid_pnc_id", "PNC", column="pnc_id"),
        rule(
            "expect_column_values_to_be_valid_uk_postcode",
            "PC",
            column="postcode",
            row_condition='kind == "A"',
            condition_parser="pandas",
        ),
        rule("expect_column_values_to_be_valid_asn", "ASN", column="asn", mostly=0.5),
        rule(
            "expect_column_pair_values_to_be_valid_uk_vrm_on_date",
            "VRM",
            column_A="vrm",
            column_B="seen",
        ),
        rule(
            "expect_column_pair_values_to_be_within_hours",
            "HOURS",
            column_A="received",
            column_B="entered",
            max_hours=168,
            mostly=0.5,
        ),
        rule(
            "expect_multicolumn_datetimes_to_be_in_order",
            "ORDER",
            column_list=["arrested", "received", "entered"],
            row_condition='force != "01"',
            condition_parser="pandas",
        ),
        rule(
            "expect_multicolumn_datetimes_to_be_within_hours",
            "FIRST",
            column_list=["arrested", "received", "entered"],
            max_hours=24,
        ),
    )
    on_file, on_spark = file_and_spark(spark, suite, ["force", "ref"], POLICE_ROWS)
    assert on_spark == on_file
    assert all(r["error"] is None for r in on_spark["results"])
    failing = [r["rule_id"] for r in on_spark["results"] if r["failing_keys"]]
    assert failing == ["PNC", "PC", "ASN", "VRM", "HOURS", "ORDER", "FIRST"]
    # rows listed for checking (the repeated autumn hour), with their keys, alike
    import pandas as pd

    listed = {}
    for name, data in {
        "file": pd.DataFrame(POLICE_ROWS, dtype="str"),
        "spark": spark_extract(spark, POLICE_ROWS, list(POLICE_ROWS[0])),
    }.items():
        result = run_suite(data, suite, key=["force", "ref"], timezone="Europe/London")
        listed[name] = [(r.warnings, r.warning_keys) for r in result.results]
    assert listed["spark"] == listed["file"]
    assert any(keys for _, keys in listed["spark"])


@pytest.mark.spark
@pytest.mark.filterwarnings(SPARK_SOCKET_WARNING)
def test_spark_refuses_rules_it_cannot_run_and_blank_keys_by_name(spark: Any) -> None:
    boundary = case_suite(
        rule(
            "expect_column_pair_values_to_be_shared_by_at_most",
            "S",
            column_A="val",
            column_B="code",
            max_rows=2,
        )
    )
    found = document(spark_extract(spark, CASE_ROWS, CASE_COLUMNS), boundary, ["id"])
    assert found["exit"] == 2
    assert "rule S, " in found["error"]
    assert (
        "rule expect_column_pair_values_to_be_shared_by_at_most does not run on the spark "
        "engine (it runs on: pandas)"
    ) in found["error"]
    order = case_suite(
        rule(
            "expect_column_values_to_be_increasing", "I", column="s4", meta={"value_type": "number"}
        )
    )
    found = document(spark_extract(spark, CASE_ROWS, CASE_COLUMNS), order, ["id"])
    assert found["exit"] == 2 and "no row order" in found["error"]
    nulls = case_suite(rule("expect_column_values_to_not_be_null", "C", column="val"))
    found = document(spark_extract(spark, CASE_ROWS, CASE_COLUMNS), nulls, ["code"])
    assert found["exit"] == 2 and "key column code is blank on 1 row(s)" in found["error"]
    found = document(spark_extract(spark, CASE_ROWS, CASE_COLUMNS), nulls, None)
    assert found["exit"] == 2 and "key" in found["error"]
    derived = suite_from_dict(
        {
            "name": "derived",
            "meta": {"dqaudit": {"derivation": {"kind": "duplicate_addresses"}}},
            "expectations": [rule("expect_column_values_to_not_be_null", "D", column="val")],
        }
    )
    found = document(spark_extract(spark, CASE_ROWS, CASE_COLUMNS), derived, ["id"])
    assert found["exit"] == 2
    assert "derivation (duplicate_addresses) builds its dataset in memory" in found["error"]
    assert "does not run on spark" in found["error"]
    assert "export it to a file" in found["error"] and "sql connector" not in found["error"]


def _spark_and_file_inputs(spark: Any, files: dict[str, tuple[str, dict[str, Any]]]) -> Any:
    """Loaders of derivation inputs: each a file read into memory, or the same rows as a
    Spark table."""
    extracts = {
        name: get_connector("csv").extract(
            {"path": str(SAMPLE_DATA / path), **options}, base_dir=Path(".")
        )
        for name, (path, options) in files.items()
    }

    def on_spark(name: str) -> Any:
        return spark_extract(spark, *frame_rows(extracts[name]))

    return extracts.__getitem__, on_spark


@pytest.mark.parametrize(
    ("suite_name", "dataset", "key", "inputs"),
    [
        (
            "custody_pace",
            ("custody/custody_records.csv", {}),
            ["custody_ref"],
            {"reviews": ("custody/reviews.csv", {})},
        ),
        (
            "postcodes",
            ("gazetteer/addresses.csv", {}),
            ["address_id"],
            {
                "postcode_directory": (
                    "gazetteer/postcode_directory.csv",
                    {
                        "header": False,
                        "columns": ["PC", "PQ", "EA", "NO", "CY", "RH", "LH", "CC", "DC", "WC"],
                    },
                )
            },
        ),
    ],
    ids=["pace_detentions", "postcode_directory"],
)
@pytest.mark.spark
@pytest.mark.filterwarnings(SPARK_SOCKET_WARNING)
def test_derivations_on_spark_give_the_files_document(
    suite_name: str, dataset: Any, key: list[str], inputs: Any, spark: Any
) -> None:
    """The PACE clock and the postcode directory, built by key on Spark (cogroup), give
    the document the pandas derivation gives."""
    from dqaudit.engine import derivation
    from dqaudit.engine.spark_derivation import derive_on_spark

    if suite_name == "postcodes":
        suite = suite_from_dict(
            {
                "name": "postcodes",
                "meta": {
                    "dqaudit": {
                        "derivation": {
                            "kind": "postcode_directory",
                            "inputs": {"directory": "postcode_directory"},
                        }
                    }
                },
                "expectations": [
                    rule(
                        "expect_column_values_to_be_in_set",
                        "IN",
                        column="postcode_in_directory",
                        value_set=["Y"],
                    ),
                    rule(
                        "expect_column_values_to_be_between",
                        "NEAR",
                        column="distance_to_postcode_m",
                        max_value=100,
                    ),
                ],
            }
        )
    else:
        suite = load_suite(SUITES / f"{suite_name}.json")
    file_inputs, spark_inputs = _spark_and_file_inputs(spark, inputs)
    extract = get_connector("csv").extract(
        {"path": str(SAMPLE_DATA / dataset[0])}, base_dir=Path(".")
    )
    on_file = derivation.derive(suite, extract, file_inputs, "Europe/London").extract
    expected = document(on_file, suite, key)
    assert expected["exit"] == 1, expected
    on_cluster, references = derive_on_spark(
        suite,
        derivation.steps(suite),
        spark_extract(spark, *frame_rows(extract)),
        spark_inputs,
        "Europe/London",
    )
    roles = [r.role for r in references]
    assert roles == [f"derivation input {name}" for name in inputs]
    assert document(on_cluster, suite, key) == expected


@pytest.mark.spark
@pytest.mark.filterwarnings(SPARK_SOCKET_WARNING)
def test_check_and_audit_run_on_a_spark_dataset_match_the_csv(spark: Any, tmp_path: Path) -> None:
    """The commands, end to end: ``check --connector spark`` gives the CSV's document,
    and ``audit run`` of a workspace whose dataset is read by Spark stores the same
    failing keys as the CSV's run (the fixture's session is the one in this process)."""
    from tests.conftest import approve, invoke

    workspaces = {}
    for name in ("csv", "spark"):
        folder = tmp_path / name
        assert invoke("init", str(folder)).exit_code == 0
        if name == "spark":
            config = folder / "dqaudit.yml"
            text = config.read_text(encoding="utf-8")
            text = text.replace("connector: csv ", "connector: spark").replace(
                "path: data/custody_records.csv", "{path: data/custody_records.csv, format: csv}"
            )
            text = text.replace("options:\n          {path", "options: {path")
            config.write_text(text, encoding="utf-8")
        approve(folder, "custody_records")
        workspaces[name] = folder
    data = workspaces["csv"] / "data" / "custody_records.csv"
    suite = workspaces["csv"] / "suites" / "custody_records.json"
    checked = {}
    for name, extra in {
        "csv": [str(data)],
        "spark": ["--connector", "spark", "--option", f"path={data}", "--option", "format=csv"],
    }.items():
        result = invoke("check", *extra, "--suite", str(suite), "--key", "custody_ref", "--json")
        assert result.exit_code == 1, result.output
        found = json.loads(result.stdout)
        checked[name] = [
            (r["rule_id"], r["unexpected_count"], sorted(r["failing_keys"] or []))
            for r in found["results"]
        ]
    assert checked["spark"] == checked["csv"]
    stored = {}
    for name, folder in workspaces.items():
        result = invoke("audit", "run", "-w", str(folder))
        assert result.exit_code == 1, result.output
        listed = json.loads(invoke("audit", "list", "-w", str(folder), "--json").stdout)["runs"]
        assert [r["status"] for r in listed] == ["complete"], listed
        shown = invoke("audit", "show", listed[0]["run_id"], "-w", str(folder), "--json")
        run = json.loads(shown.stdout)
        stored[name] = [
            (r["rule_id"], r["unexpected_count"], sorted(r["failing_keys"] or []))
            for r in run["results"]
        ]
    assert stored["spark"] == stored["csv"]
    assert any(keys for _, _, keys in stored["spark"])
