"""The rule-library version: a content hash of the rule logic and the built-in code lists.

A suite approved today names built-in rules; if a rule's logic or a code list changes
(a fix that makes COML025 pass), the same suite gives different verdicts. The library
version lets runs and approvals record which logic they used, so a changed meaning is
visible rather than silent.

The hash is SHA-256 over the files, in a fixed order (sorted relative paths), each entered
as its relative path, its length and its bytes with line endings normalised to LF: the
same content gives the same version on every machine and Python version, whatever the
checkout's line endings or the file system's listing order. The files are every rule
module in this package except the ones that only describe or fingerprint the library
(``__init__``, ``catalogue``, ``derivation_catalogue``, ``gx_modules``, ``library``), and
every built-in code list.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
NOT_RULE_LOGIC = frozenset(
    {"__init__.py", "catalogue.py", "derivation_catalogue.py", "gx_modules.py", "library.py"}
)


def library_files(root: Path = PACKAGE_DIR) -> list[Path]:
    """The files the version covers, in the order they are hashed."""
    modules = [p for p in root.glob("*.py") if p.name not in NOT_RULE_LOGIC]
    code_lists = list((root / "codelists").glob("*.yml"))
    return sorted(modules + code_lists, key=lambda p: p.relative_to(root).as_posix())


def library_version(root: Path | None = None) -> str:
    """The hex SHA-256 of the rule library under ``root`` (default: the installed one)."""
    if root is None:
        return _installed_version()
    return _version(Path(root))


@cache
def _installed_version() -> str:
    return _version(PACKAGE_DIR)


def _version(root: Path) -> str:
    digest = hashlib.sha256()
    for path in library_files(root):
        data = path.read_bytes().replace(b"\r\n", b"\n")
        name = path.relative_to(root).as_posix().encode("utf-8")
        digest.update(b"%s\0%d\0" % (name, len(data)))
        digest.update(data)
    return digest.hexdigest()
