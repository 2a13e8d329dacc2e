"""dqaudit: data-quality audits of police records systems, on Great Expectations.

The public library API is importable from here. ``run_suite`` is resolved lazily so
that importing the package (and so ``dqaudit --help``) does not pay for pandas or GX.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dqaudit.version import __version__

__all__ = ["__version__", "load_suite", "run_suite"]

if TYPE_CHECKING:
    from dqaudit.engine.run import run_suite
    from dqaudit.expectations.suite import load_suite


def __getattr__(name: str) -> Any:
    if name == "run_suite":
        from dqaudit.engine.run import run_suite

        return run_suite
    if name == "load_suite":
        from dqaudit.expectations.suite import load_suite

        return load_suite
    raise AttributeError(f"module 'dqaudit' has no attribute {name!r}")
