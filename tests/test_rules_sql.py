"""Identifier and code-list rules fail exactly the same keys on pandas and on each SQL engine.

Each rule runs through dqaudit's pandas engine and through Great Expectations' SQL
execution inside real SQLite, PostgreSQL and MariaDB (see tests/rules_sql_harness.py),
over values chosen to trip the differences between engines: case, padding, a trailing
newline, numbers stored as text, and nulls.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pandas as pd
import pytest

from dqaudit.errors import InputError
from dqaudit.expectations.rules import check_characters as cc
from dqaudit.expectations.rules.catalogue import RULES, SQL_ENGINES, require_engine
from tests.rules_sql_harness import pandas_failing_keys, sql_failing_keys

# Column rules; pair rules with SQL versions have their own tests (test_rules_v2_identifiers).
SQL_RULES = [r for r in RULES if "postgresql" in r.engines and "column" in r.example]
TRICKY = ["", " ", "\n", "0", "Z", "W1 ", " W1", "w1"]


def _values(rule) -> list[str | None]:
    values = [*rule.valid, *rule.invalid, *TRICKY, None]
    values += [v.lower() for v in rule.valid] + [v + " " for v in rule.valid]
    values += [v + "\n" for v in rule.valid]
    if rule.expectation_type == "expect_column_values_to_be_valid_pnc_id":
        values += [
            f"{y}/{s:07d}{cc.check_letter(int(str(y)[2:] + f'{s:07d}'))}"
            for y, s in [(1995, 1), (2024, 9999999)]
        ]
    if rule.expectation_type == "expect_column_values_to_be_valid_asn":
        values += ["9999ZZ9999999999999" + cc.check_letter(int("99999999999999999"))]
    return values


@pytest.fixture(params=SQL_ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'rules.db'}"
    return request.getfixturevalue("pg_url" if request.param == "postgresql" else "mysql_url")


@pytest.mark.parametrize("rule", SQL_RULES, ids=lambda r: r.expectation_type)
def test_sql_engines_fail_the_same_keys_as_pandas(rule, database_url: str) -> None:
    values = _values(rule)
    frame = pd.DataFrame({"k": [f"K{i:03d}" for i in range(len(values))], "v": values})
    kwargs = {**rule.example, "column": "v"}
    expected = pandas_failing_keys(frame, "k", rule.expectation_type, kwargs)
    assert expected  # the data trips the rule
    assert set(expected) >= {
        f"K{i:03d}" for i in range(len(rule.valid), len(rule.valid) + len(rule.invalid))
    }
    actual = sql_failing_keys(database_url, frame, "k", rule.expectation_type, kwargs)
    assert actual == expected


def test_uprn_rule_reads_a_numeric_database_column(database_url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    table = sa.Table(
        f"dqaudit_rules_uprn_{uuid.uuid4().hex[:8]}",
        sa.MetaData(),
        sa.Column("k", sa.String(8)),
        sa.Column("uprn", sa.BigInteger),
    )
    try:
        table.create(engine)
        with engine.begin() as connection:
            connection.execute(
                table.insert(),
                [{"k": "A", "uprn": 100070000001}, {"k": "B", "uprn": 1000700000012}],
            )
        from tests.rules_sql_harness import _validate

        keys = _validate(
            database_url,
            table.name,
            "k",
            "expect_column_values_to_be_valid_uprn",
            {"column": "uprn"},
        )
        assert sorted(keys) == ["B"]
    finally:
        table.drop(engine, checkfirst=True)
        engine.dispose()


@pytest.mark.parametrize("chunk_rows", [50_000, 1])
def test_pull_reads_integer_columns_with_nulls_as_the_database_holds_them(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_rows: int
) -> None:
    """A BIGINT/INTEGER column with a NULL must not reach the rules as 100070000001.0 / 1.0."""
    import sqlalchemy as sa

    from dqaudit.connectors import sql_database
    from dqaudit.engine.run import run_suite

    monkeypatch.setattr(sql_database, "PULL_CHUNK_ROWS", chunk_rows)  # 1: an all-NULL chunk
    engine = sa.create_engine(database_url)
    table = sa.Table(
        f"dqaudit_rules_numeric_{uuid.uuid4().hex[:8]}",
        sa.MetaData(),
        sa.Column("k", sa.String(8)),
        sa.Column("uprn", sa.BigInteger),
        sa.Column("outcome", sa.Integer),
    )
    suite = {
        "name": "numeric",
        "expectations": [
            {"type": "expect_column_values_to_be_valid_uprn", "kwargs": {"column": "uprn"}},
            {
                "type": "expect_column_values_to_be_in_code_list",
                "kwargs": {"column": "outcome", "code_list": "crime_outcome"},
            },
        ],
    }
    try:
        table.create(engine)
        with engine.begin() as connection:
            connection.execute(
                table.insert(),
                [
                    {"k": "A", "uprn": 100070000001, "outcome": 1},
                    {"k": "B", "uprn": None, "outcome": None},
                    {"k": "C", "uprn": 12, "outcome": 22},
                    {"k": "D", "uprn": 1000700000012, "outcome": 23},
                ],
            )
        failing = {}
        for mode in ("pull", "pushdown"):
            extract = sql_database.SqlConnector().extract(
                {"url": database_url, "table": table.name, "mode": mode}, base_dir=tmp_path
            )
            result = run_suite(extract, suite, key="k")
            assert all(r.error is None for r in result.results), result.results
            failing[mode] = [sorted(r.failing_keys or []) for r in result.results]
        assert failing["pull"] == [["D"], ["D"]]
        assert failing["pushdown"] == failing["pull"]
    finally:
        table.drop(engine, checkfirst=True)
        engine.dispose()


@pytest.mark.parametrize(
    "rule",
    [r for r in RULES if not set(r.engines) & set(SQL_ENGINES)],
    ids=lambda r: r.expectation_type,
)
def test_a_pandas_only_rule_on_sql_is_an_error_naming_rule_and_engine(rule, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    frame = pd.DataFrame({"k": ["1"], "a": ["1"], "b": ["2"], "c": ["3"]})
    with pytest.raises(InputError) as raised:
        sql_failing_keys(url, frame, "k", rule.expectation_type, rule.example)
    message = str(raised.value)
    assert rule.expectation_type in message and "sqlite" in message
    with pytest.raises(InputError, match="does not run on the mariadb engine"):
        require_engine(rule.expectation_type, "mariadb")


def test_pushdown_refuses_a_geometry_rule_before_reading_data() -> None:
    """The plan refuses a rule the backend does not run, before any data is read."""
    from dqaudit.engine.plan import ExtractSchema, build_plan
    from dqaudit.expectations.suite import suite_from_dict

    suite = suite_from_dict(
        {
            "name": "geo",
            "expectations": [
                {
                    "type": "expect_column_pair_values_to_be_within_boundary",
                    "kwargs": {"column_A": "e", "column_B": "n", "boundary": "b.geojson"},
                    "meta": {"dqaudit": {"rule_id": "GAZ-GEO-001"}},
                }
            ],
        }
    )
    schema = ExtractSchema("db table t", ("ref", "e", "n"), "sqlite", has_lines=False)
    with pytest.raises(InputError, match=r"GAZ-GEO-001.*does not run on the sqlite engine"):
        build_plan(suite, schema, "ref")
