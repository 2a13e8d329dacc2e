"""Frozen migrations: they build exactly the live schema, never import it, and a store
written by an older dqaudit (schema version 5, dumped in tests/fixtures/store_v5) opens
with this one, migrated forward with nothing lost, on SQLite and on PostgreSQL."""

from __future__ import annotations

import ast
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from dqaudit.governance import trail
from dqaudit.store import AuditStore, FindingStatus, KeySource, RunStatus, migrations, schema

FIXTURES = Path(__file__).parent / "fixtures" / "store_v5"
MIGRATION_FILES = sorted((Path(migrations.__file__).parent).glob("m[0-9][0-9][0-9]_*.py"))


def test_each_migration_is_frozen_and_never_imports_the_live_schema() -> None:
    assert [int(path.name[1:4]) for path in MIGRATION_FILES] == [
        m.version for m in migrations.MIGRATIONS
    ]
    for path in MIGRATION_FILES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            node.module if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert not any(name and name.startswith("dqaudit") for name in imported), path.name
        assert "Frozen" in (ast.get_docstring(tree) or ""), path.name


def _shape(engine: sa.Engine) -> dict[str, object]:
    """Tables, columns (nullability, primary key), indexes and unique keys, as reflected."""
    inspector = sa.inspect(engine)
    shape: dict[str, object] = {}
    for table in sorted(inspector.get_table_names()):
        columns = {
            c["name"]: (bool(c["nullable"]), _type_family(c["type"]))
            for c in inspector.get_columns(table)
        }
        indexes = {
            (tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(table)
        }
        uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)}
        primary = tuple(inspector.get_pk_constraint(table)["constrained_columns"])
        foreign = {
            (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
            for f in inspector.get_foreign_keys(table)
        }
        shape[table] = (columns, primary, indexes, uniques, foreign)
    return shape


def _type_family(type_: sa.types.TypeEngine) -> str:
    for family, kinds in (
        ("int", (sa.Integer,)),
        ("text", (sa.String, sa.Text)),
        ("bool", (sa.Boolean,)),
        ("time", (sa.DateTime, sa.Date)),
        ("float", (sa.Float, sa.Numeric)),
        ("json", (sa.JSON,)),
    ):
        if isinstance(type_, kinds):
            return family
    return type(type_).__name__


def test_the_migrations_build_exactly_the_live_schema(store_url: str, tmp_path: Path) -> None:
    """Migrated store versus ``schema.metadata.create_all`` in an empty database."""
    store = AuditStore(store_url)
    migrated = _shape(store.engine)
    store.close()
    if store_url.startswith("sqlite"):
        fresh_url = f"sqlite:///{tmp_path / 'live.db'}"
        engine = sa.create_engine(fresh_url)
        with engine.begin() as connection:
            schema.metadata.create_all(connection)
            migrations.create_bookkeeping(connection)
        live = _shape(engine)
        engine.dispose()
    else:
        with _pg_schema(store_url) as fresh_url:
            engine = sa.create_engine(fresh_url)
            with engine.begin() as connection:
                schema.metadata.create_all(connection)
                migrations.create_bookkeeping(connection)
            live = _shape(engine)
            engine.dispose()
    if store_url.startswith("sqlite"):  # SQLite keeps this key (see migration 7)
        columns, primary, indexes, uniques, foreign = live["failing_records"]  # type: ignore[misc]
        foreign = foreign | {(("run_id",), "runs", ("run_id",))}
        live["failing_records"] = (columns, primary, indexes, uniques, foreign)
    assert migrated == live


# --- a store written by dqaudit at schema version 5 --------------------------------------


def _load_sqlite_v5(path: Path) -> str:
    connection = sqlite3.connect(path)
    connection.executescript((FIXTURES / "store_v5.sqlite.sql").read_text(encoding="utf-8"))
    connection.close()
    return f"sqlite:///{path}"


class _pg_schema:
    """A fresh, uniquely named PostgreSQL schema next to the test's own (dropped after)."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.split("?", 1)[0]
        self.name = f"dqaudit_v5_{uuid.uuid4().hex[:10]}"
        self.engine = sa.create_engine(self.base)

    def __enter__(self) -> str:
        with self.engine.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{self.name}"')
        return f"{self.base}?options=-csearch_path%3D{self.name}"

    def __exit__(self, *_exc: object) -> None:
        with self.engine.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{self.name}" CASCADE')
        self.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def v5_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield _load_sqlite_v5(tmp_path / "v5.db")
        return
    pg_url = request.getfixturevalue("pg_url")
    holder = _pg_schema(pg_url)
    dump = (FIXTURES / "store_v5.postgresql.sql").read_text(encoding="utf-8")
    dump = dump.replace("CREATE SCHEMA __SCHEMA__;", "").replace("__SCHEMA__", holder.name)
    with holder as url:
        raw = holder.engine.raw_connection()
        try:
            raw.cursor().execute(dump)
            raw.commit()
        finally:
            raw.close()
        yield url


def test_a_version_5_store_migrates_forward_with_nothing_lost(v5_store_url: str) -> None:
    store = AuditStore(v5_store_url)
    try:
        assert store.applied_versions() == [m.version for m in migrations.MIGRATIONS]
        runs = store.list_runs()
        assert len(runs) == 2 and {r.status for r in runs} == {RunStatus.COMPLETE}
        assert all(r.outcome == "failed" and r.rule_library_version is None for r in runs)
        latest = store.get_run(runs[0].run_id)
        assert latest.failing_keys == {
            1: ["WM/C/0000004"],
            2: ["WM/C/0000005"],
            3: ["WM/C/0000003"],
            4: ["WM/C/0000005"],
        }
        assert latest.band == "High" and latest.risk_score == 15
        [record] = store.failing_records(latest.run_id, 1)
        assert record.key == "WM/C/0000004" and record.key_source is KeySource.COLUMN
        assert record.values  # the values the rule read came through
        findings = store.findings.ranked()
        assert len(findings) == 4 and {f.status for f in findings} == {FindingStatus.OPEN}
        assert all(f.rule_library_version is None for f in findings)
        finding = next(f for f in findings if f.rule_id == "CUS-002")
        assert finding.excepted_count == 1 and finding.failing_count == 0
        [exception] = store.exceptions.listed(finding.finding_id)
        assert exception.record_key == "WM/C/0000004" and exception.status == "approved"
        approval = store.approvals.latest("custody_records")
        assert approval is not None and approval.minute == "SIMB-2026-11"
        assert approval.rule_library_version is None
        assert store.plans.count() == 1
        # the trail written by the old code still verifies, is still protected, grows on
        before = trail.verify(store)
        assert before.ok and before.entries == 6
        trail.append(store, "test", "after the migration", {"ok": True})
        assert trail.verify(store).ok
        assert trail.missing_protections(store) == []
    finally:
        store.close()
    AuditStore(v5_store_url).close()  # opening again applies nothing twice
