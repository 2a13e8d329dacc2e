"""``--option KEY=VALUE`` on the command line, read into connector options.

Option names and values mean the same as in dqaudit.yml: ``--option header=false`` is
``header: false``, ``--option columns=[PC,PQ]`` a list, ``--option sheet=2`` a number,
and ``${NAME}`` is read from the environment, so that a password never has to be typed
on a command line. This is command-line syntax, so it lives with the commands; the
library takes the options as a mapping.
"""

from __future__ import annotations

import os
import re
from typing import Any

import yaml

from dqaudit.errors import InputError


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
