"""Which version of the built-in rule library (code lists and rule logic) is in use.

A suite's hash covers its own text, not the code lists and rule modules it calls, so a
fix to the library changes what an approved suite means. Each run and approval records
this version: ``suite status`` flags a suite approved under another version, and a
finding is never verified across a change (see ``dqaudit.actions.finding_status``).

``dqaudit.expectations.rules.library.library_version()`` is the library's own answer
when it exists; until then this module digests the rule package's files itself
(``fallback_version``). Callers pass the version on, so the source can be switched here
alone.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

RULES_PACKAGE = Path(__file__).resolve().parent.parent / "expectations" / "rules"
DIGESTED_SUFFIXES = (".py", ".csv", ".json", ".txt", ".yml", ".yaml", ".geojson")


def current_version() -> str:
    """The rule library's version now: the library's own, else a digest of its files."""
    try:
        from dqaudit.expectations.rules.library import (  # type: ignore[import-not-found]
            library_version,
        )
    except ImportError:
        return fallback_version()
    return str(library_version())


@lru_cache(maxsize=1)
def fallback_version(package: Path = RULES_PACKAGE) -> str:
    """SHA-256 over every rule module and code-list file (names and bytes, in order)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.suffix in DIGESTED_SUFFIXES):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(package).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
