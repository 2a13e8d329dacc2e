"""Issue 11 item 8: ``--suite A --suite B`` ran only B, silently.

No single-valued option of any command may be given twice; ``audit run --suite`` may be
given several times and runs each suite named.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from dqaudit.cli import cli
from dqaudit.commands.repeats import RefusesRepeatedOptions
from tests.conftest import approve, invoke, rule, write_suite


def _commands(
    command: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _commands(sub, (*path, name))


def _value_for(option: click.Option) -> list[str]:
    if option.is_flag:
        return []
    kind = option.type
    if isinstance(kind, click.Choice):
        return [str(kind.choices[0])]
    if isinstance(kind, click.IntRange | click.types.IntParamType | click.types.FloatParamType):
        return [str(kind.min if isinstance(kind, click.IntRange) and kind.min else 1)]
    return ["x"]


CASES = [
    (path, option)
    for path, command in _commands(cli)
    for option in command.params
    if isinstance(option, click.Option)
    and not option.multiple
    and not option.count
    and not option.is_eager  # --help, --version end the command before it runs
]


def test_every_command_refuses_repeats() -> None:
    for path, command in _commands(cli):
        assert isinstance(command, RefusesRepeatedOptions), " ".join(path)
    assert len(CASES) > 40  # every command's single-valued options are below


@pytest.mark.parametrize("path, option", CASES, ids=[" ".join((*p, o.opts[0])) for p, o in CASES])
def test_a_single_valued_option_given_twice_is_refused(
    path: tuple[str, ...], option: click.Option
) -> None:
    flag = max(option.opts, key=len)
    value = _value_for(option)
    # group options come before the subcommand; a command's after it
    result = invoke(*path, flag, *value, flag, *value)
    assert result.exit_code == 2, (path, flag, result.output)
    assert f"option {flag} is given 2 times, but takes one value; give it once" in result.stderr


def test_check_suite_given_twice_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "x.csv"
    data.write_text("ref\nR1\n", encoding="utf-8")
    first = write_suite(tmp_path / "a.json", [rule("expect_column_to_exist", column="ref")])
    second = write_suite(tmp_path / "b.json", [rule("expect_column_to_exist", column="nope")])
    result = invoke("check", str(data), "--suite", str(first), "--suite", str(second))
    assert result.exit_code == 2
    assert "option --suite is given 2 times, but takes one value; give it once" in result.stderr


def test_audit_run_runs_every_suite_named(template_workspace: Path) -> None:
    suites = template_workspace / "suites"
    original = next(suites.glob("*.json"))
    import json

    document = json.loads(original.read_text())
    document["name"] = "custody_copy"
    (suites / "custody_copy.json").write_text(json.dumps(document), encoding="utf-8")
    approve(template_workspace, "custody_copy")
    workspace = ("-w", str(template_workspace))
    both = invoke(
        "audit", "run", *workspace, "--suite", "custody_records", "--suite", "custody_copy"
    )
    assert both.exit_code == 1, both.output
    assert "2 run(s)" in both.stdout
    assert "FAILED  custody_records " in both.stdout and "FAILED  custody_copy " in both.stdout
    one = invoke("audit", "run", *workspace, "--suite", "custody_copy")
    assert "1 run(s)" in one.stdout and "FAILED  custody_copy " in one.stdout
    twice = invoke("audit", "run", *workspace, "--suite", "custody_copy", "--suite", "custody_copy")
    assert twice.exit_code == 2
    assert "suites: 'custody_copy' is named 2 times; name each suite once" in twice.stderr
    missing = invoke("audit", "run", *workspace, "--suite", "custody_copy", "--suite", "nope")
    assert missing.exit_code == 2 and "no suite named 'nope'" in missing.stderr
