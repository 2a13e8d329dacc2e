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
@click.option(
    "--json", "as_json", is_flag=True, help="Print the listing as a JSON document on stdout."
)
@handles_errors
def rules_list(as_json: bool) -> None:
    """List every built-in rule with the engines it runs on and an example."""
    if as_json:
        from dqaudit.commands.documents import echo_json, rules_document
        from dqaudit.governance.rule_library import rule_catalogue

        echo_json(rules_document(rule_catalogue()))
        return
    from dqaudit.expectations.rules.catalogue import describe

    click.echo(describe())
