"""Files a suite's rules read (boundaries, area layers, code lists): found and fingerprinted.

A relative path in a rule's kwargs is read from the suite file's folder, so a suite and
its reference files travel together. Every run records the SHA-256 of each file it used,
like an extract's, so a finding can be traced to the exact boundary it was tested against.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dqaudit.digests import sha256_file
from dqaudit.errors import InputError
from dqaudit.expectations.rules import catalogue, codelists


@dataclass(frozen=True)
class ReferenceFile:
    """One file a run used: the rule (or derivation input) that named it, and its hash."""

    role: str
    source: str
    sha256: str
    rows: int | None = None


def derivation_input(dataset: str, fingerprint: Any) -> ReferenceFile:
    """The record of a dataset a derivation read (its extract's fingerprint), kept with the
    run as the reference files of its rules are, on every backend alike."""
    return ReferenceFile(
        f"derivation input {dataset}", fingerprint.source, fingerprint.sha256, fingerprint.rows
    )


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
    """``kwargs`` with file paths made absolute (from the suite's folder), checked.

    A missing file, an unknown code list, timezone or CRS, or a boundary that is not a
    GeoJSON polygon layer is bad input (exit 2) named by rule and kwarg, found here before
    any data is read, not a failure inside GX reported as an engine error.
    """
    files = _named_files(expectation_type, kwargs)
    resolved = dict(kwargs)
    if files:
        base = suite_path.parent if suite_path is not None else Path.cwd()
        for name, value in files.items():
            path = Path(value) if Path(value).is_absolute() else (base / value)
            if not path.is_file():
                raise InputError(f"{label}: {name} file not found: {path.resolve()}")
            resolved[name] = str(path.resolve())
    if catalogue.builtin_rule(expectation_type) is not None:
        check_reference_kwargs(resolved, label)
    return resolved


def check_reference_kwargs(kwargs: dict[str, Any], label: str) -> None:
    """Load what a library rule's kwargs name, so bad values are InputErrors naming the kwarg.

    Loads are cached, so the rule's own later load costs nothing.
    """
    for name, check in _CHECKS.items():
        value = kwargs.get(name)
        if not isinstance(value, str):
            continue  # absent, or the wrong type: the expectation's own validation says so
        try:
            check(value, kwargs)
        except InputError as exc:
            raise InputError(f"{label}: kwarg '{name}': {exc.message}") from None


def _check_code_list(value: str, _kwargs: dict[str, Any]) -> None:
    codelists.load(value)


def _check_timezone(value: str, _kwargs: dict[str, Any]) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"unknown timezone '{value}' (use an IANA name such as Europe/London)"
        ) from None


def _check_crs(value: str, _kwargs: dict[str, Any]) -> None:
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        CRS.from_user_input(value)
    except CRSError:
        raise InputError(
            f"unknown coordinate reference system '{value}' (e.g. EPSG:27700, EPSG:4326)"
        ) from None


def _check_layer(value: str, kwargs: dict[str, Any]) -> None:
    from dqaudit.expectations.rules import geometry

    layer = geometry.load_layer(value)
    if isinstance(kwargs.get("area_property"), str) and value == kwargs.get("areas"):
        layer.codes(kwargs["area_property"])
        if "valid_from_property" in kwargs or "valid_to_property" in kwargs:
            from dqaudit.expectations.rules import boundary_versions

            boundary_versions.load_versions(
                value,
                kwargs["area_property"],
                str(kwargs.get("valid_from_property", boundary_versions.VALID_FROM)),
                str(kwargs.get("valid_to_property", boundary_versions.VALID_TO)),
            )


_CHECKS = {
    "code_list": _check_code_list,
    "timezone": _check_timezone,
    "crs": _check_crs,
    "metric_crs": _check_crs,
    "boundary": _check_layer,
    "areas": _check_layer,
}


def suite_reference_files(suite: Any) -> list[ReferenceFile]:
    """Every file the suite's rules name, resolved and fingerprinted (each file once)."""
    seen: dict[str, ReferenceFile] = {}
    for rule in suite.rules:
        resolved = resolve_kwargs(rule.expectation_type, rule.kwargs, suite.path, rule.label)
        for name in _named_files(rule.expectation_type, rule.kwargs):
            path = resolved[name]
            if path not in seen:
                seen[path] = ReferenceFile(
                    f"{rule.rule_id or rule.label}: {name}", path, sha256_file(path)
                )
    return list(seen.values())
