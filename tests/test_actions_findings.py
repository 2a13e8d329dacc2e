"""Findings: one per failing expectation, updated by later runs, verified and reopened."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from dqaudit.actions.finding_status import LIBRARY_CHANGED
from dqaudit.actions.findings import list_findings
from dqaudit.governance.rule_library import current_version
from dqaudit.store import AuditStore, schema
from dqaudit.workspace.config import load_workspace
from tests.actions_fixtures import ROWS, make_workspace, run, write_data
from tests.conftest import invoke


def findings(folder: Path) -> dict[str, object]:
    store = AuditStore(load_workspace(folder).store_url)
    try:
        return {row.rule_id: row for row in list_findings(store)}
    finally:
        store.close()


def set_finding(folder: Path, rule_id: str, **values: object) -> None:
    store = AuditStore(load_workspace(folder).store_url)
    with store.engine.begin() as connection:
        connection.execute(
            schema.findings.update().where(schema.findings.c.rule_id == rule_id).values(**values)
        )
    store.close()


def test_a_run_creates_one_finding_per_failing_rule(tmp_path: Path) -> None:
    folder = make_workspace(tmp_path / "ws")
    assert run(folder) == 1
    found = findings(folder)
    assert set(found) == {"STN", "NAME", "NOTE", "SURNAME-LEN"}
    station = found["STN"]
    assert (station.status, station.band, station.risk_score, station.failing_count) == (
        "Open",
        "High",
        20,
        2,
    )
    assert station.owner_email == "custody.owner@example.police.uk"
    assert station.description.startswith("station must be one of: BW, CV")
    assert station.remediation == "Use a real station."
    assert station.due_date == datetime.now(UTC).date() + timedelta(days=30)  # High: 30 days
    assert found["NOTE"].band == "Low" and found["NOTE"].due_date == date.today() + timedelta(
        days=180
    )
    store = AuditStore(load_workspace(folder).store_url)
    assert next(r.rule_id for r in list_findings(store)) == "STN"  # highest risk first
    store.close()


def test_later_runs_update_the_same_finding_with_its_trend(tmp_path: Path) -> None:
    folder = make_workspace(tmp_path / "ws")
    run(folder)
    first = findings(folder)["STN"]
    write_data(folder, [*ROWS, "C006,QQ,LEE,1990-01-01,ok"])
    run(folder)
    again = findings(folder)
    assert len(again) == 4
    station = again["STN"]
    assert station.finding_id == first.finding_id
    assert (station.previous_failing_count, station.failing_count) == (2, 3)
    assert station.first_seen == first.first_seen and station.last_seen > first.last_seen


def test_passing_verifies_agreed_or_resolved_and_failing_again_reopens(tmp_path: Path) -> None:
    folder = make_workspace(tmp_path / "ws")
    run(folder)
    set_finding(folder, "STN", status="Resolved")
    set_finding(folder, "NAME", status="Agreed")
    set_finding(folder, "NOTE", status="In progress")
    fixed = [
        r.replace(",XX,", ",BW,").replace(",ZZ,", ",CV,").replace("C003,CV,,", "C003,CV,KAY,")
        for r in ROWS
    ]
    write_data(
        folder,
        [
            r.replace('=HYPERLINK("http://evil")', "ok").replace("+44 7700 900123", "ok")
            for r in fixed
        ],
    )
    run(folder)
    found = findings(folder)
    assert found["STN"].status == "Verified" and found["NAME"].status == "Verified"
    assert found["NOTE"].status == "In progress"  # only Agreed or Resolved are verified
    write_data(folder, ROWS)
    run(folder)
    assert findings(folder)["STN"].status == "Open"  # reopened


def test_draft_runs_never_touch_findings(tmp_path: Path) -> None:
    folder = make_workspace(tmp_path / "ws")
    path = folder / "suites" / "custody.json"
    document = json.loads(path.read_text())
    document["meta"]["dqaudit"]["impact"] = 4
    path.write_text(json.dumps(document))
    assert run(folder, "--allow-draft") == 1
    assert findings(folder) == {}


def test_overdue_findings_are_listed(tmp_path: Path) -> None:
    folder = make_workspace(tmp_path / "ws")
    run(folder)
    set_finding(folder, "STN", status="Agreed", agreed_date=date.today() - timedelta(days=1))
    set_finding(folder, "NAME", status="Resolved", due_date=date.today() - timedelta(days=5))
    result = invoke("actions", "list", "--overdue", "-w", str(folder))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()[1:]
    assert len(lines) == 1 and "Overdue" in lines[0] and "STN" in lines[0]
    everything = invoke(
        "actions", "list", "-w", str(folder), "--owner", "CUSTODY.OWNER@example.police.uk"
    )
    assert len(everything.stdout.splitlines()) == 5


def test_observations_record_each_run(tmp_path: Path) -> None:
    folder = make_workspace(tmp_path / "ws")
    run(folder)
    run(folder)
    store = AuditStore(load_workspace(folder).store_url)
    count = store.findings.observation_count()
    store.close()
    assert count == 8


def test_a_pass_under_a_changed_rule_library_never_verifies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the built-in rules change, a pass may mean the rule changed, not the records:
    the finding is re-assessed under the new version (and says why), not verified."""
    from dqaudit.audits import audit_run

    folder = make_workspace(tmp_path / "ws")
    run(folder)
    assert findings(folder)["STN"].rule_library_version == current_version()
    set_finding(folder, "STN", status="Resolved")
    write_data(folder, [r.replace(",XX,", ",BW,").replace(",ZZ,", ",CV,") for r in ROWS])
    monkeypatch.setattr(audit_run, "current_version", lambda: "rules-v2")
    changed = invoke("audit", "run", "-w", str(folder))
    assert "the built-in rule library changed since the SIMB approved this suite" in changed.stderr
    station = findings(folder)["STN"]
    assert station.status == "Resolved" and station.rule_library_version == "rules-v2"
    assert station.status_reason == LIBRARY_CHANGED
    listing = invoke("actions", "list", "-w", str(folder)).stdout
    assert "note: not verified: the rule library changed" in listing
    run(folder)  # the same rules again: the fix now counts
    station = findings(folder)["STN"]
    assert station.status == "Verified" and station.status_reason != LIBRARY_CHANGED
    assert "note: not verified" not in invoke("actions", "list", "-w", str(folder)).stdout
