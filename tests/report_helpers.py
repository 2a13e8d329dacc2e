"""A known audit store for the SIMB summary tests: every run, count and finding is fixed here,
so each number the report shows can be worked out by hand (see the comments).

Runs, rule results and findings are written straight into the store's tables (the report
reads only those), so these tests do not depend on the audit engine or the findings code.
Approvals go through the real approval code, then get fixed dates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from dqaudit.governance import approvals
from dqaudit.store import schema
from dqaudit.store.database import AuditStore
from dqaudit.workspace.config import load_workspace

NOW = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)  # the report is produced mid-October
PERIOD = "2026-Q3"
SECRET_KEYS = ("ZZKEY-0001", "ZZKEY-0002", "ZZKEY-0003")
SECRET_SURNAMES = ("QUIXOTELLA", "VANTABLACKWOOD")
# An extract value that is also markup: stored with every failing record, it must never
# reach a report; the same text in a suite name must reach it escaped.
SCRIPT = "<script>alert(1)</script>"
SECRET_NOTE = f"ZZNOTE {SCRIPT}"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _rule(rule_id: str, dimension: str, likelihood: int, impact: int) -> dict[str, Any]:
    return {
        "type": "expect_column_values_to_not_be_null",
        "kwargs": {"column": rule_id.lower().replace("-", "_")},
        "meta": {
            "dqaudit": {
                "rule_id": rule_id,
                "dimension": dimension,
                "likelihood": likelihood,
                "impact": impact,
            }
        },
    }


@dataclass
class KnownWorkspace:
    folder: Path
    store_url: str
    gamma_suite: str

    def store(self) -> AuditStore:
        return AuditStore(load_workspace(self.folder).store_url)


def build_known_workspace(
    folder: Path,
    store_url: str,
    *,
    gamma_suite: str = "gamma_main",
    gamma_description: str = "Gamma records",
    report: dict[str, Any] | None = None,
) -> KnownWorkspace:
    """Three systems, four suites, runs across 2026-Q3 and findings with known dates."""
    folder.mkdir(parents=True)
    (folder / "suites").mkdir()
    settings: dict[str, Any] = {
        "systems": {
            "alpha": _system("Alpha records", "Alpha Owner", "alpha.owner@example.police.uk"),
            "beta": _system("Beta records", "Beta Owner", "beta.owner@example.police.uk"),
            "gamma": _system(gamma_description, "Gamma Owner", "gamma.owner@example.police.uk"),
        },
        "suites": "suites",
        "store": store_url,
    }
    if report is not None:
        settings["report"] = report
    (folder / "dqaudit.yml").write_text(yaml.safe_dump(settings, sort_keys=False), "utf-8")
    # alpha_main: High (4 × 5), monthly. alpha_old: revoked. beta_main: Medium (2 × 4),
    # quarterly, review overdue. gamma: never approved.
    _suite(
        folder,
        "alpha_main",
        "alpha",
        (4, 5),
        [
            _rule("A-1", "completeness", 2, 2),
            _rule("A-2", "validity", 3, 4),
            _rule("A-3", "validity", 1, 2),
            _rule("A-4", "timeliness", 4, 5),
            _rule("A-5", "consistency", 2, 2),
            _rule("A-6", "accuracy", 3, 3),
        ],
    )
    _suite(folder, "alpha_old", "alpha", (2, 2), [_rule("AO-1", "validity", 2, 2)])
    _suite(
        folder,
        "beta_main",
        "beta",
        (2, 4),
        [_rule("B-1", "completeness", 2, 4), _rule("B-2", "validity", 2, 4)],
    )
    _suite(folder, "gamma_main", "gamma", (3, 3), [_rule("G-1", "completeness", 3, 3)], gamma_suite)
    known = KnownWorkspace(folder, store_url, gamma_suite)
    workspace = load_workspace(folder)
    store = known.store()
    try:
        for name in ("alpha_main", "alpha_old", "beta_main"):
            approvals.approve(store, workspace, name, by="A. Chair", board="SIMB", minute="M-1")
        approvals.revoke(store, workspace, "alpha_old", by="A. Chair", reason="retired")
        with store.engine.begin() as connection:
            connection.execute(
                schema.approvals.update().values(approved_at=at("2026-05-01T09:00:00"))
            )
            connection.execute(
                schema.approvals.update()
                .where(schema.approvals.c.suite_name == "beta_main")
                .values(review_by=date(2026, 10, 1))
            )
        _runs(store, gamma_suite)
        _findings(store)
    finally:
        store.close()
    return known


def _system(description: str, owner: str, email: str) -> dict[str, Any]:
    return {
        "description": description,
        "owner": {"name": owner, "email": email},
        "datasets": {"main": {"connector": "csv", "options": {"path": "main.csv"}, "key": ["id"]}},
    }


def _suite(
    folder: Path,
    file_stem: str,
    system: str,
    risk: tuple[int, int],
    rules: list[dict[str, Any]],
    name: str | None = None,
) -> None:
    document = {
        "name": name or file_stem,
        "meta": {
            "dqaudit": {
                "system": system,
                "dataset": "main",
                "likelihood": risk[0],
                "impact": risk[1],
            }
        },
        "expectations": rules,
    }
    (folder / "suites" / f"{file_stem}.json").write_text(json.dumps(document), "utf-8")


# (rule_id, dimension, likelihood, impact, success, unexpected, checked[, extras]): checked is
# GX's element_count; extras may set "unexpected_percent" (else unexpected ÷ checked, as
# when no value is null) and "kwargs" (else {"column": "x"}).
Rules = list[tuple[Any, ...]]


def add_run(
    store: AuditStore,
    run_id: str,
    suite: str,
    system: str,
    started: str,
    rules: Rules,
    *,
    batch: str | None = None,
    status: str = "complete",
    draft: bool = False,
    band: str | None = None,
) -> None:
    with store.engine.begin() as connection:
        connection.execute(
            schema.runs.insert().values(
                run_id=run_id,
                batch_id=batch or f"batch-{run_id}",
                suite_name=suite,
                suite_hash="0" * 64,
                system=system,
                dataset="main",
                status=status,
                outcome=None if status != "complete" else "failed",
                draft=draft,
                started_at=at(started),
                ended_at=at(started),
                error="could not read main.csv" if status == "error" else None,
            )
        )
        connection.execute(schema.run_risk.insert().values(run_id=run_id, band=band))
        for position, rule in enumerate(rules):
            rule_id, dimension, likelihood, impact, ok, bad, checked = rule[:7]
            extras: dict[str, Any] = rule[7] if len(rule) > 7 else {}
            percent = None if not checked else 100 * (bad or 0) / checked
            connection.execute(
                schema.rule_results.insert().values(
                    run_id=run_id,
                    position=position,
                    rule_id=rule_id,
                    expectation_type="expect_column_values_to_not_be_null",
                    kwargs=extras.get("kwargs", {"column": "x"}),
                    dimension=dimension,
                    likelihood=likelihood,
                    impact=impact,
                    success=ok,
                    unexpected_count=bad,
                    element_count=checked,
                    unexpected_percent=extras.get("unexpected_percent", percent),
                )
            )
            if bad:
                # Record content the report must never show: known keys and surnames.
                connection.execute(
                    schema.failing_records.insert(),
                    [
                        {
                            "run_id": run_id,
                            "position": position,
                            "seq": seq,
                            "record_key": key,
                            "record_values": {
                                "surname": SECRET_SURNAMES[seq % 2],
                                "custody_note": SECRET_NOTE,
                            },
                        }
                        for seq, key in enumerate(SECRET_KEYS)
                    ],
                )


def _runs(store: AuditStore, gamma_suite: str) -> None:
    # 2026-Q3 in Europe/London is 2026-06-30 23:00 UTC to 2026-09-30 23:00 UTC.
    add_run(store, "a0", "alpha_main", "alpha", "2026-06-01T07:00:00", [
        ("A-1", "completeness", 2, 2, False, 50, 1000),
    ])  # fmt: skip
    # 00:30 BST on 1 July: in the quarter, though still 30 June in UTC
    add_run(store, "a1", "alpha_main", "alpha", "2026-06-30T23:30:00", [
        ("A-1", "completeness", 2, 2, False, 20, 1000),
    ])  # fmt: skip
    add_run(store, "a2", "alpha_main", "alpha", "2026-08-03T10:00:00", [
        ("A-1", "completeness", 2, 2, False, 10, 1000),
        ("A-2", "validity", 3, 4, False, 30, 1000),
        ("A-3", "validity", 1, 2, True, 0, 500),
        ("A-4", "timeliness", 4, 5, False, 200, 1000),
        ("A-5", "consistency", 2, 2, False, None, None),  # a failing table-level check
        ("A-6", "accuracy", 3, 3, False, 100, 1000),
    ])  # fmt: skip
    add_run(store, "a3", "alpha_main", "alpha", "2026-09-05T10:00:00", [], status="error")
    # after the period: in no figure of the Q3 report, not even the trend
    add_run(store, "a4", "alpha_main", "alpha", "2026-10-02T10:00:00", [
        ("A-1", "completeness", 2, 2, False, 999, 1000),
    ])  # fmt: skip
    add_run(store, "b1", "beta_main", "beta", "2026-07-10T08:00:00", [
        ("B-1", "completeness", 2, 4, False, 5, 100),
        ("B-2", "validity", 2, 4, False, 1, 50),
    ])  # fmt: skip
    add_run(store, "b2", "beta_main", "beta", "2026-09-20T08:00:00", [
        ("B-1", "completeness", 2, 4, False, 50, 100),
    ], draft=True)  # fmt: skip
    add_run(store, "g1", gamma_suite, "gamma", "2026-09-25T08:00:00", [
        ("G-1", "completeness", 3, 3, False, 50, 100),
    ], draft=True)  # fmt: skip


def add_finding(store: AuditStore, **values: Any) -> None:
    row = {
        "dataset": "main",
        "expectation_type": "expect_column_values_to_not_be_null",
        "description": "a rule",
        "first_seen": at("2026-07-01T08:00:00"),
        "last_seen": at("2026-08-03T10:00:00"),
        "updated_at": at("2026-08-03T10:00:00"),
    }
    row.update(values)
    row["risk_score"] = row["likelihood"] * row["impact"]
    with store.engine.begin() as connection:
        connection.execute(schema.findings.insert().values(**row))


def _findings(store: AuditStore) -> None:
    alpha = {"system": "alpha", "suite_name": "alpha_main", "owner_name": "Alpha Owner",
             "owner_email": "alpha.owner@example.police.uk"}  # fmt: skip
    beta = {"system": "beta", "suite_name": "beta_main", "owner_name": "Beta Owner",
            "owner_email": "beta.owner@example.police.uk"}  # fmt: skip
    add_finding(store, **alpha, rule_id="A-4", likelihood=4, impact=5, band="High",
                status="Open", due_date=date(2026, 8, 1),
                kwargs={"column": "arrest_datetime"}, dimension="completeness",
                failing_count=3, previous_failing_count=5)  # fmt: skip
    add_finding(store, **alpha, rule_id="A-6", likelihood=3, impact=3, band="Medium",
                status="Agreed", due_date=date(2026, 9, 1), agreed_date=date(2026, 12, 1))  # fmt: skip
    add_finding(store, **alpha, rule_id="A-1", likelihood=2, impact=2, band="Low",
                status="Resolved", due_date=date(2026, 7, 1))  # fmt: skip
    add_finding(store, **alpha, rule_id="A-7", likelihood=3, impact=4, band="Medium",
                status="Open", due_date=date(2026, 10, 1))  # fmt: skip
    # first seen after the period: not in the Q3 report
    add_finding(store, **alpha, rule_id="A-2", likelihood=3, impact=4, band="Medium",
                status="Open", due_date=date(2026, 9, 1),
                first_seen=at("2026-10-10T08:00:00"))  # fmt: skip
    add_finding(store, **beta, rule_id="B-1", likelihood=4, impact=5, band="High",
                status="In progress", due_date=date(2026, 9, 15))  # fmt: skip
    add_finding(store, **beta, rule_id="B-2", likelihood=2, impact=4, band="Medium",
                status="Not accepted", due_date=date(2026, 9, 15))  # fmt: skip
    add_finding(store, **beta, rule_id="B-3", likelihood=4, impact=5, band="High",
                status="Verified", due_date=date(2026, 8, 15))  # fmt: skip


def count_rows(store: AuditStore, table: sa.Table) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar())
