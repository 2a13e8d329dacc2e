"""The ``dqaudit`` command line: a thin shell over the library.

Each command parses its options, calls one library function and turns domain errors into
a one-line message and an exit code from ``ExitCode``. Heavy imports (pandas, GX,
SQLAlchemy) happen inside commands, so ``dqaudit --help`` starts at once.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from dqaudit import __version__
from dqaudit.errors import DqauditError, ExitCode


class CommandError(click.ClickException):
    """A domain error shown as one line on stderr, with the exit code the error carries."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _debug_enabled() -> bool:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    return bool(root and root.obj and root.obj.get("debug")) or bool(
        os.environ.get("DQAUDIT_DEBUG")
    )


def handles_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn DqauditError into exit 2/3 with one clear line; --debug adds the traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except DqauditError as exc:
            if _debug_enabled():
                traceback.print_exc()
            raise CommandError(exc.message, int(exc.exit_code)) from None
        except KeyboardInterrupt:
            raise CommandError("interrupted", int(ExitCode.ENGINE_ERROR)) from None
        except Exception as exc:
            if _debug_enabled():
                traceback.print_exc()
            raise CommandError(
                f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
                int(ExitCode.ENGINE_ERROR),
            ) from None

    return wrapper


workspace_option = click.option(
    "--workspace",
    "-w",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Workspace folder holding dqaudit.yml (default: $DQAUDIT_WORKSPACE or the current folder).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dqaudit")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Data-quality audits of police records systems, on Great Expectations.

    Exit codes: 0 all checks passed, 1 some check failed, 2 bad input or
    configuration, 3 engine or environment error.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


# --- check ---------------------------------------------------------------------------------


@cli.command()
@click.argument("file", type=click.Path(path_type=Path), required=False)
@click.option(
    "--suite",
    "suite_path",
    required=True,
    type=click.Path(path_type=Path),
    help="GX suite JSON file to check the file against.",
)
@click.option(
    "--key",
    default=None,
    metavar="COLUMN[,COLUMN...]",
    help="Column(s) identifying a record; without it, failing rows are named by line number.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the result document as JSON on stdout."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the JSON result document to this file.",
)
@click.option(
    "--connector",
    "connector_type",
    default=None,
    metavar="TYPE",
    help="Connector to read with (default: by FILE's extension; csv for unknown ones).",
)
@click.option(
    "--option",
    "options",
    multiple=True,
    metavar="KEY=VALUE",
    help="A connector option, as in dqaudit.yml (repeatable): --option mode=pushdown.",
)
def check(
    file: Path | None,
    suite_path: Path,
    key: str | None,
    as_json: bool,
    out: Path | None,
    connector_type: str | None,
    options: tuple[str, ...],
) -> None:
    """Audit one extract FILE (or --connector TYPE --option ...) against one suite, ad hoc.

    No workspace or approval is needed. FILE's extension picks the connector (.xlsx
    excel, .dat fixed_width with --option layout=..., .db/.sqlite sql, else csv);
    --connector sql --option url=... --option table=... audits a database.
    """
    from dqaudit.audits.results import error_document

    try:
        result = _check(file, suite_path, key, connector_type, options)
    except CommandError as exc:
        document = error_document(exc.message)
        if as_json:
            click.echo(json.dumps(document))
        if out is not None:
            _write_json(out, document)
        raise
    document = result.to_dict()
    if out is not None:
        _write_json(out, document)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if as_json:
        click.echo(json.dumps(document))
    else:
        from dqaudit.audits.console import describe_result

        click.echo(describe_result(result))
    exit_code = _result_exit_code(result.status)
    if exit_code == ExitCode.ENGINE_ERROR:
        click.echo(f"Error: {document['error']}", err=True)
    sys.exit(int(exit_code))


@handles_errors
def _check(
    file: Path | None,
    suite_path: Path,
    key: str | None,
    connector_type: str | None,
    options: tuple[str, ...],
) -> Any:
    from dqaudit.audits.check import check_source
    from dqaudit.connectors.adhoc import parse_options

    settings = parse_options(options)
    return check_source(suite_path, file, connector=connector_type, options=settings, key=key)


def _result_exit_code(status: str) -> ExitCode:
    return {"passed": ExitCode.OK, "failed": ExitCode.CHECKS_FAILED}.get(
        status, ExitCode.ENGINE_ERROR
    )


def _write_json(path: Path, document: dict[str, Any]) -> None:
    try:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise CommandError(
            f"cannot write {path}: {exc.strerror or exc}", int(ExitCode.BAD_INPUT)
        ) from None


# --- init ----------------------------------------------------------------------------------


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@handles_errors
def init(directory: Path) -> None:
    """Create a commented workspace in DIRECTORY: dqaudit.yml, a suite and example data."""
    from dqaudit.workspace.scaffold import create_workspace

    created = create_workspace(directory)
    for path in created:
        click.echo(f"created {path}")
    click.echo(f"next: dqaudit audit run --workspace {directory}")


# --- audit ---------------------------------------------------------------------------------


@cli.group()
def audit() -> None:
    """Run the workspace's suites against their datasets and inspect stored runs."""


@audit.command("run")
@workspace_option
@click.option("--system", default=None, help="Only the suites of this system.")
@click.option("--suite", "suite_name", default=None, help="Only the suite with this name.")
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
    suite_name: str | None,
    allow_draft: bool,
    due_only: bool,
) -> None:
    """Run suites against their datasets, highest risk first, recording every result."""
    from dqaudit.audits.audit_run import run_audits
    from dqaudit.audits.console import describe_batch

    loaded, store = _open(workspace)
    store.close()
    batch = run_audits(
        loaded,
        system=system,
        suite_name=suite_name,
        allow_draft=allow_draft,
        due_only=due_only,
        progress=lambda line: click.echo(line, err=True),
    )
    click.echo(describe_batch(batch))
    for run in batch.runs:
        if run.error:
            click.echo(f"Error: {run.suite_name}: {run.error}", err=True)
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
@click.option("--limit", default=50, show_default=True, help="How many runs, newest first.")
@click.option("--suite", "suite_name", default=None, help="Only runs of this suite.")
@handles_errors
def audit_list(workspace: Path | None, limit: int, suite_name: str | None) -> None:
    """List recorded runs, newest first, with their status and outcome."""
    from dqaudit.audits.console import describe_runs

    store = _open_store(workspace)
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
    from dqaudit.audits.console import describe_stored_run
    from dqaudit.audits.run_document import run_document

    store = _open_store(workspace)
    document = run_document(store.get_run(run_id))
    if as_json:
        click.echo(json.dumps(document, default=str))
    else:
        click.echo(describe_stored_run(document))


# --- connectors ----------------------------------------------------------------------------


@cli.group()
def connectors() -> None:
    """Connector plugins that turn a dataset's settings into an extract."""


@connectors.command("list")
@handles_errors
def connectors_list() -> None:
    """List installed connectors: type, package, version and description."""
    from dqaudit.connectors.registry import installed_connectors

    for info in installed_connectors():
        click.echo(f"{info.type:<14} {info.package} {info.version:<10} {info.description}")


# --- rules ---------------------------------------------------------------------------------


@cli.group()
def rules() -> None:
    """The built-in police rule library: custom expectations and derived datasets."""


@rules.command("list")
@handles_errors
def rules_list() -> None:
    """List every built-in rule with the engines it runs on and an example."""
    from dqaudit.expectations.rules.catalogue import describe

    click.echo(describe())


# --- extract -------------------------------------------------------------------------------


@cli.group()
def extract() -> None:
    """Look at a workspace dataset's extract before auditing it."""


@extract.command("preview")
@click.argument("system")
@click.argument("dataset")
@click.option("--rows", default=10, show_default=True, help="How many rows to show.")
@workspace_option
@handles_errors
def extract_preview(system: str, dataset: str, rows: int, workspace: Path | None) -> None:
    """Show the first rows of SYSTEM's DATASET and its fingerprint (sensitive columns masked)."""
    from dqaudit.connectors.preview import preview_dataset

    click.echo(preview_dataset(_open_workspace(workspace), system, dataset, rows).describe())


# --- suite ---------------------------------------------------------------------------------


@cli.group()
def suite() -> None:
    """Inspect expectation suites."""


@suite.command("approve")
@click.argument("suite_ref", metavar="SUITE")
@workspace_option
@click.option("--by", "by", required=True, help="Who approved it (the chair or officer, by name).")
@click.option("--board", required=True, help="The approving board, e.g. SIMB.")
@click.option("--minute", required=True, help="The board minute or decision reference.")
@click.option(
    "--review-by",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date (YYYY-MM-DD) by which the board must review the approval.",
)
@handles_errors
def suite_approve(
    suite_ref: str, workspace: Path | None, by: str, board: str, minute: str, review_by: Any
) -> None:
    """Record the board's approval of SUITE (a name or file) as it is now, bound to its hash."""
    from dqaudit.governance.approvals import approve

    loaded, store = _open(workspace)
    approval = approve(
        store,
        loaded,
        suite_ref,
        by=by,
        board=board,
        minute=minute,
        review_by=review_by.date() if review_by else None,
    )
    click.echo(
        f"approved {approval.suite_name} (hash {approval.suite_hash[:16]}…) by {approval.approved_by}, "
        f"{approval.board} minute {approval.minute}"
    )
    for reference in approval.reference_files:
        click.echo(f"  reference file {reference['path']} sha256 {reference['sha256'][:16]}…")


@suite.command("status")
@workspace_option
@click.option("--band", default=None, help="Only suites in this risk band.")
@handles_errors
def suite_status(workspace: Path | None, band: str | None) -> None:
    """List each suite: approved, changed since approval, never approved, revoked or review overdue."""
    from dqaudit.governance.approvals import all_states
    from dqaudit.governance.views import describe_states

    loaded, store = _open(workspace)
    states = all_states(store, loaded, band=band)
    click.echo(describe_states(states, loaded.config.risk))


@suite.command("diff")
@click.argument("suite_ref", metavar="SUITE")
@workspace_option
@handles_errors
def suite_diff(suite_ref: str, workspace: Path | None) -> None:
    """Show rules added, removed or changed (by rule_id) since SUITE's approved version."""
    from dqaudit.governance.approvals import diff
    from dqaudit.governance.views import describe_diff

    loaded, store = _open(workspace)
    click.echo(describe_diff(diff(store, loaded, suite_ref)))


@suite.command("revoke")
@click.argument("suite_ref", metavar="SUITE")
@workspace_option
@click.option("--by", "by", required=True, help="Who revoked the approval.")
@click.option("--reason", required=True, help="Why the approval is withdrawn.")
@handles_errors
def suite_revoke(suite_ref: str, workspace: Path | None, by: str, reason: str) -> None:
    """Withdraw SUITE's approval; it will not run again until it is re-approved."""
    from dqaudit.governance.approvals import revoke

    loaded, store = _open(workspace)
    approval = revoke(store, loaded, suite_ref, by=by, reason=reason)
    click.echo(f"revoked the approval of {approval.suite_name} ({approval.minute}): {reason}")


@suite.command("hash")
@click.argument("suite_file", type=click.Path(path_type=Path))
@handles_errors
def suite_hash(suite_file: Path) -> None:
    """Print a suite's hash: the SHA-256 that SIMB approvals are bound to."""
    from dqaudit.expectations.suite import load_suite

    loaded = load_suite(suite_file)
    click.echo(f"{loaded.hash}  {loaded.name}")


# --- actions -------------------------------------------------------------------------------


@cli.group()
def actions() -> None:
    """Owner action plans: findings, Excel plans out and back, exceptions, email delivery."""


@actions.command("list")
@workspace_option
@click.option(
    "--overdue", is_flag=True, help="Only findings past their agreed or default due date."
)
@click.option("--owner", default=None, metavar="EMAIL", help="Only this system owner's findings.")
@handles_errors
def actions_list(workspace: Path | None, overdue: bool, owner: str | None) -> None:
    """List findings ranked by risk, with status, due date and owner."""
    from dqaudit.actions.findings import list_findings
    from dqaudit.actions.views import describe_findings

    _loaded, store = _open(workspace)
    click.echo(describe_findings(list_findings(store, owner=owner, overdue_only=overdue)))


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

    loaded, store = _open(workspace)
    click.echo(describe_exports(export_plans(store, loaded, out, owner=owner, system=system)))


@actions.command("import")
@click.argument("plan_file", metavar="FILE.xlsx", type=click.Path(dir_okay=False, path_type=Path))
@workspace_option
@click.option("--force", is_flag=True, help="Import a plan even though a later one was exported.")
@handles_errors
def actions_import(plan_file: Path, workspace: Path | None, force: bool) -> None:
    """Read an owner's edits back: status, agreed action and date, comment, exceptions."""
    from dqaudit.actions.plan_import import import_plan
    from dqaudit.actions.views import describe_import

    _loaded, store = _open(workspace)
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

    loaded, store = _open(workspace)
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

    _loaded, store = _open(workspace)
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

    _loaded, store = _open(workspace)
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

    _loaded, store = _open(workspace)
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

    _loaded, store = _open(workspace)
    click.echo(describe_exceptions(list_exceptions(store, finding_id)))


# --- trail, purge, schedule ----------------------------------------------------------------


@cli.group(invoke_without_command=True)
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

    _loaded, store = _open(workspace)
    click.echo(describe_trail(entries(store, since=since)))


@trail.command("verify")
@workspace_option
@handles_errors
def trail_verify(workspace: Path | None) -> None:
    """Check the trail's hash chain and name the first broken entry (exit 3 if broken)."""
    from dqaudit.governance.trail import verify
    from dqaudit.governance.views import describe_verification

    _loaded, store = _open(workspace, record_config=False)
    result = verify(store)
    click.echo(describe_verification(result))
    if not result.ok:
        sys.exit(int(ExitCode.ENGINE_ERROR))


@cli.command()
@workspace_option
@click.option(
    "--older-than",
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

    loaded, store = _open(workspace)
    days = older_than if older_than is not None else loaded.config.retention.record_details_days
    click.echo(describe_purge(purge_details(store, days, dry_run=dry_run)))


@cli.command()
@workspace_option
@click.option("--band", default=None, help="Only suites in this risk band.")
@handles_errors
def schedule(workspace: Path | None, band: str | None) -> None:
    """Show each suite's cadence, its last complete run and when it is next due."""
    from datetime import UTC, datetime

    from dqaudit.governance.schedule import workspace_schedule
    from dqaudit.governance.views import describe_schedule

    loaded, store = _open(workspace)
    now = datetime.now(UTC)
    click.echo(describe_schedule(workspace_schedule(store, loaded, band=band, now=now), now))


# --- report --------------------------------------------------------------------------------


@cli.group()
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
    help="File to write: .html, or .xlsx for Excel.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["html", "xlsx"]),
    default=None,
    help="html or xlsx (default: by the extension of --out).",
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

    loaded, store = _open(workspace)
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


# --- demo ----------------------------------------------------------------------------------


@cli.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="Folder for the demo's store, results and reports.",
)
@click.option(
    "--sample-data",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("sample_data"),
    show_default=True,
    help="The sample_data folder of a dqaudit checkout.",
)
@handles_errors
def demo(out: Path, sample_data: Path) -> None:
    """Run the whole audit scenario on the sample data and write everything under --out."""
    from dqaudit.demo import run_demo

    summary, batch = run_demo(sample_data, out, progress=lambda line: click.echo(line, err=True))
    click.echo(summary)
    if batch.exit_code > ExitCode.CHECKS_FAILED:  # failing checks are the demo's point
        sys.exit(int(batch.exit_code))


# --- helpers -------------------------------------------------------------------------------


def _open_workspace(folder: Path | None) -> Any:
    from dqaudit.workspace.config import load_workspace

    return load_workspace(folder)


def _open_store(folder: Path | None) -> Any:
    return _open(folder)[1]


def _open(folder: Path | None, record_config: bool = True) -> tuple[Any, Any]:
    """The workspace and its store, after reporting unfinished runs and recording a
    changed dqaudit.yml in the trail."""
    from dqaudit.audits.store import AuditStore
    from dqaudit.governance.trail import record_config as record_config_change

    loaded = _open_workspace(folder)
    store = AuditStore(loaded.store_url)
    click.get_current_context().call_on_close(store.close)
    _report_stale(store)
    if record_config:
        record_config_change(store, loaded.config_path)
    return loaded, store


def _report_stale(store: Any) -> None:
    for run in store.find_stale_runs():
        click.echo(
            f"warning: run {run.run_id[:12]} of suite {run.suite_name}, started "
            f"{run.started_at:%Y-%m-%d %H:%M} UTC, did not finish (now {run.status}); "
            "its results are incomplete",
            err=True,
        )


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="dqaudit")


if __name__ == "__main__":
    main()
