"""Meta-tests: every command has help text and is documented in the README."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from dqaudit.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


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
    assert f"`{path}" in README, f"{path} is not documented in README.md"


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
