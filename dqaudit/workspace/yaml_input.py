"""The one way dqaudit reads YAML that a user wrote: bounded, safe, and with line numbers.

``dqaudit.yml``, fixed-width layout files and code lists are hand-edited, and may come
from anywhere. PyYAML's safe loader builds no objects but plain data, yet an alias bomb
("billion laughs": each anchor aliased ten times by the next) composes into a few
hundred nodes that expand to billions of values as soon as anything walks them (the
``${VAR}`` substitution did, then hung and died of MemoryError). So before anything is
built, the document is refused when:

- the text is longer than ``max_bytes`` (default ``MAX_YAML_BYTES``);
- it uses more than ``MAX_ALIASES`` aliases (``*name``);
- its node tree, with every alias expanded, would hold more than ``MAX_VALUES`` values,
  or it nests deeper than ``MAX_DEPTH`` levels (PyYAML recurses once per level);
- an alias refers to the collection that contains it (a recursive document).

Each refusal names the file and the line at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dqaudit.errors import InputError

MAX_YAML_BYTES = 1024 * 1024  # 1 MiB: far above any hand-written settings file
MAX_ALIASES = 100
MAX_VALUES = 100_000
MAX_DEPTH = 64


@dataclass(frozen=True)
class YamlDocument:
    """The parsed data, and its node tree (which knows each setting's line)."""

    data: Any
    node: yaml.Node | None


class _Refused(Exception):
    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that counts aliases and nesting while it composes the node tree."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0
        self.depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _Refused(
                    f"more than {MAX_ALIASES} aliases (*name); write the values out",
                    self.peek_event().start_mark,
                )
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _Refused(
                    f"nested more than {MAX_DEPTH} levels deep", self.peek_event().start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def parse_yaml(text: str, source: str | Path, *, max_bytes: int = MAX_YAML_BYTES) -> YamlDocument:
    """Parse one YAML document from ``source`` (named in errors), within the bounds above."""
    size = len(text.encode("utf-8", errors="replace"))
    if size > max_bytes:
        raise InputError(
            f"{source}: is {size:,} bytes; a file of this kind may be at most {max_bytes:,} bytes"
        )
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None and loader.aliases:  # without aliases, size bounds it already
            _expanded_size(node, {}, set())
        data = loader.construct_document(node) if node is not None else None
    except _Refused as refused:
        raise InputError(f"{source}: {_where(refused.mark)}{refused.message}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or exc
        raise InputError(f"{source}: {_where(mark)}not valid YAML: {problem}") from None
    finally:
        loader.dispose()
    return YamlDocument(data, node)


def read_yaml_file(
    path: Path, what: str, *, max_bytes: int = MAX_YAML_BYTES, encoding: str = "utf-8"
) -> YamlDocument:
    """Read and parse a YAML file; ``what`` names the kind of file in errors."""
    try:
        size = path.stat().st_size
        if size > max_bytes:  # before reading it whole
            raise InputError(
                f"{path}: is {size:,} bytes; a {what} may be at most {max_bytes:,} bytes"
            )
        text = path.read_text(encoding=encoding)
    except FileNotFoundError:
        raise InputError(f"{what} not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {what} {path}: {exc}") from None
    return parse_yaml(text, path, max_bytes=max_bytes)


def _where(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""


def _expanded_size(node: yaml.Node, sizes: dict[int, int], open_nodes: set[int]) -> int:
    """How many values ``node`` holds with every alias expanded (each shared node is
    measured once, so this takes time in proportion to the document, not its expansion)."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:
        raise _Refused("an alias refers to the collection that contains it", node.start_mark)
    if isinstance(node, yaml.ScalarNode):
        size = 1
    else:
        open_nodes.add(key)
        children: list[yaml.Node] = (
            [part for pair in node.value for part in pair]
            if isinstance(node, yaml.MappingNode)
            else list(node.value)
        )
        size = 1 + sum(_expanded_size(child, sizes, open_nodes) for child in children)
        open_nodes.discard(key)
        if size > MAX_VALUES:
            raise _Refused(
                f"expands to more than {MAX_VALUES:,} values through its aliases "
                "(an alias bomb?); write the values out",
                node.start_mark,
            )
    sizes[key] = size
    return size
