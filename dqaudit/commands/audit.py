"""``dqaudit audit``: run suites against their datasets, list and show stored runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from dqaudit.commands.shell import (
    handles_errors,
    open_store,
    open_workspace_store,
    workspace_option,
)


@click.group()
def audit() -> None:
    """Run the workspace's suites against their datasets and inspect stored runs."""


@audit.command("run")
@workspace_option
@click.option("--system", default=None, help="Only the suites of this system.")
@click.option(
    "--suite",
    "suite_names",
    multiple=True,
    help="Only the suite with this name (repeatable: --suite A --suite B runs both).",
)
@click.option(
    "--allow-draft",
    is_flag=True,
    help="Also run suites the SIMB has not approved (or that changed since); runs are marked draft.",
)
@click.option(
    "--due",
    "due_only",
    is_flag=True,
    help="Run only what the schedule says is due, then exit (for cron).",
)
@handles_errors
def audit_run(
    workspace: Path | None,
    system: str | None,
    suite_names: tuple[str, ...],
    allow_draft: bool,
    due_only: bool,
) -> None:
    """Run suites against their datasets, highest risk first, recording every result."""
    from dqaudit.audits.audit_run import run_audits
    from dqaudit.commands.console import describe_batch

    loaded, store = open_workspace_store(workspace)
    store.close()
    batch = run_audits(
        loaded,
        system=system,
        suite_names=suite_names or None,
        allow_draft=allow_draft,
        due_only=due_only,
        progress=lambda line: click.echo(line, err=True),
    )
    click.echo(describe_batch(batch))
    for run in batch.runs:
        if run.error:
            click.echo(f"Error: {run.suite_name}: {run.error}", err=True)
    for name, problems in batch.invalid:
        click.echo(f"Error: suite {name} was not run: {len(problems)} error(s):", err=True)
        for problem in problems:
            click.echo(f"  {problem}", err=True)
    if batch.refused:
        refused = ", ".join(f"{name} ({status})" for name, status in batch.refused)
        click.echo(
            f"Error: not approved by the SIMB: {refused}; approve with 'dqaudit suite approve "
            "SUITE --by NAME --board SIMB --minute REF', or run with --allow-draft",
            err=True,
        )
    sys.exit(int(batch.exit_code))


@audit.command("list")
@workspace_option
@click.option(
    "--limit",
    default=50,
    show_default=True,
    type=click.IntRange(min=1),
    help="How many runs, newest first.",
)
@click.option("--suite", "suite_name", default=None, help="Only runs of this suite.")
@handles_errors
def audit_list(workspace: Path | None, limit: int, suite_name: str | None) -> None:
    """List recorded runs, newest first, with their status and outcome."""
    from dqaudit.commands.console import describe_runs

    store = open_store(workspace)
    click.echo(describe_runs(store.list_runs(limit=limit, suite=suite_name)))


@audit.command("show")
@click.argument("run_id")
@workspace_option
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the run as JSON (the check document plus run metadata).",
)
@handles_errors
def audit_show(run_id: str, workspace: Path | None, as_json: bool) -> None:
    """Show one run: its metadata, each rule's outcome and the failing keys."""
    from dqaudit.audits.run_document import run_document
    from dqaudit.commands.console import describe_stored_run

    store = open_store(workspace)
    run = store.get_run(run_id)
    document = run_document(run, store.run_references(run.run_id))
    if as_json:
        click.echo(json.dumps(document, default=str))
    else:
        click.echo(describe_stored_run(document, run.rules))
