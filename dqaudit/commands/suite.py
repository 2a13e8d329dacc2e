"""``dqaudit suite``: SIMB approval of suites, their status, diffs and hashes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from dqaudit.commands.drafting import suite_draft
from dqaudit.commands.shell import (
    handles_errors,
    open_workspace,
    open_workspace_store,
    workspace_option,
)


@click.group()
def suite() -> None:
    """Inspect expectation suites."""


suite.add_command(suite_draft)


@suite.command("lint")
@click.argument("suite_ref", metavar="SUITE")
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@handles_errors
def suite_lint(suite_ref: str, workspace: Path | None, as_json: bool) -> None:
    """Check SUITE (a file or a workspace suite name) whole and list every problem at once.

    Each problem names the file, the expectation, the rule id and the setting, with "did
    you mean" suggestions; columns are checked against the dataset's header, read
    without reading the extract. Exit 1 when there is an error or a value still to be
    set, 0 when the suite is clean (warnings allowed).
    """
    from dqaudit.governance.lint import lint_reference

    report = lint_reference(suite_ref, _lint_workspace(workspace, suite_ref))
    click.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.describe())
    sys.exit(0 if report.clean else 1)


def _lint_workspace(folder: Path | None, suite_ref: str) -> Any:
    """The workspace named (or found as every command finds it); a suite file may also be
    linted on its own, outside any workspace."""
    from dqaudit.errors import InputError

    try:
        return open_workspace(folder)
    except InputError:
        if folder is not None or not Path(suite_ref).is_file():
            raise
        return None


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
    """Record the board's approval of SUITE (a name or file) as it is now, bound to its hash.

    The suite must pass 'suite lint' first: no error, nothing left to set, no draft mark.
    """
    from dqaudit.governance.approvals import approve

    loaded, store = open_workspace_store(workspace)
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

    loaded, store = open_workspace_store(workspace)
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

    loaded, store = open_workspace_store(workspace)
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

    loaded, store = open_workspace_store(workspace)
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
