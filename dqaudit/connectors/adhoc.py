"""Ad-hoc extracts (for ``check``): a file, or any connector type with its options.

The options mean the same as a dataset's ``options`` in dqaudit.yml (the command line
parses its own ``--option KEY=VALUE`` syntax into them: see dqaudit.commands). A file's
connector is chosen by its extension unless a connector type is named.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def connector_for(path: Path | None, connector: str | None) -> str:
    """The connector type: the one named, else by the file's extension, else csv."""
    if connector:
        return connector
    if path is None:
        raise InputError("give a file to check, or a connector type with its options")
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
                    "give the database either as the file to check or as option 'url', not both"
                )
            settings["url"] = f"sqlite:///{path.resolve()}"
        else:
            if "path" in settings:
                raise InputError(
                    "give the file either as the file to check or as option 'path', not both"
                )
            settings["path"] = str(path)
    return get_connector(kind).extract(settings, base_dir=base_dir or Path())
