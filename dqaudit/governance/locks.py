"""Run locks in the audit store, so two schedulers never run the same audit at once.

A lock is a row keyed by name. Taking it is an INSERT (the primary key lets only one
process win) or, when the holder's lease has expired or its process is gone, a
conditional UPDATE that only one taker can match. A crashed holder's lock expires.

Time comes from the store's clock and the renewer waits through a ``Ticker``, so tests
drive leases and renewals step by step instead of sleeping.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from dqaudit.errors import EngineError
from dqaudit.store import AuditStore, LockRecord, host_name, process_alive

# Waits up to ``seconds`` or until ``stop`` is set; True when stopped. The real one is
# ``threading.Event.wait``; a test passes one it steps by hand.
Ticker = Callable[[threading.Event, float], bool]


def real_ticker(stop: threading.Event, seconds: float) -> bool:
    return stop.wait(seconds)


def try_acquire(store: AuditStore, name: str, lease: timedelta) -> str | None:
    """Take the lock and return a holder token, or None if someone live holds it."""
    for _attempt in range(3):  # a holder may release between our INSERT and our read
        token = uuid.uuid4().hex
        now = store.clock()
        wanted = LockRecord(name, token, host_name(), os.getpid(), now, now + lease)
        if store.locks.insert(wanted):
            return token
        current = store.locks.get(name)
        if current is None:
            continue  # released meanwhile: try again
        same_host = current.host == host_name() and current.pid is not None
        if same_host and process_alive(current.pid):  # type: ignore[arg-type]
            return None  # a live holder here keeps its lock, however long its run takes
        if not same_host and current.expires_at > now:
            return None
        return token if store.locks.take_over(current.holder, wanted) else None
    return None


def renew(store: AuditStore, name: str, token: str, lease: timedelta) -> bool:
    """Extend a held lock's lease from now; False if the lock is no longer ours."""
    return store.locks.extend(name, token, store.clock() + lease)


def release(store: AuditStore, name: str, token: str) -> None:
    store.locks.release(name, token)


@contextmanager
def held(
    store: AuditStore, name: str, lease: timedelta, *, ticker: Ticker = real_ticker
) -> Iterator[bool]:
    """``with held(store, "suite:x", lease) as got:`` — ``got`` is False if it is taken.

    While held, the lease is renewed every third of its length, so a run longer than
    the lease keeps its lock against schedulers on other hosts too.
    """
    token = try_acquire(store, name, lease)
    stop = threading.Event()
    renewer = None
    if token is not None:
        renewer = threading.Thread(
            target=_keep_renewing,
            args=(store, name, token, lease, stop, ticker),
            name="dqaudit-lock",
            daemon=True,
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


def _keep_renewing(
    store: AuditStore,
    name: str,
    token: str,
    lease: timedelta,
    stop: threading.Event,
    ticker: Ticker,
) -> None:
    while not ticker(stop, lease.total_seconds() / 3):
        try:
            renew(store, name, token, lease)
        except EngineError:
            return  # the store is unreachable: the run itself will report that
