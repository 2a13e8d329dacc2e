"""``--json`` on every listing command: documented, versioned, stable documents."""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from dqaudit.expectations.rules.catalogue import RULES
from tests.actions_fixtures import make_workspace, run
from tests.conftest import invoke
from tests.test_actions_findings import set_finding

DOCS = (Path(__file__).resolve().parent.parent / "docs" / "commands.md").read_text("utf-8")


def listing(*args: str) -> dict[str, Any]:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)  # stdout is exactly one JSON document
    assert document["document_version"] == 1
    return document


def test_audit_list_json(template_workspace: Path) -> None:
    assert listing("audit", "list", "-w", str(template_workspace))["runs"] == []
    invoke("audit", "run", "-w", str(template_workspace))
    invoke("audit", "run", "-w", str(template_workspace), "--allow-draft")
    runs = listing("audit", "list", "-w", str(template_workspace))["runs"]
    assert len(runs) == 2
    first = runs[0]
    assert set(first) == {
        "run_id",
        "batch_id",
        "suite",
        "suite_hash",
        "system",
        "dataset",
        "status",
        "outcome",
        "draft",
        "started_at",
        "ended_at",
        "risk_score",
        "band",
        "rule_library_version",
    }
    assert first["suite"] == "custody_records" and first["status"] == "complete"
    assert first["outcome"] == "failed" and first["band"] == "High" and first["draft"] is False
    assert first["started_at"].endswith("+00:00") and runs[0]["started_at"] >= runs[1]["started_at"]
    limited = listing("audit", "list", "-w", str(template_workspace), "--limit", "1")
    assert len(limited["runs"]) == 1


def test_actions_list_json(tmp_path: Path) -> None:
    folder = make_workspace(tmp_path / "ws")
    run(folder)
    set_finding(folder, "STN", status="Agreed", agreed_date=date.today() - timedelta(days=1))
    document = listing("actions", "list", "-w", str(folder))
    assert document["today"] == date.today().isoformat()
    findings = {finding["rule_id"]: finding for finding in document["findings"]}
    station = findings["STN"]
    assert station["status"] == "Agreed" and station["shown_status"] == "Overdue"
    assert station["overdue"] is True and station["failing_count"] >= 1
    assert station["owner_email"] and station["band"]
    assert "failing_keys" not in station  # counts only: no record content
    risks = [finding["risk_score"] for finding in document["findings"]]
    assert risks == sorted(risks, reverse=True)
    overdue = listing("actions", "list", "-w", str(folder), "--overdue")["findings"]
    assert [finding["rule_id"] for finding in overdue] == ["STN"]


def test_schedule_json(template_workspace: Path) -> None:
    before = listing("schedule", "-w", str(template_workspace))
    assert before["timezone"] == "Europe/London"  # what 'dqaudit init' writes
    (entry,) = before["suites"]
    assert entry["due"] is True and entry["last_complete"] is None
    assert entry["cron"] == "0 6 1 * *" and entry["cadence"] == "monthly (High)"
    assert entry["falls_due"] == "at 06:00, on day 1 of the month, Europe/London"
    invoke("audit", "run", "-w", str(template_workspace))
    (entry,) = listing("schedule", "-w", str(template_workspace))["suites"]
    assert entry["due"] is False and entry["last_complete"] is not None
    assert entry["next_due"] > entry["last_complete"]


def test_suite_status_json(template_workspace: Path) -> None:
    (suite,) = listing("suite", "status", "-w", str(template_workspace))["suites"]
    assert suite["suite"] == "custody_records" and suite["status"] == "approved"
    assert suite["runnable"] is True and suite["band"] == "High"
    approval = suite["approval"]
    assert approval["board"] == "SIMB" and approval["minute"] == "SIMB-2026-11"
    assert approval["suite_hash"] == suite["suite_hash"] and approval["revoked_at"] is None
    assert suite["changed_references"] == [] and suite["rule_library_changed"] is None
    invoke(
        "suite", "revoke", "custody_records", "-w", str(template_workspace),
        "--by", "A. Chair", "--reason", "withdrawn",
    )  # fmt: skip
    (suite,) = listing("suite", "status", "-w", str(template_workspace))["suites"]
    assert suite["status"] == "revoked" and suite["runnable"] is False
    assert suite["approval"]["revoke_reason"] == "withdrawn"


def test_trail_json(template_workspace: Path) -> None:
    entries = listing("trail", "-w", str(template_workspace))["entries"]
    actions = [entry["action"] for entry in entries]
    assert "approve" in actions
    assert [entry["seq"] for entry in entries] == sorted(entry["seq"] for entry in entries)
    for previous, entry in itertools.pairwise(entries):
        assert entry["prev_hash"] == previous["entry_hash"]  # the chain, as stored
    assert listing("trail", "-w", str(template_workspace), "--since", "2999-01-01") == {
        "document_version": 1,
        "entries": [],
    }


def test_rules_and_connectors_json() -> None:
    rules = listing("rules", "list")
    assert len(rules["rules"]) == len(RULES) and len(rules["rule_library_version"]) == 64
    pnc = next(r for r in rules["rules"] if r["expectation_type"].endswith("valid_pnc_id"))
    assert "modulus-23" in pnc["source"] and "pandas" in pnc["engines"]
    assert pnc["example"]["type"] == pnc["expectation_type"]
    assert rules["derivations"] and all(d["columns"] for d in rules["derivations"])
    assert rules["code_lists"] and all(c["codes"] for c in rules["code_lists"])
    connectors = {c["type"]: c for c in listing("connectors", "list")["connectors"]}
    assert {"csv", "excel", "fixed_width", "sql"} <= set(connectors)
    assert connectors["csv"]["package"] == "dqaudit"


def test_every_listing_document_is_described_in_the_docs() -> None:
    for command in (
        "audit list",
        "actions list",
        "schedule",
        "suite status",
        "rules list",
        "connectors list",
        "trail",
    ):
        assert f"`{command} --json`" in DOCS, command
    assert '"document_version": 2' in DOCS and "line_keys" in DOCS
