"""schedule.timezone: cron slots read in the workspace's timezone (UTC when unset), and
exactly when each cadence falls due, in words."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from dqaudit.governance.schedule import Cadence, describe_cron, next_due, workspace_schedule
from dqaudit.governance.views import describe_schedule
from dqaudit.store import AuditStore, schema
from dqaudit.workspace.config import load_workspace
from dqaudit.workspace.risk import FREQUENCIES
from tests.conftest import invoke

MONTHLY, QUARTERLY = FREQUENCIES["monthly"], FREQUENCIES["quarterly"]


def test_slots_are_read_in_the_schedule_timezone() -> None:
    summer = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
    winter = datetime(2026, 11, 15, 10, 0, tzinfo=UTC)
    now = datetime(2027, 1, 1, tzinfo=UTC)
    # 06:00 on the 1st in London is 05:00 UTC in summer (BST), 06:00 UTC in winter (GMT)
    assert next_due(MONTHLY, summer, now, "Europe/London") == datetime(2026, 7, 1, 5, tzinfo=UTC)
    assert next_due(MONTHLY, winter, now, "Europe/London") == datetime(2026, 12, 1, 6, tzinfo=UTC)
    assert next_due(MONTHLY, summer, now) == datetime(2026, 7, 1, 6, tzinfo=UTC)  # UTC default
    assert next_due(QUARTERLY, summer, now, "Europe/London") == datetime(2026, 7, 1, 5, tzinfo=UTC)
    assert next_due(QUARTERLY, datetime(2026, 7, 1, 5, 30, tzinfo=UTC), now, "Europe/London") == (
        datetime(2026, 10, 1, 5, tzinfo=UTC)
    )
    assert next_due(MONTHLY, None, now, "Europe/London") == now  # never run: due now


def test_cadences_in_words() -> None:
    assert describe_cron(MONTHLY) == "at 06:00, on day 1 of the month"
    assert describe_cron(QUARTERLY) == (
        "at 06:00, on day 1 of the month, only in January, April, July, and October"
    )
    assert Cadence(MONTHLY, "monthly (High)").describe("Europe/London") == (
        "at 06:00, on day 1 of the month, Europe/London"
    )


def set_timezone(folder: Path, timezone: str | None) -> None:
    config = folder / "dqaudit.yml"
    settings = yaml.safe_load(config.read_text())
    if timezone is None:
        settings["schedule"].pop("timezone")
    else:
        settings["schedule"]["timezone"] = timezone
    config.write_text(yaml.safe_dump(settings))


def ran_on(folder: Path, started: datetime) -> None:
    assert invoke("audit", "run", "-w", str(folder)).exit_code == 1
    store = AuditStore(load_workspace(folder).store_url)
    with store.engine.begin() as connection:
        connection.execute(schema.runs.update().values(started_at=started))
    store.close()


def schedule_json(folder: Path) -> dict:
    result = invoke("schedule", "-w", str(folder), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_init_writes_europe_london_and_the_schedule_says_so(template_workspace: Path) -> None:
    settings = yaml.safe_load((template_workspace / "dqaudit.yml").read_text())
    assert settings["schedule"]["timezone"] == "Europe/London"
    ran_on(template_workspace, datetime(2026, 6, 15, 10, 0))
    (entry,) = schedule_json(template_workspace)["suites"]
    assert entry["next_due"] == "2026-07-01T05:00:00+00:00"  # 06:00 BST
    shown = invoke("schedule", "-w", str(template_workspace)).stdout
    assert "times in Europe/London (schedule.timezone)" in shown
    assert "monthly (High): at 06:00, on day 1 of the month, Europe/London" in shown


def test_the_schedule_shows_times_in_its_timezone(template_workspace: Path) -> None:
    ran_on(template_workspace, datetime(2026, 6, 15, 10, 0))
    workspace = load_workspace(template_workspace)
    store = AuditStore(workspace.store_url)
    try:
        when = datetime(2026, 6, 20, tzinfo=UTC)  # an injected "now", before the slot
        shown = describe_schedule(workspace_schedule(store, workspace, now=when), when)
    finally:
        store.close()
    row = next(line for line in shown.splitlines() if line.startswith("custody_records"))
    assert row.endswith("2026-06-15 11:00  2026-07-01 06:00")  # BST, as a Londoner reads it


def test_a_workspace_without_the_setting_keeps_utc(template_workspace: Path) -> None:
    set_timezone(template_workspace, None)
    assert load_workspace(template_workspace).config.schedule.timezone == "UTC"
    ran_on(template_workspace, datetime(2026, 6, 15, 10, 0))
    document = schedule_json(template_workspace)
    assert document["timezone"] == "UTC"
    assert document["suites"][0]["next_due"] == "2026-07-01T06:00:00+00:00"
    assert (
        "monthly (High): at 06:00, on day 1 of the month, UTC"
        in invoke("schedule", "-w", str(template_workspace)).stdout
    )


@pytest.mark.parametrize("zone", ["Mars/Olympus", "europe/london"])
def test_an_unknown_timezone_is_an_error_naming_the_setting(
    template_workspace: Path, zone: str
) -> None:
    set_timezone(template_workspace, zone)
    result = invoke("schedule", "-w", str(template_workspace))
    if zone == "europe/london" and result.exit_code == 0:
        pytest.skip("this system's zoneinfo matches timezone names without regard to case")
    assert result.exit_code == 2
    assert "schedule.timezone" in result.stderr and zone in result.stderr
    assert "Traceback" not in result.output
