"""``dqaudit report``: the SIMB audit summary for the board."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from dqaudit.commands.shell import (
    handles_errors,
    open_workspace_store,
    workspace_option,
)


@click.group()
def report() -> None:
    """Reports for the board: the SIMB audit summary as HTML or Excel."""


@report.command("simb")
@workspace_option
@click.option(
    "--period",
    default=None,
    metavar="PERIOD",
    help="A quarter (2026-Q3), a month (2026-07) or a year (2026); default: this quarter.",
)
@click.option(
    "--from",
    "first_day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="First day of the period (YYYY-MM-DD), instead of --period.",
)
@click.option(
    "--to",
    "last_day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last day of the period (YYYY-MM-DD, default: today); needs --from.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write: .html, .xlsx for Excel, or .pdf (printed by headless Chromium).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["html", "xlsx", "pdf"]),
    default=None,
    help="html, xlsx or pdf (default: by the extension of --out).",
)
@handles_errors
def report_simb(
    workspace: Path | None,
    period: str | None,
    first_day: Any,
    last_day: Any,
    out: Path,
    output_format: str | None,
) -> None:
    """Write the SIMB audit summary of a period: audits due and run, approvals, quality by
    DAMA dimension, trends, open risks and owners' overdue actions. Aggregates only."""
    from dqaudit.reports.publish import write_simb_report

    loaded, store = open_workspace_store(workspace)
    published = write_simb_report(
        loaded,
        store,
        out,
        format=output_format,
        period=period,
        first_day=first_day.date() if first_day else None,
        last_day=last_day.date() if last_day else None,
    )
    click.echo(
        f"wrote {published.path} ({published.format}): SIMB summary for "
        f"{published.period.describe()}, sha256 {published.sha256}"
    )
