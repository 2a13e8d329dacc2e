"""SIMB governance: approvals bound to the suite hash, draft runs, diff, revoke, reference files."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from dqaudit.expectations.suite import load_workspace_suites
from dqaudit.governance import approvals
from dqaudit.store import schema
from dqaudit.store.database import AuditStore
from dqaudit.workspace.config import load_workspace
from tests.conftest import approve, invoke, rule, try_approve, write_suite

SUITE = "custody_records"


def suite_path(folder: Path) -> Path:
    return folder / "suites" / f"{SUITE}.json"


def edit_suite(folder: Path, change) -> None:
    document = json.loads(suite_path(folder).read_text())
    change(document)
    suite_path(folder).write_text(json.dumps(document, indent=2))


def status_of(folder: Path, name: str = SUITE) -> str:
    result = invoke("suite", "status", "-w", str(folder))
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if line.startswith(name + " "))
    return line


def count(folder: Path, table: sa.Table) -> int:
    store = AuditStore(load_workspace(folder).store_url)
    with store.engine.connect() as connection:
        total = connection.execute(sa.select(sa.func.count()).select_from(table)).scalar()
    store.close()
    return int(total)


def test_never_approved_suites_are_refused_and_nothing_is_recorded(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    invoke("init", str(folder))
    assert "never approved" in status_of(folder)
    result = invoke("audit", "run", "-w", str(folder))
    assert result.exit_code == 2
    assert "not approved by the SIMB: custody_records (never approved)" in result.stderr
    assert count(folder, schema.runs) == 0


def test_approval_binds_to_the_hash_wording_changes_keep_it(template_workspace: Path) -> None:
    line = status_of(template_workspace)
    assert " approved " in line and "SIMB SIMB-2026-11 by A. Chair" in line
    edit_suite(
        template_workspace,
        lambda d: d["expectations"][0]["meta"]["dqaudit"].update(rationale="Reworded."),
    )
    assert " approved " in status_of(template_workspace)
    edit_suite(
        template_workspace, lambda d: d["expectations"][2]["kwargs"]["value_set"].append("ZZ")
    )
    assert "changed since approval" in status_of(template_workspace)
    refused = invoke("audit", "run", "-w", str(template_workspace))
    assert refused.exit_code == 2
    assert "custody_records (changed since approval)" in refused.stderr
    assert count(template_workspace, schema.runs) == 0


def test_allow_draft_runs_and_marks_the_run_draft_everywhere(template_workspace: Path) -> None:
    edit_suite(template_workspace, lambda d: d["meta"]["dqaudit"].update(impact=5))
    result = invoke("audit", "run", "-w", str(template_workspace), "--allow-draft")
    assert result.exit_code == 1  # it ran, and found the template's defects
    assert "DRAFT" in result.stdout and "(DRAFT)" in result.stderr
    listing = invoke("audit", "list", "-w", str(template_workspace))
    assert listing.stdout.splitlines()[1].endswith("DRAFT")
    run_id = listing.stdout.splitlines()[1].split()[0]
    shown = json.loads(
        invoke("audit", "show", run_id, "-w", str(template_workspace), "--json").stdout
    )
    assert shown["run"]["draft"] is True
    text = invoke("audit", "show", run_id, "-w", str(template_workspace)).stdout
    assert "DRAFT (suite not approved)" in text


def test_diff_names_rules_added_removed_and_changed(template_workspace: Path) -> None:
    same = invoke("suite", "diff", SUITE, "-w", str(template_workspace))
    assert "no differences" in same.stdout

    def change(document: dict) -> None:
        expectations = document["expectations"]
        expectations[1]["meta"]["dqaudit"]["impact"] = 2  # CUS-002 risk changed
        expectations[2]["kwargs"]["value_set"] = ["BW"]  # CUS-003 kwargs changed
        removed = expectations.pop(3)  # CUS-004 removed
        assert removed["meta"]["dqaudit"]["rule_id"] == "CUS-004"
        expectations.append(
            rule("expect_column_values_to_not_be_null", "CUS-006", column="surname")
        )

    edit_suite(template_workspace, change)
    result = invoke("suite", "diff", SUITE, "-w", str(template_workspace))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "  + CUS-006  added" in lines
    assert "  - CUS-004  removed" in lines
    assert "  ~ CUS-002  changed: impact" in lines
    assert "  ~ CUS-003  changed: kwargs" in lines


def test_revoke_stops_runs_until_reapproved(template_workspace: Path) -> None:
    result = invoke(
        "suite",
        "revoke",
        SUITE,
        "-w",
        str(template_workspace),
        "--by",
        "A. Chair",
        "--reason",
        "rule set under review",
    )
    assert result.exit_code == 0, result.output
    assert "revoked" in status_of(template_workspace)
    assert invoke("audit", "run", "-w", str(template_workspace)).exit_code == 2
    again = invoke(
        "suite", "revoke", SUITE, "-w", str(template_workspace), "--by", "x", "--reason", "y"
    )
    assert again.exit_code == 2 and "no approval in force" in again.stderr
    approve(template_workspace, SUITE, minute="SIMB-2026-12")
    assert invoke("audit", "run", "-w", str(template_workspace)).exit_code == 1


def test_review_overdue_is_reported_and_still_runs(template_workspace: Path) -> None:
    future = (date.today() + timedelta(days=30)).isoformat()
    assert try_approve(template_workspace, SUITE, "M-2", "--review-by", future).exit_code == 0
    workspace = load_workspace(template_workspace)
    store = AuditStore(workspace.store_url)
    suite = load_workspace_suites(workspace)[0]
    later = date.today() + timedelta(days=31)
    state = approvals.suite_state(store, workspace, suite, today=later)
    assert state.status == approvals.REVIEW_OVERDUE and state.runnable
    assert approvals.suite_state(store, workspace, suite).status == approvals.APPROVED
    store.close()
    past = try_approve(template_workspace, SUITE, "M-3", "--review-by", "2001-01-01")
    assert past.exit_code == 2 and "not in the future" in past.stderr


def test_reference_files_are_fingerprinted_and_changes_reported(template_workspace: Path) -> None:
    reference = template_workspace / "reference" / "boundary.geojson"
    reference.parent.mkdir()
    reference.write_text('{"type": "FeatureCollection", "features": []}')
    edit_suite(
        template_workspace,
        lambda d: d["meta"]["dqaudit"].update(reference_files=["reference/boundary.geojson"]),
    )
    approve(template_workspace, SUITE, minute="SIMB-2026-13")
    assert (
        "reference file changed"
        not in invoke("suite", "status", "-w", str(template_workspace)).stdout
    )
    reference.write_text('{"type": "FeatureCollection", "features": [1]}')
    status = invoke("suite", "status", "-w", str(template_workspace)).stdout
    assert f"reference file changed since approval: {reference.resolve()}" in status
    run = invoke("audit", "run", "-w", str(template_workspace))
    assert "reference file changed since approval" in run.stderr


def test_approving_a_broken_or_unbound_suite_records_nothing(template_workspace: Path) -> None:
    before = count(template_workspace, schema.approvals)
    broken = template_workspace / "suites" / "broken.json"
    broken.write_text('{"name": "broken", "expectations": [}')
    result = try_approve(template_workspace, "broken", "M")
    assert result.exit_code == 2 and "broken.json: malformed suite JSON" in result.stderr
    broken.unlink()
    write_suite(
        template_workspace / "suites" / "stray.json",
        [rule("expect_column_values_to_not_be_null", "S-1", column="x")],
        system="custody",
        dataset="nowhere",
    )
    result = try_approve(template_workspace, "stray", "M")
    assert result.exit_code == 2 and "has no dataset 'nowhere'" in result.stderr
    assert count(template_workspace, schema.approvals) == before


def test_approved_versions_are_kept_whole(template_workspace: Path) -> None:
    original = suite_path(template_workspace).read_text()
    edit_suite(template_workspace, lambda d: d["meta"]["dqaudit"].update(impact=1))
    approve(template_workspace, SUITE, minute="SIMB-2026-14")
    store = AuditStore(load_workspace(template_workspace).store_url)
    with store.engine.connect() as connection:
        documents = (
            connection.execute(
                sa.select(schema.approvals.c.document).order_by(schema.approvals.c.id)
            )
            .scalars()
            .all()
        )
    store.close()
    assert documents[0] == original and documents[1] != original


def test_an_approval_edited_in_the_database_is_not_trusted(template_workspace: Path) -> None:
    """A forged approval row (the new hash written in by SQL) matches no trail entry."""
    edit_suite(template_workspace, lambda d: d["expectations"].pop())
    workspace = load_workspace(template_workspace)
    new_hash = load_workspace_suites(workspace)[0].hash
    store = AuditStore(workspace.store_url)
    with store.engine.begin() as connection:
        connection.execute(schema.approvals.update().values(suite_hash=new_hash))
    store.close()
    assert "approval not in the trail" in status_of(template_workspace)
    result = invoke("audit", "run", "-w", str(template_workspace))
    assert result.exit_code == 2 and "approval not in the trail" in result.stderr


def test_a_revocation_wiped_from_the_approvals_table_still_holds(template_workspace: Path) -> None:
    invoke("suite", "revoke", SUITE, "-w", str(template_workspace), "--by", "A", "--reason", "r")
    store = AuditStore(load_workspace(template_workspace).store_url)
    with store.engine.begin() as connection:
        connection.execute(schema.approvals.update().values(revoked_at=None, revoke_reason=None))
    store.close()
    assert "revoked" in status_of(template_workspace)


def test_a_suite_without_risk_values_cannot_be_approved(template_workspace: Path) -> None:
    def unscored(document: dict) -> None:
        document["meta"]["dqaudit"].pop("likelihood")
        document["meta"]["dqaudit"].pop("impact")
        for expectation in document["expectations"]:
            expectation["meta"]["dqaudit"].pop("impact", None)

    edit_suite(template_workspace, unscored)
    result = try_approve(template_workspace, SUITE, "M-2")
    assert result.exit_code == 2 and "no likelihood and impact" in result.stderr


def test_suite_status_flags_an_approval_under_another_rule_library(
    template_workspace: Path, monkeypatch
) -> None:
    from dqaudit.governance.rule_library import current_version

    store = AuditStore(load_workspace(template_workspace).store_url)
    approval = store.approvals.latest(SUITE)
    store.close()
    assert approval is not None and approval.rule_library_version == current_version()
    assert "rule library" not in invoke("suite", "status", "-w", str(template_workspace)).stdout
    monkeypatch.setattr(approvals, "current_version", lambda: "rules-v2" + "0" * 56)
    status = invoke("suite", "status", "-w", str(template_workspace))
    line = status_of(template_workspace)
    assert " approved " in line  # still runnable: flagged, not refused
    assert (
        f"rule library changed since approval: approved under {current_version()[:12]}…, "
        "now rules-v20000…" in status.stdout
    )


def test_library_errors_name_fields_and_the_cli_names_its_options(
    template_workspace: Path,
) -> None:
    import pytest

    from dqaudit.errors import FieldError

    workspace = load_workspace(template_workspace)
    store = AuditStore(workspace.store_url)
    try:
        with pytest.raises(FieldError, match=r"^by must not be empty$"):
            approvals.approve(store, workspace, SUITE, by=" ", board="SIMB", minute="M")
        with pytest.raises(FieldError, match=r"^review_by 2001-01-01 is not in the future$"):
            approvals.approve(
                store, workspace, SUITE, by="A", board="B", minute="M", review_by=date(2001, 1, 1)
            )
        with pytest.raises(FieldError, match=r"^reason must not be empty$"):
            approvals.revoke(store, workspace, SUITE, by="A", reason="")
    finally:
        store.close()
    empty = invoke(
        "suite", "approve", SUITE, "-w", str(template_workspace),
        "--by", " ", "--board", "SIMB", "--minute", "M",
    )  # fmt: skip
    assert empty.exit_code == 2 and "Error: --by must not be empty" in empty.stderr
    past = try_approve(template_workspace, SUITE, "M-3", "--review-by", "2001-01-01")
    assert "Error: --review-by 2001-01-01 is not in the future" in past.stderr
    purge = invoke("purge", "-w", str(template_workspace), "--older-than", "0")
    assert "Error: --older-than must be from 1 to 36500 days, not 0" in purge.stderr
