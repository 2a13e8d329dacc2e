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
    report_line,
    warn,
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
@click.option(
    "--html",
    "html_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write each run's results page (self-contained HTML) into this folder.",
)
@click.option(
    "--jobs",
    type=int,
    default=None,
    callback=lambda _ctx, _param, value: _jobs(value),
    help="How many suites run at once, each in its own process (default: the number of "
    "cores; 1 runs them one after another). A suite whose extract would not fit in "
    "memory beside the others runs alone.",
)
@handles_errors
def audit_run(
    workspace: Path | None,
    system: str | None,
    suite_names: tuple[str, ...],
    allow_draft: bool,
    due_only: bool,
    html_dir: Path | None,
    jobs: int | None,
) -> None:
    """Run suites against their datasets, highest risk first, recording every result."""
    from dqaudit.audits.audit_run import run_audits
    from dqaudit.audits.parallel import default_jobs
    from dqaudit.commands.console import describe_batch
    from dqaudit.commands.progress import work_progress
    from dqaudit.commands.terminal import emit

    loaded, store = open_workspace_store(workspace)
    store.close()
    with work_progress("auditing") as stage:
        batch = run_audits(
            loaded,
            system=system,
            suite_names=suite_names or None,
            allow_draft=allow_draft,
            due_only=due_only,
            progress=report_line,
            stage=stage,
            jobs=jobs if jobs is not None else default_jobs(),
        )
    emit(describe_batch(batch), wrap=True)
    for run in batch.runs:
        for warning in run.warnings:
            warn(f"{run.suite_name}: {warning}")
    if html_dir is not None and batch.runs:
        from dqaudit.reports.run_page import write_run_pages

        store = open_store(workspace)
        for page in write_run_pages(store, loaded, [r.run_id for r in batch.runs], html_dir):
            click.echo(f"results page: {page.path} (SHA-256 {page.sha256})")
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
@click.option(
    "--json", "as_json", is_flag=True, help="Print the listing as a JSON document on stdout."
)
@handles_errors
def audit_list(workspace: Path | None, limit: int, suite_name: str | None, as_json: bool) -> None:
    """List recorded runs, newest first, with their status and outcome."""
    from dqaudit.commands.console import describe_runs
    from dqaudit.commands.documents import echo_json, runs_document
    from dqaudit.commands.terminal import emit

    store = open_store(workspace)
    runs = store.list_runs(limit=limit, suite=suite_name)
    if as_json:
        echo_json(runs_document(runs))
    else:
        emit(describe_runs(runs))


@audit.command("show")
@click.argument("run_id")
@workspace_option
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the run as JSON (the check document plus run metadata).",
)
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the run's results page (self-contained HTML) to this file instead.",
)
@handles_errors
def audit_show(run_id: str, workspace: Path | None, as_json: bool, html_file: Path | None) -> None:
    """Show one run: its metadata, each rule's outcome and the failing keys."""
    from dqaudit.audits.run_document import run_document
    from dqaudit.commands.console import describe_stored_run

    if html_file is not None:
        from dqaudit.reports.run_page import write_run_page

        loaded, store = open_workspace_store(workspace)
        page = write_run_page(store, loaded, run_id, html_file)
        click.echo(f"results page: {page.path} (SHA-256 {page.sha256})", err=as_json)
        if not as_json:
            return
    store = open_store(workspace)
    run = store.get_run(run_id)
    document = run_document(run, store.run_references(run.run_id))
    if as_json:
        click.echo(json.dumps(document, default=str))
    else:
        from dqaudit.commands.terminal import emit

        emit(describe_stored_run(document, run.rules), wrap=True)


def _jobs(value: int | None) -> int | None:
    if value is not None and value < 1:
        raise click.BadParameter(f"{value} is not a number of processes (give 1 or more)")
    return value
