"""The tamper-evident trail, retention purges and the risk matrix settings."""

from __future__ import annotations

import inspect
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from dqaudit.errors import InputError
from dqaudit.governance import trail
from dqaudit.store import AuditStore, schema
from dqaudit.store import trail as trail_table
from dqaudit.workspace.config import load_workspace
from tests.conftest import invoke, rule, try_approve, write_suite


def store_for(folder: Path) -> AuditStore:
    return AuditStore(load_workspace(folder).store_url)


def test_everything_that_matters_is_in_the_trail(template_workspace: Path) -> None:
    invoke("audit", "run", "-w", str(template_workspace))
    invoke(
        "suite",
        "revoke",
        "custody_records",
        "-w",
        str(template_workspace),
        "--by",
        "B",
        "--reason",
        "r",
    )
    config = template_workspace / "dqaudit.yml"
    config.write_text(config.read_text().replace("Custody System Owner", "Custody Owner"))
    invoke("purge", "-w", str(template_workspace), "--older-than", "1")
    result = invoke("trail", "-w", str(template_workspace))
    assert result.exit_code == 0
    actions = [line.split()[3] for line in result.stdout.splitlines()]
    assert actions == ["config", "approve", "run", "revoke", "config"]
    entries = trail.entries(store_for(template_workspace))
    run = next(e for e in entries if e.action == "run")
    assert run.details["outcome"] == "failed" and len(run.details["suite_hash"]) == 64
    approve = next(e for e in entries if e.action == "approve")
    assert approve.details["minute"] == "SIMB-2026-11" and approve.os_user
    assert entries[-1].details["previous_sha256"] == entries[0].details["sha256"]
    since = invoke("trail", "-w", str(template_workspace), "--since", "2999-01-01")
    assert since.stdout.strip() == "the audit trail is empty"


def test_verify_passes_then_names_the_first_edited_entry(template_workspace: Path) -> None:
    invoke("audit", "run", "-w", str(template_workspace))
    ok = invoke("trail", "verify", "-w", str(template_workspace))
    assert ok.exit_code == 0 and "trail intact: 3 entries" in ok.stdout
    store = store_for(template_workspace)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER trail_no_update")  # what a tamperer must do
        connection.execute(
            schema.trail.update().where(schema.trail.c.seq == 2).values(os_user="someone-else")
        )
    broken = invoke("trail", "verify", "-w", str(template_workspace))
    assert broken.exit_code == 3
    assert "trail BROKEN at entry 2: its content does not match its hash" in broken.stdout


def test_a_deleted_entry_breaks_the_chain(template_workspace: Path) -> None:
    invoke("audit", "run", "-w", str(template_workspace))
    store = store_for(template_workspace)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER trail_no_delete")
        connection.execute(schema.trail.delete().where(schema.trail.c.seq == 2))
    assert trail.verify(store).broken_at == 3


def test_the_database_refuses_edits_and_the_tool_offers_none(template_workspace: Path) -> None:
    store = store_for(template_workspace)
    refused = pytest.raises(sa.exc.DatabaseError, match="append-only")
    with refused, store.engine.begin() as connection:
        connection.execute(schema.trail.update().values(action="x"))
    with refused, store.engine.begin() as connection:
        connection.execute(schema.trail.delete())
    for module in (trail, trail_table):
        source = inspect.getsource(module)
        assert "trail.update(" not in source and "trail.delete(" not in source
        public = {name for name in dir(module) if not name.startswith("_")}
        assert not {
            n for n in public if any(w in n for w in ("update", "delete", "edit", "remove"))
        }
    from dqaudit.cli import cli

    # verify reads; protect only recreates the database's refusal of edits (and says so
    # in the trail): no command changes or removes an entry
    assert set(cli.commands["trail"].commands) == {"verify", "protect"}


def test_postgres_trail_is_append_only_and_verifiable(pg_store_url: str) -> None:
    store = AuditStore(pg_store_url)
    for n in range(3):
        trail.append(store, "test", f"entry {n}", {"n": n})
    assert trail.verify(store).ok
    refused = pytest.raises(sa.exc.DatabaseError, match="append-only")
    with refused, store.engine.begin() as connection:
        connection.execute(schema.trail.delete())
    with store.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE trail DISABLE TRIGGER trail_append_only")
        connection.execute(
            schema.trail.update().where(schema.trail.c.seq == 2).values(details={"n": 99})
        )
    result = trail.verify(store)
    assert result.broken_at == 2
    store.close()


def test_a_dropped_trigger_fails_verify_warns_at_start_up_and_can_be_restored(
    template_workspace: Path,
) -> None:
    invoke("audit", "run", "-w", str(template_workspace))
    store = store_for(template_workspace)
    assert trail.verify(store).ok and trail.missing_protections(store) == []
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER trail_no_delete")  # nothing edited yet
    store.close()
    checked = invoke("trail", "verify", "-w", str(template_workspace))
    assert checked.exit_code == 3
    assert "trail intact: 3 entries" in checked.stdout  # the chain itself is whole
    assert "trail NOT PROTECTED" in checked.stdout
    assert "trigger trail_no_delete (refuses DELETE on the trail)" in checked.stdout
    assert "trail_no_update" not in checked.stdout
    listing = invoke("audit", "list", "-w", str(template_workspace))
    assert listing.exit_code == 0
    assert "warning: the audit trail is not protected" in listing.stderr
    assert "trail_no_delete" in listing.stderr
    restored = invoke("trail", "protect", "-w", str(template_workspace))
    assert restored.exit_code == 0 and "restored: trigger trail_no_delete" in restored.stdout
    ok = invoke("trail", "verify", "-w", str(template_workspace))
    assert ok.exit_code == 0 and "NOT PROTECTED" not in ok.stdout
    store = store_for(template_workspace)
    assert trail.entries(store)[-1].action == "protect"
    assert trail.entries(store)[-1].details == {"restored": ["trail_no_delete"]}
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), store.engine.begin() as c:
        c.execute(schema.trail.delete())
    store.close()
    again = invoke("trail", "protect", "-w", str(template_workspace))
    assert "all in place: nothing to restore" in again.stdout


def test_postgres_missing_or_disabled_triggers_are_reported_and_restored(
    pg_store_url: str,
) -> None:
    store = AuditStore(pg_store_url)
    trail.append(store, "test", "entry", {"n": 1})
    assert trail.missing_protections(store) == []
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER trail_no_truncate ON trail")
        connection.exec_driver_sql("ALTER TABLE trail DISABLE TRIGGER trail_append_only")
    result = trail.verify(store)
    assert result.chain_ok and not result.ok
    assert result.unprotected == [
        "trigger trail_append_only (refuses UPDATE and DELETE on the trail)",
        "trigger trail_no_truncate (refuses TRUNCATE on the trail)",
    ]
    assert len(trail.restore_protections(store)) == 2  # the disabled one is replaced
    assert trail.verify(store).ok
    for statement in ("DELETE FROM trail", "TRUNCATE trail", "UPDATE trail SET action = 'x'"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), store.engine.begin() as c:
            c.exec_driver_sql(statement)
    store.close()


def age_runs(folder: Path, days: int) -> None:
    store = store_for(folder)
    with store.engine.begin() as connection:
        connection.execute(
            schema.runs.update().values(started_at=datetime.now(UTC) - timedelta(days=days))
        )
    store.close()


def test_purge_removes_record_details_but_keeps_counts_and_trail(template_workspace: Path) -> None:
    invoke("audit", "run", "-w", str(template_workspace))
    age_runs(template_workspace, 500)
    invoke("audit", "run", "-w", str(template_workspace))  # a recent run, kept
    dry = invoke("purge", "-w", str(template_workspace), "--dry-run")
    assert dry.exit_code == 0
    assert "would purge 4 failing-record detail(s) from 1 run(s)" in dry.stdout  # default 400 days
    store = store_for(template_workspace)
    with store.engine.connect() as connection:
        assert (
            connection.execute(
                sa.select(sa.func.count()).select_from(schema.failing_records)
            ).scalar()
            == 8
        )
    done = invoke("purge", "-w", str(template_workspace))
    assert "purged 4 failing-record detail(s) from 1 run(s)" in done.stdout
    runs = store.list_runs()
    old, recent = runs[1], runs[0]
    old_run = store.get_run(old.run_id)
    assert old_run.failing_keys == {} and old_run.details_purged_at is not None
    assert [r.unexpected_count for r in old_run.rules] == [0, 1, 1, 1, 1]
    assert len(store.get_run(recent.run_id).failing_keys) == 4
    purge_entry = next(e for e in trail.entries(store) if e.action == "purge")
    assert purge_entry.details["runs"][old.run_id]["records"] == 4
    assert len(purge_entry.details["runs"][old.run_id]["sha256"]) == 64
    shown = invoke("audit", "show", old.run_id, "-w", str(template_workspace))
    assert "failing-record details purged" in shown.stdout
    again = invoke("purge", "-w", str(template_workspace))
    assert "nothing to purge" in again.stdout
    assert trail.verify(store).ok
    store.close()


def test_retention_period_comes_from_the_workspace(template_workspace: Path) -> None:
    config = template_workspace / "dqaudit.yml"
    settings = yaml.safe_load(config.read_text())
    settings["retention"] = {"record_details_days": 30}
    config.write_text(yaml.safe_dump(settings))
    invoke("audit", "run", "-w", str(template_workspace))
    age_runs(template_workspace, 45)
    assert "would purge 4" in invoke("purge", "-w", str(template_workspace), "--dry-run").stdout
    bad = invoke("purge", "-w", str(template_workspace), "--older-than", "0")
    assert bad.exit_code == 2 and "from 1 to 36500 days" in bad.stderr


def set_risk(folder: Path, risk: dict) -> None:
    config = folder / "dqaudit.yml"
    settings = yaml.safe_load(config.read_text())
    settings["risk"] = risk
    config.write_text(yaml.safe_dump(settings))


FOUR_BY_FOUR = {
    "matrix": 4,
    "bands": {
        "Red": {"min_score": 12, "colour": "#FF0000", "frequency": "monthly", "due_days": 14},
        "Amber": {"min_score": 6, "colour": "#FFBF00", "frequency": "quarterly", "due_days": 60},
        "Green": {"min_score": 1, "colour": "#00FF00", "frequency": "annually", "due_days": 120},
    },
}


def test_a_four_by_four_matrix_with_named_bands(template_workspace: Path) -> None:
    set_risk(template_workspace, FOUR_BY_FOUR)
    # the template suite has likelihood 3, impact 4 and rules with impact 5: outside 4×4
    result = invoke("suite", "status", "-w", str(template_workspace))
    assert result.exit_code == 2
    assert "meta.dqaudit.impact is 5; it must be a whole number from 1 to 4" in result.stderr

    def within(document: dict) -> None:
        for expectation in document["expectations"]:
            expectation["meta"]["dqaudit"].pop("impact", None)

    path = template_workspace / "suites" / "custody_records.json"
    document = json.loads(path.read_text())
    within(document)
    path.write_text(json.dumps(document))
    status = invoke("suite", "status", "-w", str(template_workspace))
    assert status.exit_code == 0
    assert "custody_records              Red" in status.stdout  # 3 × 4 = 12
    bad_band = invoke("suite", "status", "-w", str(template_workspace), "--band", "High")
    assert bad_band.exit_code == 2 and "unknown risk band 'High'" in bad_band.stderr


@pytest.mark.parametrize(
    "risk, message",
    [
        (
            {
                "matrix": 4,
                "bands": {
                    "Only": {
                        "min_score": 2,
                        "colour": "#000000",
                        "frequency": "monthly",
                        "due_days": 1,
                    }
                },
            },
            "must start at min_score 1",
        ),
        (
            {
                "bands": {
                    "X": {"min_score": 1, "colour": "red", "frequency": "monthly", "due_days": 1}
                }
            },
            "must be a hex colour",
        ),
        (
            {
                "bands": {
                    "X": {
                        "min_score": 1,
                        "colour": "#000000",
                        "frequency": "fortnightly",
                        "due_days": 1,
                    }
                }
            },
            "frequency 'fortnightly'",
        ),
        (
            {
                "matrix": 3,
                "bands": {
                    "X": {
                        "min_score": 1,
                        "colour": "#000000",
                        "frequency": "weekly",
                        "due_days": 1,
                    },
                    "Y": {
                        "min_score": 12,
                        "colour": "#000000",
                        "frequency": "weekly",
                        "due_days": 1,
                    },
                },
            },
            "above the highest score 9",
        ),
    ],
)
def test_bad_risk_settings_are_clear_errors(
    template_workspace: Path, risk: dict, message: str
) -> None:
    set_risk(template_workspace, risk)
    with pytest.raises(InputError, match=message):
        load_workspace(template_workspace)
    assert invoke("schedule", "-w", str(template_workspace)).exit_code == 2


def test_runs_record_and_show_their_band(template_workspace: Path) -> None:
    write_suite(
        template_workspace / "suites" / "low.json",
        [rule("expect_column_values_to_not_be_null", "L-1", column="custody_ref")],
        system="custody",
        dataset="custody_records",
        likelihood=1,
        impact=2,
    )
    try_approve(template_workspace, "low", "M")
    result = invoke("audit", "run", "-w", str(template_workspace))
    lines = [line for line in result.stdout.splitlines() if line.startswith("  ")]
    assert "[High]" in lines[0] and "custody_records" in lines[0]  # 4 × 5 = 20
    assert "[Low]" in lines[1] and "low" in lines[1]
    listing = invoke("audit", "list", "-w", str(template_workspace)).stdout
    assert "High" in listing and "Low" in listing
