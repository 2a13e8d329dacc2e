"""Run one rule of the police rule library on a real SQL engine and on pandas, by keys.

The same frame is written to a fresh table (every column text, as extracts are), the rule
is validated inside the database by Great Expectations' SQL execution (through
``gx_adapter.validate_sql`` where it exists), and the failing keys are read back, so a
test can assert that every engine a rule supports fails exactly the same rows.
"""

from __future__ import annotations

import uuid
from typing import Any

import pandas as pd
import sqlalchemy as sa

from dqaudit.audits.engine import run_suite
from dqaudit.expectations import gx_adapter
from dqaudit.expectations.rules import catalogue
from dqaudit.expectations.rules.sql import engine_name


def pandas_failing_keys(
    frame: pd.DataFrame, key: str, kind: str, kwargs: dict[str, Any]
) -> list[str]:
    """Failing keys from dqaudit's own pandas engine (the path ``check`` and audits use)."""
    suite = {"name": "harness", "expectations": [{"type": kind, "kwargs": kwargs}]}
    result = run_suite(frame, suite, key=key)
    (rule,) = result.results
    assert rule.error is None, rule.error
    return sorted(rule.failing_keys or [])


def sql_failing_keys(
    url: str, frame: pd.DataFrame, key: str, kind: str, kwargs: dict[str, Any]
) -> list[str]:
    """Failing keys from GX's SQL execution of the rule against a table holding ``frame``."""
    engine = sa.create_engine(url)
    catalogue.require_engine(kind, engine_name(engine.dialect), f"rule {kind}")
    table = f"dqaudit_rules_{uuid.uuid4().hex[:12]}"
    columns = [sa.Column(name, sa.Text if name != key else sa.String(64)) for name in frame.columns]
    metadata = sa.MetaData()
    sa.Table(table, metadata, *columns)
    try:
        metadata.create_all(engine)
        rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
        with engine.begin() as connection:
            if rows:
                connection.execute(metadata.tables[table].insert(), rows)
        return sorted(_validate(url, table, key, kind, kwargs))
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def _validate(url: str, table: str, key: str, kind: str, kwargs: dict[str, Any]) -> list[str]:
    check = gx_adapter.GxCheck(0, f"rule {kind}", kind, dict(kwargs))
    if hasattr(gx_adapter, "validate_sql"):
        asset = gx_adapter.SqlAsset(url, {}, table=table)
        with gx_adapter.validate_sql(asset, [check]) as validation:
            outcome = validation.outcomes[0]
            assert outcome.error is None, outcome.error
            keys = [
                str(row[0])
                for batch in validation.failing_rows(0, [key], [], 1000)
                for row in batch
            ]
            assert len(keys) == (outcome.unexpected_count or 0)
            return keys
    return _validate_directly(url, table, key, check)


def _validate_directly(url: str, table: str, key: str, check: gx_adapter.GxCheck) -> list[str]:
    gx_adapter._gx()
    context = gx_adapter._context()
    expectation = gx_adapter._build_expectation(check)
    name = f"harness-{uuid.uuid4().hex}"
    datasource = context.data_sources.add_sql(name, connection_string=url)
    try:
        batch = (
            datasource.add_table_asset("t", table_name=table)
            .add_batch_definition_whole_table("w")
            .get_batch()
        )
        with gx_adapter._quiet_gx():
            result = batch.validate(
                expectation,
                result_format={
                    "result_format": "COMPLETE",
                    "unexpected_index_column_names": [key],
                    "return_unexpected_index_query": False,
                },
            )
        assert not (result.exception_info or {}).get("raised_exception"), result.exception_info
        return [str(item[key]) for item in result.result.get("unexpected_index_list") or []]
    finally:
        context.data_sources.delete(name)
