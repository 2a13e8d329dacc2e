"""Run locks in the audit store, so two schedulers never run the same audit at once.

A lock is a row keyed by name. Taking it is an INSERT (the primary key lets only one
process win) or, when the holder's lease has expired or its process is gone, a
conditional UPDATE that only one taker can match. A crashed holder's lock expires.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from dqaudit.store import schema
from dqaudit.store.database import AuditStore, as_utc, process_alive


def _now() -> datetime:
    return datetime.now(UTC)


def try_acquire(store: AuditStore, name: str, lease: timedelta) -> str | None:
    """Take the lock and return a holder token, or None if someone live holds it."""
    token = uuid.uuid4().hex
    now = _now()
    values = {
        "holder": token,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "acquired_at": now,
        "expires_at": now + lease,
    }
    try:
        with store.engine.begin() as connection:
            connection.execute(schema.locks.insert().values(name=name, **values))
        return token
    except IntegrityError:
        pass
    with store.engine.connect() as connection:
        row = connection.execute(sa.select(schema.locks).where(schema.locks.c.name == name)).first()
    if row is None:
        return try_acquire(store, name, lease)  # released meanwhile
    same_host = row.host == socket.gethostname() and row.pid is not None
    if same_host and process_alive(row.pid):
        return None  # a live holder here keeps its lock, however long its run takes
    if not same_host and as_utc(row.expires_at) > now:
        return None
    with store.engine.begin() as connection:
        taken = connection.execute(
            schema.locks.update()
            .where(schema.locks.c.name == name, schema.locks.c.holder == row.holder)
            .values(**values)
        ).rowcount
    return token if taken == 1 else None


def release(store: AuditStore, name: str, token: str) -> None:
    with store.engine.begin() as connection:
        connection.execute(
            schema.locks.delete().where(schema.locks.c.name == name, schema.locks.c.holder == token)
        )


@contextmanager
def held(store: AuditStore, name: str, lease: timedelta) -> Iterator[bool]:
    """``with held(store, "suite:x", lease) as got:`` — ``got`` is False if it is taken.

    While held, the lease is renewed every third of its length, so a run longer than
    the lease keeps its lock against schedulers on other hosts too.
    """
    token = try_acquire(store, name, lease)
    stop = threading.Event()
    renewer = None
    if token is not None:
        renewer = threading.Thread(
            target=_renew, args=(store, name, token, lease, stop), name="dqaudit-lock", daemon=True
        )
        renewer.start()
    try:
        yield token is not None
    finally:
        stop.set()
        if renewer is not None:
            renewer.join(timeout=10)
        if token is not None:
            release(store, name, token)


def _renew(
    store: AuditStore, name: str, token: str, lease: timedelta, stop: threading.Event
) -> None:
    while not stop.wait(lease.total_seconds() / 3):
        try:
            with store.engine.begin() as connection:
                connection.execute(
                    schema.locks.update()
                    .where(schema.locks.c.name == name, schema.locks.c.holder == token)
                    .values(expires_at=_now() + lease)
                )
        except SQLAlchemyError:
            return  # the store is unreachable: the run itself will report that
