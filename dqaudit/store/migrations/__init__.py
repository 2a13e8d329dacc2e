"""The audit store's migrations: each version frozen in its own module.

A migration defines its own tables on its own MetaData (or issues its own DDL) and never
imports the live schema (``dqaudit.store.schema``), so changing the live schema can never
change what an applied migration does. Add a new module with the next version; never
edit an applied one. ``tests/test_store_migrations.py`` checks that the migrations build
exactly the live schema, and that a store written by an older dqaudit migrates forward.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from sqlalchemy import Column, DateTime, Integer, MetaData, Table
from sqlalchemy.engine import Connection

from dqaudit.store.migrations import (
    m001_initial,
    m002_bad_rows,
    m003_run_references,
    m004_governance,
    m005_findings,
    m006_versions_and_key_sources,
    m007_failing_records_bulk,
)

# The bookkeeping table itself: frozen too (every store ever made has this shape).
_bookkeeping = MetaData()
schema_versions = Table(
    "dqaudit_schema",
    _bookkeeping,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection], None]


def _migration(module: ModuleType) -> Migration:
    return Migration(module.VERSION, module.__name__.rsplit(".", 1)[-1], module.apply)


MIGRATIONS: tuple[Migration, ...] = tuple(
    _migration(module)
    for module in (
        m001_initial,
        m002_bad_rows,
        m003_run_references,
        m004_governance,
        m005_findings,
        m006_versions_and_key_sources,
        m007_failing_records_bulk,
    )
)
LATEST_VERSION = max(migration.version for migration in MIGRATIONS)
assert [m.version for m in MIGRATIONS] == list(range(1, LATEST_VERSION + 1))


def create_bookkeeping(connection: Connection) -> None:
    _bookkeeping.create_all(connection)
