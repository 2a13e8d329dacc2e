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
@click.option(
    "--json", "as_json", is_flag=True, help="Print the listing as a JSON document on stdout."
)
@handles_errors
def connectors_list(as_json: bool) -> None:
    """List installed connectors: type, package, version and description."""
    from dqaudit.commands.documents import connectors_document, echo_json
    from dqaudit.commands.terminal import emit
    from dqaudit.connectors.registry import installed_connectors

    infos = installed_connectors()
    if as_json:
        echo_json(connectors_document(infos))
        return
    emit(
        "\n".join(
            f"{info.type:<14} {info.package} {info.version:<10} {info.description}"
            for info in infos
        )
    )


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
    from dqaudit.commands.terminal import emit_table
    from dqaudit.connectors.preview import preview_dataset

    preview = preview_dataset(open_workspace(workspace), system, dataset, rows)
    frame = preview.rows
    index = frame.index.name or ""
    emit_table(
        [index, *map(str, frame.columns)],
        [
            (label, *values)
            for label, values in zip(frame.index, frame.itertuples(index=False), strict=True)
        ],
        preview.describe(),
        preamble=preview.summary() + "\n",
    )
