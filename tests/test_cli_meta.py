"""Meta-tests: every command has help text and is documented; the docs' links resolve."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from dqaudit.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS_PAGE = ROOT / "docs" / "commands.md"
COMMANDS_DOC = COMMANDS_PAGE.read_text(encoding="utf-8")
MARKDOWN_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def all_commands(
    group: click.Group = cli, prefix: str = "dqaudit"
) -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        found.append((path, command))
        if isinstance(command, click.Group):
            found.extend(all_commands(command, path))
    return found


COMMANDS = all_commands()


@pytest.mark.parametrize("path, command", COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_has_help_and_is_documented(path: str, command: click.Command) -> None:
    assert command.help and len(command.help.strip()) > 20, f"{path} has no help text"
    for parameter in command.params:
        if isinstance(parameter, click.Option):
            assert parameter.help, f"{path} option {parameter.opts} has no help"
    assert f"`{path}" in COMMANDS_DOC, f"{path} is not documented in docs/commands.md"


def command_rows(path: str) -> str:
    """The rows of the command table in docs/commands.md that show ``path`` itself."""
    return "\n".join(
        line
        for line in COMMANDS_DOC.splitlines()
        if line.startswith((f"| `{path} ", f"| `{path}`"))
    )


@pytest.mark.parametrize("path, command", COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_option_is_in_its_commands_row(path: str, command: click.Command) -> None:
    if isinstance(command, click.Group):
        return
    rows = command_rows(path)
    assert rows, f"{path} has no row in the command table of docs/commands.md"
    for parameter in command.params:
        if not isinstance(parameter, click.Option) or parameter.hidden:
            continue
        if parameter.name == "workspace":  # documented once for every command
            assert "`-w/--workspace DIR`" in COMMANDS_DOC
            continue
        assert any(opt in rows for opt in parameter.opts), (
            f"{path} option {parameter.opts[-1]} is not in its row of docs/commands.md"
        )


def test_quick_start_is_exactly_make_demo_and_make_test() -> None:
    section = README.split("## Quick start", 1)[1].split("##", 1)[0]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    assert [line.strip() for line in block.strip().splitlines()] == ["make demo", "make test"]


def test_help_starts_without_importing_gx_or_pandas() -> None:
    code = (
        "import sys; from dqaudit.cli import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('great_expectations', 'pandas', 'sqlalchemy') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert output.stdout.strip().splitlines()[-1] == "HEAVY="


FENCED_CODE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\[[^\]]*\]\(([^()\s]+)\)")


def github_anchors(markdown: str) -> set[str]:
    """The heading anchors GitHub makes: lower case, punctuation dropped, spaces to '-'."""
    anchors: set[str] = set()
    for match in re.finditer(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", FENCED_CODE.sub("", markdown), re.M):
        slug = re.sub(r"[^\w\- ]", "", match.group(1).strip().lower()).replace(" ", "-")
        candidate, repeat = slug, 0
        while candidate in anchors:
            repeat += 1
            candidate = f"{slug}-{repeat}"
        anchors.add(candidate)
    return anchors


def relative_links(path: Path) -> list[str]:
    text = FENCED_CODE.sub("", path.read_text(encoding="utf-8"))
    return [
        target
        for target in LINK.findall(text)
        if not re.match(r"^[a-z][a-z0-9+.-]*:", target)  # http:, https:, mailto:
    ]


def test_github_anchors_follow_githubs_slugs() -> None:
    markdown = "# Workspaces: `dqaudit.yml`\n```sh\n# not a heading\n```\n## A b\n## A b\n"
    assert github_anchors(markdown) == {"workspaces-dqaudityml", "a-b", "a-b-1"}


@pytest.mark.parametrize(
    "page", MARKDOWN_FILES, ids=[p.relative_to(ROOT).as_posix() for p in MARKDOWN_FILES]
)
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for target in relative_links(page):
        file_part, _, anchor = target.partition("#")
        linked = (page.parent / file_part).resolve() if file_part else page
        if not linked.exists():
            broken.append(f"{target} (no such file)")
        elif (
            anchor
            and linked.suffix == ".md"
            and anchor not in github_anchors(linked.read_text(encoding="utf-8"))
        ):
            broken.append(f"{target} (no such heading)")
    assert not broken, f"{page.relative_to(ROOT)}: broken links: {', '.join(broken)}"


def test_docs_have_a_page_per_area_linked_from_the_index() -> None:
    index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    pages = {p.name for p in (ROOT / "docs").glob("*.md")} - {"README.md"}
    assert {"commands.md", "architecture.md", "security.md"} <= pages
    assert not [name for name in sorted(pages) if f"]({name})" not in index]
