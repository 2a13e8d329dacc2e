"""Who and where: recorded with runs, approvals, locks and trail entries."""

from __future__ import annotations

import getpass
import os
import socket


def os_user() -> str:
    """Who is running dqaudit, as recorded with runs, approvals and trail entries."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def host_name() -> str:
    return socket.gethostname()


def process_alive(pid: int) -> bool:
    """Whether a process of this host still runs (a run or lock holder that crashed does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
