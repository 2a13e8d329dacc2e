"""Extracts named on the command line: ``check FILE`` and ``--connector TYPE --option k=v``.

Option names and values mean the same as in dqaudit.yml: ``--option header=false`` is
``header: false``, ``--option columns=[PC,PQ]`` a list, ``--option sheet=2`` a number.
A file's connector is chosen by its extension unless ``--connector`` names one.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from dqaudit.connectors.base import Extract
from dqaudit.connectors.registry import get_connector
from dqaudit.errors import InputError

# Extensions that choose a connector; anything else is read as CSV (as exports often are).
BY_EXTENSION = {
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xls": "excel",
    ".ods": "excel",
    ".dat": "fixed_width",
    ".db": "sql",
    ".sqlite": "sql",
    ".sqlite3": "sql",
}
DEFAULT_CONNECTOR = "csv"


def parse_options(pairs: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """``["key=value", ...]`` as settings; values are read like YAML scalars and lists."""
    options: dict[str, Any] = {}
    for pair in pairs:
        name, separator, raw = pair.partition("=")
        name = name.strip()
        if not separator or not name:
            raise InputError(f"--option '{pair}' must look like KEY=VALUE")
        if name in options:
            raise InputError(f"--option {name} is given twice")
        options[name] = _value(_from_environment(name, raw))
    return options


def _from_environment(name: str, raw: str) -> str:
    """``${NAME}`` is read from the environment, so a password never has to be typed
    on a command line (where ps and the shell history would keep it)."""

    def replace(match: re.Match[str]) -> str:
        variable = match.group(1)
        if variable not in os.environ:
            raise InputError(f"--option {name} uses ${{{variable}}}, but {variable} is not set")
        return os.environ[variable]

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", replace, raw)


def _value(raw: str) -> Any:
    """true/false and numbers as in YAML, [lists] and {mappings} of text; else as typed.

    Items of a list or mapping stay text, so that a column named NO is not read as false.
    """
    stripped = raw.strip()
    try:
        if stripped.startswith(("[", "{")):
            parsed = yaml.load(stripped, Loader=yaml.BaseLoader)  # every scalar as text
            return parsed if isinstance(parsed, list | dict) else raw
        parsed = yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw
    return parsed if isinstance(parsed, bool | int | float) else raw


def connector_for(path: Path | None, connector: str | None) -> str:
    """The connector type: the one named, else by the file's extension, else csv."""
    if connector:
        return connector
    if path is None:
        raise InputError("give a FILE to check, or --connector TYPE with its --option settings")
    return BY_EXTENSION.get(path.suffix.lower(), DEFAULT_CONNECTOR)


def adhoc_extract(
    path: Path | None,
    connector: str | None = None,
    options: dict[str, Any] | None = None,
    base_dir: Path | None = None,
) -> Extract:
    """The extract for ``check``: FILE becomes the connector's ``path`` (or an SQLite url)."""
    kind = connector_for(path, connector)
    settings = dict(options or {})
    if path is not None:
        if kind == "sql":
            if "url" in settings:
                raise InputError(
                    "give the database either as FILE or as --option url=..., not both"
                )
            settings["url"] = f"sqlite:///{path.resolve()}"
        else:
            if "path" in settings:
                raise InputError("give the file either as FILE or as --option path=..., not both")
            settings["path"] = str(path)
    return get_connector(kind).extract(settings, base_dir=base_dir or Path())
