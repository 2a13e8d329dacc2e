"""The store has one door: nothing outside dqaudit/store touches its tables or SQLAlchemy
for store access, and a database error anywhere behind the door names the store (never
its password) instead of surfacing as an internal error."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dqaudit.errors import EngineError
from dqaudit.store import AuditStore
from tests.conftest import invoke

PACKAGE = Path(__file__).resolve().parent.parent / "dqaudit"
PRIVATE = ("dqaudit.store.schema", "dqaudit.store.migrations", "dqaudit.store.bulk")
# The layers above the store speak only to its public API.
SERVICES = ("governance", "actions", "reports", "audits", "commands")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _outside_the_store() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "store" not in p.relative_to(PACKAGE).parts[:1]]


def test_no_module_outside_the_store_imports_its_tables_or_migrations() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            name for name in _imports(path) if name.startswith(PRIVATE)
        )
        for path in _outside_the_store()
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_services_never_use_sqlalchemy_or_the_stores_engine() -> None:
    modules = [p for layer in SERVICES for p in (PACKAGE / layer).rglob("*.py")]
    modules.append(PACKAGE / "demo.py")
    assert len(modules) > 30
    for path in modules:
        names = _imports(path)
        assert not {n for n in names if n.split(".")[0] == "sqlalchemy"}, path
        assert ".engine.begin(" not in path.read_text(encoding="utf-8"), path
        assert ".engine.connect(" not in path.read_text(encoding="utf-8"), path


def test_a_database_error_behind_the_door_names_the_store_not_internal_error(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "ws"
    assert invoke("init", str(folder)).exit_code == 0
    store = AuditStore(f"sqlite:///{folder / 'audit.db'}")
    with store.engine.begin() as connection:  # break the store on purpose
        connection.exec_driver_sql("DROP TABLE finding_observations")
        connection.exec_driver_sql("DROP TABLE record_exceptions")
        connection.exec_driver_sql("DROP TABLE findings")
    with pytest.raises(EngineError, match=r"^audit store sqlite:///.*audit\.db: .*findings"):
        store.findings.ranked()
    store.close()
    result = invoke("actions", "list", "-w", str(folder))
    assert result.exit_code == 3
    assert "Error: audit store sqlite:///" in result.stderr and "findings" in result.stderr
    assert "internal error" not in result.stderr


def test_a_postgres_error_behind_the_door_never_shows_the_password(pg_store_url: str) -> None:
    import sqlalchemy as sa

    url = sa.make_url(pg_store_url)
    store = AuditStore(pg_store_url)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE plan_imports")
        connection.exec_driver_sql("DROP TABLE action_plans")
    store.close()
    # the same store reached with a password in its URL (trust auth ignores it)
    secret = url.set(password="Sw0rdfish-Secret")
    store = AuditStore(secret.render_as_string(hide_password=False))
    with pytest.raises(EngineError) as caught:
        store.plans.count()
    store.close()
    assert "action_plans" in str(caught.value)
    assert "Sw0rdfish-Secret" not in str(caught.value) and "***" in str(caught.value)
