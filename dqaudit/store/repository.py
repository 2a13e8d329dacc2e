"""What every repository of the store shares: where its connections come from.

A repository reads and writes through a *session*: the store itself (each call opens
its own connection or transaction) or a ``StoreTransaction`` (every call joins one open
transaction, so several writes and their trail entry commit together, or not at all).
Either way, database errors are translated where the connection was opened, into an
EngineError naming the store and never its password.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from dqaudit.errors import EngineError


class StoreConflict(EngineError):
    """A write lost a race for a unique key (another process wrote first)."""


class TrailWriter(Protocol):
    """The part of the trail repository other repositories use."""

    def write_with_entry(
        self, action: str, subject: str | None, write: Callable[[Any], dict[str, Any]]
    ) -> Any: ...


class StoreHandle(Protocol):
    """What repositories need of the store itself (AuditStore provides it); a Protocol,
    so the repositories and the store that builds them do not import each other."""

    display_url: str
    clock: Callable[[], datetime]

    @property
    def trail(self) -> TrailWriter: ...

    @property
    def dialect(self) -> str: ...

    def transaction(self) -> AbstractContextManager[Any]: ...


class Session(Protocol):
    """The store, or one open transaction on it."""

    @property
    def store(self) -> StoreHandle: ...

    def reading(self) -> AbstractContextManager[Connection]: ...

    def writing(self) -> AbstractContextManager[Connection]: ...


class Repository:
    """Base of the store's repositories: a session and the store's clock."""

    def __init__(self, session: Session) -> None:
        self._session = session

    @property
    def _store(self) -> StoreHandle:
        return self._session.store

    def _read(self) -> AbstractContextManager[Connection]:
        return self._session.reading()

    def _write(self) -> AbstractContextManager[Connection]:
        return self._session.writing()

    def _now(self) -> datetime:
        return self._session.store.clock()


def inserted_id(result: Any) -> int:
    """The primary key the database gave the row an INSERT just wrote."""
    key = result.inserted_primary_key
    if key is None or key[0] is None:
        raise RuntimeError("the database returned no id for the inserted row")
    return int(key[0])
