"""``dqaudit connectors`` and ``dqaudit extract``: connector plugins and dataset previews."""

from __future__ import annotations

from pathlib import Path

import click

from dqaudit.commands.shell import (
    handles_errors,
    open_workspace,
    workspace_option,
)


@click.group()
def connectors() -> None:
    """Connector plugins that turn a dataset's settings into an extract."""


@connectors.command("list")
@handles_errors
def connectors_list() -> None:
    """List installed connectors: type, package, version and description."""
    from dqaudit.connectors.registry import installed_connectors

    for info in installed_connectors():
        click.echo(f"{info.type:<14} {info.package} {info.version:<10} {info.description}")


@click.group()
def extract() -> None:
    """Look at a workspace dataset's extract before auditing it."""


@extract.command("preview")
@click.argument("system")
@click.argument("dataset")
@click.option(
    "--rows",
    default=10,
    show_default=True,
    type=click.IntRange(min=0),
    help="How many rows to show.",
)
@workspace_option
@handles_errors
def extract_preview(system: str, dataset: str, rows: int, workspace: Path | None) -> None:
    """Show the first rows of SYSTEM's DATASET and its fingerprint (sensitive columns masked)."""
    from dqaudit.connectors.preview import preview_dataset

    click.echo(preview_dataset(open_workspace(workspace), system, dataset, rows).describe())
