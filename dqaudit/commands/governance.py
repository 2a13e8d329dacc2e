"""``dqaudit trail``, ``purge`` and ``schedule``: the audit trail, retention and cadence."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from dqaudit.commands.shell import (
    handles_errors,
    open_workspace_store,
    workspace_option,
)
from dqaudit.errors import ExitCode


@click.group(invoke_without_command=True)
@workspace_option
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    default=None,
    help="Only entries recorded on or after this date (YYYY-MM-DD).",
)
@click.pass_context
@handles_errors
def trail(ctx: click.Context, workspace: Path | None, since: Any) -> None:
    """Print the audit trail: approvals, revocations, runs, purges and configuration changes."""
    if ctx.invoked_subcommand is not None:
        return
    from dqaudit.governance.trail import entries
    from dqaudit.governance.views import describe_trail

    _loaded, store = open_workspace_store(workspace)
    click.echo(describe_trail(entries(store, since=since)))


@trail.command("verify")
@workspace_option
@handles_errors
def trail_verify(workspace: Path | None) -> None:
    """Check the trail's hash chain and name the first broken entry (exit 3 if broken)."""
    from dqaudit.governance.trail import verify
    from dqaudit.governance.views import describe_verification

    _loaded, store = open_workspace_store(workspace, record_config=False, warn_unprotected=False)
    result = verify(store)
    click.echo(describe_verification(result))
    if not result.ok:
        sys.exit(int(ExitCode.ENGINE_ERROR))


@trail.command("protect")
@workspace_option
@handles_errors
def trail_protect(workspace: Path | None) -> None:
    """Recreate the database triggers that keep the trail append-only, if any are missing
    (the restoration is recorded in the trail)."""
    from dqaudit.governance.trail import restore_protections

    _loaded, store = open_workspace_store(workspace, record_config=False, warn_unprotected=False)
    restored = restore_protections(store)
    if restored:
        click.echo("restored: " + "; ".join(restored))
    else:
        click.echo("the trail's protections are all in place: nothing to restore")


@click.command()
@workspace_option
@click.option(
    "--older-than",
    "older_than",
    type=int,
    default=None,
    help="Purge runs older than this many days (default: retention.record_details_days).",
)
@click.option("--dry-run", is_flag=True, help="List what would be purged; change nothing.")
@handles_errors
def purge(workspace: Path | None, older_than: int | None, dry_run: bool) -> None:
    """Remove failing-record details of old runs, keeping their counts, outcomes and hashes."""
    from dqaudit.governance.retention import purge as purge_details
    from dqaudit.governance.views import describe_purge

    loaded, store = open_workspace_store(workspace)
    days = older_than if older_than is not None else loaded.config.retention.record_details_days
    click.echo(describe_purge(purge_details(store, days, dry_run=dry_run)))


@click.command()
@workspace_option
@click.option("--band", default=None, help="Only suites in this risk band.")
@handles_errors
def schedule(workspace: Path | None, band: str | None) -> None:
    """Show each suite's cadence, its last complete run and when it is next due."""
    from datetime import UTC, datetime

    from dqaudit.governance.schedule import workspace_schedule
    from dqaudit.governance.views import describe_schedule

    loaded, store = open_workspace_store(workspace)
    now = datetime.now(UTC)
    click.echo(describe_schedule(workspace_schedule(store, loaded, band=band, now=now), now))
