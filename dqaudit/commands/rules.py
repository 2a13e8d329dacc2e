"""``dqaudit rules``: the built-in police rule library.

``rules list`` prints the library as text, from the same data as its ``--json`` document
(``dqaudit.governance.rule_library.rule_catalogue``), so the two listings cannot drift.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from dqaudit.commands.shell import (
    handles_errors,
)

if TYPE_CHECKING:
    from dqaudit.governance.rule_library import RuleCatalogue


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
    from dqaudit.governance.rule_library import rule_catalogue

    if as_json:
        from dqaudit.commands.documents import echo_json, rules_document

        echo_json(rules_document(rule_catalogue()))
        return
    click.echo(library_text(rule_catalogue()))


def library_text(catalogue: RuleCatalogue) -> str:
    """The text of ``dqaudit rules list``: the library version, then each rule with its
    source, engines and an example, the derived datasets, and the code lists' sources."""
    lines = [
        f"Rule library version: {catalogue.version}",
        "  (a SHA-256 of the rule logic and the built-in code lists: it changes whenever a",
        "  built-in rule or list could give a different verdict)",
        "",
        "Built-in rules (custom Great Expectations expectations):",
        "",
    ]
    for rule in catalogue.rules:
        lines.append(f"{rule.expectation_type}  [{rule.family}]")
        lines.append(f"    {rule.summary}")
        lines.append(f"    source:   {rule.source or 'not stated'}")
        lines.append(f"    engines:  {', '.join(rule.engines)}")
        lines.append(
            f"    example:  {json.dumps({'type': rule.expectation_type, 'kwargs': rule.example})}"
        )
        if rule.valid:
            lines.append(f"    valid:    {', '.join(rule.valid)}")
        if rule.invalid:
            lines.append(f"    invalid:  {', '.join(rule.invalid)}")
        lines.append("")
    lines.append(
        "Derived datasets (suite meta.dqaudit.derivation; failing keys are the record's key):"
    )
    lines.append("")
    for derivation in catalogue.derivations:
        lines.append(f"{derivation.kind}")
        lines.append(f"    {derivation.summary}")
        lines.append(f"    source:   {derivation.source or 'not stated'}")
        lines.append(f"    engines:  {', '.join(derivation.engines)}")
        lines.append(f"    adds:     {', '.join(derivation.columns)}")
        lines.append(f"    example:  {json.dumps({'derivation': derivation.example})}")
        lines.append("")
    lines.append("Code lists (code_list: a name below, or the path of a force's .yml/.csv file):")
    lines.append("")
    for code_list in catalogue.code_lists:
        lines.append(f"{code_list.name}  ({len(code_list.codes)} codes)")
        lines.append(f"    {code_list.title}")
        if code_list.public:
            lines.append(f"    source:   {code_list.publisher}, {code_list.edition}")
            lines.append(f"    url:      {code_list.url}")
        else:
            lines.append("    source:   not published; replace it with the force's own list")
        lines.append("")
    return "\n".join(lines).rstrip("\n")
