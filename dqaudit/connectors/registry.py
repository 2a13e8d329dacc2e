"""Connector plugins, declared as entry points in ``dqaudit.connectors`` and loaded lazily.

Built-in connectors register exactly as third-party ones do (see setup.cfg), and a run
loads only the types it needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any, Protocol

from dqaudit.connectors.base import Extract, ExtractHeader
from dqaudit.errors import EngineError, InputError

ENTRY_POINT_GROUP = "dqaudit.connectors"


class Connector(Protocol):
    """What a connector plugin provides; ``extract`` turns options into an Extract.

    A connector may also provide ``header(options, *, base_dir) -> ExtractHeader``: the
    extract's column names without its records (see ``read_header``). It is optional, so
    older plugins keep working; without it ``suite lint`` cannot check a suite's columns
    before a run, and says so.
    """

    description: str

    def extract(self, options: dict[str, Any], *, base_dir: Path) -> Extract: ...


def read_header(type_name: str, options: dict[str, Any], base_dir: Path) -> ExtractHeader | None:
    """The column names of a dataset's extract, read through its connector without reading
    the records; None when the connector offers no ``header``."""
    connector = get_connector(type_name)
    header = getattr(connector, "header", None)
    if header is None:
        return None
    result = header(options, base_dir=base_dir)
    if not isinstance(result, ExtractHeader):
        raise EngineError(
            f"connector '{type_name}': header() returned {type(result).__name__}, not an "
            "ExtractHeader"
        )
    return result


@dataclass(frozen=True)
class ConnectorInfo:
    type: str
    package: str
    version: str
    description: str


@cache
def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


@cache
def get_connector(type_name: str) -> Connector:
    """Load (once) the connector registered under ``type_name``."""
    points = _entry_points()
    if type_name not in points:
        known = ", ".join(sorted(points)) or "none"
        raise InputError(
            f"unknown connector type '{type_name}'; installed types: {known} "
            f"(entry-point group '{ENTRY_POINT_GROUP}')"
        )
    point = points[type_name]
    try:
        return point.load()()
    except Exception as exc:  # a third-party plugin may be broken in any way
        package = point.dist.name if point.dist else "?"
        raise EngineError(
            f"connector '{type_name}' (package {package}, entry point {point.value} in group "
            f"'{ENTRY_POINT_GROUP}') failed to load: {type(exc).__name__}: {exc}"
        ) from None


def installed_connectors() -> list[ConnectorInfo]:
    """Every registered connector, with the package that provides it."""
    infos = []
    for name, point in sorted(_entry_points().items()):
        dist = point.dist
        try:
            description = getattr(get_connector(name), "description", "")
        except EngineError as exc:  # listed, not fatal: the others still show
            description = f"BROKEN: {exc}"
        infos.append(
            ConnectorInfo(
                type=name,
                package=dist.name if dist else "?",
                version=dist.version if dist else "?",
                description=description,
            )
        )
    return infos


def check_options(
    options: dict[str, Any], allowed: frozenset[str] | set[str], required: set[str], where: str
) -> None:
    """Unknown or missing options are errors naming the option, not silently ignored."""
    for name in options:
        if name not in allowed:
            raise InputError(
                f"{where}: unknown option '{name}' (allowed: {', '.join(sorted(allowed))})"
            )
    for name in required:
        if options.get(name) in (None, ""):
            raise InputError(f"{where}: option '{name}' is required")
