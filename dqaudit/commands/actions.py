"""``dqaudit actions``: findings, owner action plans, exceptions and email delivery."""

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
def actions() -> None:
    """Owner action plans: findings, Excel plans out and back, exceptions, email delivery."""


@actions.command("list")
@workspace_option
@click.option(
    "--overdue", is_flag=True, help="Only findings past their agreed or default due date."
)
@click.option("--owner", default=None, metavar="EMAIL", help="Only this system owner's findings.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the listing as a JSON document on stdout."
)
@handles_errors
def actions_list(workspace: Path | None, overdue: bool, owner: str | None, as_json: bool) -> None:
    """List findings ranked by risk, with status, due date and owner."""
    from dqaudit.actions.export import check_selection
    from dqaudit.actions.findings import list_findings
    from dqaudit.actions.views import describe_findings
    from dqaudit.commands.documents import echo_json, findings_document
    from dqaudit.commands.terminal import emit

    loaded, store = open_workspace_store(workspace)
    check_selection(loaded, owner, None)
    today = store.clock().date()
    findings = list_findings(store, owner=owner, overdue_only=overdue, today=today)
    if as_json:
        echo_json(findings_document(findings, today))
    else:
        emit(describe_findings(findings))


@actions.command("export")
@workspace_option
@click.option("--owner", default=None, metavar="EMAIL", help="Only this owner's plan.")
@click.option("--system", default=None, help="Only the findings of this system.")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the plans.",
)
@handles_errors
def actions_export(
    workspace: Path | None, owner: str | None, system: str | None, out: Path
) -> None:
    """Write one Excel action plan per system owner into --out."""
    from dqaudit.actions.export import export_plans
    from dqaudit.actions.views import describe_exports
    from dqaudit.commands.progress import work_progress

    loaded, store = open_workspace_store(workspace)
    with work_progress("exporting action plans") as stage:
        counted = None
        if stage is not None:
            counted = _findings_written(stage)
        plans = export_plans(store, loaded, out, owner=owner, system=system, progress=counted)
    click.echo(describe_exports(plans))


def _findings_written(stage: Any) -> Any:
    def progress(done: int, total: int) -> None:
        stage("exporting action plans (findings)", done, total)

    return progress


@actions.command("import")
@click.argument("plan_file", metavar="FILE.xlsx", type=click.Path(dir_okay=False, path_type=Path))
@workspace_option
@click.option("--force", is_flag=True, help="Import a plan even though a later one was exported.")
@handles_errors
def actions_import(plan_file: Path, workspace: Path | None, force: bool) -> None:
    """Read an owner's edits back: status, agreed action and date, comment, exceptions."""
    from dqaudit.actions.plan_import import import_plan
    from dqaudit.actions.views import describe_import

    _loaded, store = open_workspace_store(workspace)
    click.echo(describe_import(import_plan(store, plan_file, force=force)))


@actions.command("send")
@workspace_option
@click.option("--owner", default=None, metavar="EMAIL", help="Only this owner.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the plans sent (default: action-plans/ in the workspace).",
)
@click.option("--dry-run", is_flag=True, help="List who would get what; send nothing.")
@handles_errors
def actions_send(
    workspace: Path | None, owner: str | None, out: Path | None, dry_run: bool
) -> None:
    """Email each owner their action plan over SMTP (settings in the smtp section)."""
    from dqaudit.actions.delivery import send_action_plans
    from dqaudit.actions.views import describe_deliveries

    loaded, store = open_workspace_store(workspace)
    folder = out or loaded.root / "action-plans"
    deliveries = send_action_plans(store, loaded, folder, owner=owner, dry_run=dry_run)
    click.echo(describe_deliveries(deliveries, dry_run))


@actions.group("exception")
def actions_exception() -> None:
    """Accepted exceptions: failing records that are correct and not counted against owners."""


@actions_exception.command("add")
@click.argument("finding_id", type=int)
@click.argument("record_key")
@workspace_option
@click.option("--reason", required=True, help="Why the record is correct as it is.")
@click.option("--by", "by", required=True, help="Who in the records team approves it.")
@click.option(
    "--expires",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Expiry date (YYYY-MM-DD).",
)
@handles_errors
def exception_add(
    finding_id: int, record_key: str, workspace: Path | None, reason: str, by: str, expires: Any
) -> None:
    """Record an approved exception for one failing record of a finding."""
    from dqaudit.actions.exceptions import add_exception

    _loaded, store = open_workspace_store(workspace)
    exception_id = add_exception(
        store, finding_id, record_key, reason=reason, by=by, expires=expires.date()
    )
    click.echo(
        f"exception {exception_id}: record {record_key} of finding {finding_id}, until {expires:%Y-%m-%d}"
    )


@actions_exception.command("approve")
@click.argument("exception_id", type=int)
@workspace_option
@click.option("--by", "by", required=True, help="Who in the records team approves it.")
@click.option(
    "--expires",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Expiry date (YYYY-MM-DD).",
)
@handles_errors
def exception_approve(exception_id: int, workspace: Path | None, by: str, expires: Any) -> None:
    """Approve an exception an owner asked for in their plan, until an expiry date."""
    from dqaudit.actions.exceptions import decide_exception

    _loaded, store = open_workspace_store(workspace)
    decide_exception(store, exception_id, approve=True, by=by, expires=expires.date())
    click.echo(f"exception {exception_id} approved until {expires:%Y-%m-%d}")


@actions_exception.command("reject")
@click.argument("exception_id", type=int)
@workspace_option
@click.option("--by", "by", required=True, help="Who in the records team rejects it.")
@handles_errors
def exception_reject(exception_id: int, workspace: Path | None, by: str) -> None:
    """Reject an exception an owner asked for: the record still counts as failing."""
    from dqaudit.actions.exceptions import decide_exception

    _loaded, store = open_workspace_store(workspace)
    decide_exception(store, exception_id, approve=False, by=by)
    click.echo(f"exception {exception_id} rejected")


@actions_exception.command("list")
@workspace_option
@click.option(
    "--finding", "finding_id", type=int, default=None, help="Only this finding's exceptions."
)
@handles_errors
def exception_list(workspace: Path | None, finding_id: int | None) -> None:
    """List exceptions: requested, approved (with expiry) or rejected."""
    from dqaudit.actions.exceptions import list_exceptions
    from dqaudit.actions.views import describe_exceptions

    _loaded, store = open_workspace_store(workspace)
    click.echo(describe_exceptions(list_exceptions(store, finding_id)))
