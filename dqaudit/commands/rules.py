"""``dqaudit rules``: the built-in police rule library."""

from __future__ import annotations

import click

from dqaudit.commands.shell import (
    handles_errors,
)


@click.group()
def rules() -> None:
    """The built-in police rule library: custom expectations and derived datasets."""


@rules.command("list")
@handles_errors
def rules_list() -> None:
    """List every built-in rule with the engines it runs on and an example."""
    from dqaudit.expectations.rules.catalogue import describe

    click.echo(describe())
