"""Run one rule of the police rule library on a real SQL engine and on pandas, by keys.

The same frame is written to a fresh table (every column text, as extracts are), the rule
is validated inside the database by Great Expectations' SQL execution (through
``gx_sql.validate_sql``, as pushdown runs do), and the failing keys are read back, so a
test can assert that every engine a rule supports fails exactly the same rows.
"""

from __future__ import annotations

import uuid
from typing import Any

import pandas as pd
import sqlalchemy as sa

from dqaudit.engine.run import run_suite
from dqaudit.expectations import gx_adapter, gx_sql
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
    """The failing keys, through the adapter's own SQL validation (as pushdown runs)."""
    check = gx_adapter.GxCheck(0, f"rule {kind}", kind, dict(kwargs))
    asset = gx_sql.SqlAsset(url, {}, table=table)
    with gx_sql.validate_sql(asset, [check]) as validation:
        outcome = validation.outcomes[0]
        assert outcome.error is None, outcome.error
        keys = [
            str(row[0]) for batch in validation.failing_rows(0, [key], [], 1000) for row in batch
        ]
        assert len(keys) == (outcome.unexpected_count or 0)
        return keys
