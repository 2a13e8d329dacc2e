"""Files a suite's rules read (boundaries, area layers, code lists): found and fingerprinted.

A relative path in a rule's kwargs is read from the suite file's folder, so a suite and
its reference files travel together. Every run records the SHA-256 of each file it used,
like an extract's, so a finding can be traced to the exact boundary it was tested against.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dqaudit.errors import InputError
from dqaudit.expectations.rules import catalogue, codelists


@dataclass(frozen=True)
class ReferenceFile:
    """One file a run used: the rule (or derivation input) that named it, and its hash."""

    role: str
    source: str
    sha256: str
    rows: int | None = None


def _named_files(expectation_type: str, kwargs: dict[str, Any]) -> dict[str, str]:
    files = {}
    for name in catalogue.reference_kwargs(expectation_type):
        value = kwargs.get(name)
        if not isinstance(value, str):
            continue
        if name == "code_list" and not codelists.is_file_reference(value):
            continue  # a built-in list's name
        files[name] = value
    return files


def resolve_kwargs(
    expectation_type: str, kwargs: dict[str, Any], suite_path: Path | None, label: str
) -> dict[str, Any]:
    """``kwargs`` with file paths made absolute (from the suite's folder); missing is an error."""
    files = _named_files(expectation_type, kwargs)
    if not files:
        return kwargs
    base = suite_path.parent if suite_path is not None else Path.cwd()
    resolved = dict(kwargs)
    for name, value in files.items():
        path = Path(value) if Path(value).is_absolute() else (base / value)
        if not path.is_file():
            raise InputError(f"{label}: {name} file not found: {path.resolve()}")
        resolved[name] = str(path.resolve())
    return resolved


def suite_reference_files(suite: Any) -> list[ReferenceFile]:
    """Every file the suite's rules name, resolved and fingerprinted (each file once)."""
    seen: dict[str, ReferenceFile] = {}
    for rule in suite.rules:
        resolved = resolve_kwargs(rule.expectation_type, rule.kwargs, suite.path, rule.label)
        for name in _named_files(rule.expectation_type, rule.kwargs):
            path = resolved[name]
            if path not in seen:
                seen[path] = ReferenceFile(
                    f"{rule.rule_id or rule.label}: {name}", path, sha256_of(path)
                )
    return list(seen.values())


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
