"""``make demo``: the whole scenario on the sample data, everything under one folder.

The demo folder becomes a workspace of its own (its dqaudit.yml points at copies of the
sample extracts in ``extracts/`` and at the sample suites), so every command can be tried
on it afterwards with ``-w``. It audits a few months of history: the sample manifest's
``months`` list says which planted defects each month's extracts hold (some are fixed as
months pass, some appear), the extracts are refreshed in place before each month's audit,
and the store's clock is set to that month. After the first month the system owners
return their action plans (agreeing some fixes, declining one), so later audits verify
findings, trends move and the plans show previous counts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from dqaudit.actions.export import PlanFile, export_plans
from dqaudit.audits.audit_run import BatchOutcome, run_audits
from dqaudit.audits.run_document import run_document
from dqaudit.demo_history import (
    Month,
    apply_owner_responses,
    load_months,
    refresh_extracts,
)
from dqaudit.errors import InputError
from dqaudit.expectations.suite import load_workspace_suites
from dqaudit.governance import approvals
from dqaudit.reports.publish import write_simb_report
from dqaudit.reports.run_page import write_run_pages
from dqaudit.store import AuditStore, Clock, utc_now
from dqaudit.workspace.config import CONFIG_NAME, Workspace, load_workspace

EXTRACTS = "extracts"


def installed_sample_data() -> Path:
    """The sample records systems installed with dqaudit (``sample_data/`` in a checkout,
    ``dqaudit/sample_data`` in an installed package; see setup.py)."""
    import dqaudit

    try:
        import dqaudit.sample_data as installed
    except ImportError:  # an editable install of a checkout: the folder beside the package
        return Path(dqaudit.__file__).resolve().parent.parent / "sample_data"
    return Path(installed.__file__).resolve().parent


def prepare_demo_workspace(sample_data: Path, out: Path, extracts: Path | None = None) -> Path:
    """Write ``out/dqaudit.yml``: the sample workspace with absolute paths, the store in
    ``out``; its datasets read the sample extracts where they are, or their copies in
    ``extracts`` (the demo's, refreshed each month)."""
    source = sample_data / "workspace" / CONFIG_NAME
    if not source.is_file():
        raise InputError(f"sample data folder {sample_data}: {source.name} not found in workspace/")
    settings = yaml.safe_load(source.read_text(encoding="utf-8"))
    base = source.parent.resolve()
    root = sample_data.resolve()
    copies = (extracts or root).resolve()
    for system in settings.get("systems", {}).values():
        for dataset in system.get("datasets", {}).values():
            options = dataset.get("options", {})
            for key in ("path", "layout"):
                if key in options:
                    original = (base / options[key]).resolve()
                    try:
                        options[key] = str(copies / original.relative_to(root))
                    except ValueError:  # outside the sample data: read it where it is
                        options[key] = str(original)
    settings["suites"] = str((base / settings.get("suites", "suites")).resolve())
    settings["store"] = "sqlite:///audit.db"
    out.mkdir(parents=True, exist_ok=True)
    header = "# Written by 'dqaudit demo' from sample_data/workspace/dqaudit.yml.\n"
    (out / CONFIG_NAME).write_text(header + yaml.safe_dump(settings, sort_keys=False), "utf-8")
    return out


def write_results(batch: BatchOutcome, store_url: str, folder: Path) -> list[Path]:
    """One JSON document per run, as ``audit show --json`` prints it."""
    folder.mkdir(parents=True, exist_ok=True)
    store = AuditStore(store_url)
    written = []
    try:
        for run in batch.runs:
            path = folder / f"{run.suite_name}.json"
            document = run_document(store.get_run(run.run_id))
            path.write_text(json.dumps(document, indent=2, default=str) + "\n", "utf-8")
            written.append(path)
    finally:
        store.close()
    return written


def approve_demo_suites(workspace: Workspace, clock: Clock = utc_now) -> list[str]:
    """Approve, as the SIMB would, every demo suite not already approved as it is now."""
    store = AuditStore(workspace.store_url, clock=clock)
    approved = []
    try:
        for suite in load_workspace_suites(workspace):
            if approvals.suite_state(store, workspace, suite).status == approvals.APPROVED:
                continue
            approvals.approve(
                store,
                workspace,
                suite.name,
                by="Chair, Strategic Information Management Board (demo)",
                board="SIMB",
                minute="DEMO-2026-01",
            )
            approved.append(suite.name)
    finally:
        store.close()
    return approved


def export_demo_plans(workspace: Workspace, folder: Path, clock: Clock = utc_now) -> list[PlanFile]:
    """Each system owner's Excel action plan, as the records team would send them."""
    store = AuditStore(workspace.store_url, clock=clock)
    try:
        return export_plans(store, workspace, folder)
    finally:
        store.close()


def write_demo_summary(workspace: Workspace, path: Path) -> Path:
    """The board's view of the demo: the SIMB summary of this quarter, as HTML."""
    store = AuditStore(workspace.store_url)
    try:
        return write_simb_report(workspace, store, path).path
    finally:
        store.close()


@dataclass
class TickingClock:
    """A month's clock: starts at the month's audit time and moves on a millisecond per
    reading, so the store's times stay in order within the month."""

    at: datetime

    def __call__(self) -> datetime:
        self.at += timedelta(milliseconds=1)
        return self.at


def month_start(now: datetime, months_before: int) -> datetime:
    """07:00 UTC on the same day (at most the 28th) ``months_before`` calendar months ago."""
    month = now.month - months_before
    year = now.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return datetime(year, month, min(now.day, 28), 7, 0, tzinfo=UTC)


def run_demo(
    sample_data: Path | None, out: Path, progress: Callable[[str], None] | None = None
) -> tuple[str, BatchOutcome]:
    """Audit every sample system over its months of history; return the printed summary
    and the latest month's batch. ``sample_data`` defaults to the one installed."""
    sample = sample_data or installed_sample_data()
    if (out / "audit.db").exists():
        raise InputError(
            f"{out} already holds a demo audit store (audit.db); the demo dates its history "
            "in the past, so give a new output folder (or remove the old one)"
        )
    prepare_demo_workspace(sample, out, out / EXTRACTS)
    months = load_months(sample)
    workspace = load_workspace(out)
    say = progress or (lambda _line: None)
    now = utc_now()
    batches: list[tuple[Month, BatchOutcome]] = []
    for month in months:
        refresh_extracts(sample, month, out / EXTRACTS)
        latest = month.months_before_latest == 0
        clock: Clock = (
            utc_now if latest else TickingClock(month_start(now, month.months_before_latest))
        )
        say(f"month {month.number} of {len(months)} ({month.label})")
        if month is months[0]:
            approved = approve_demo_suites(workspace, clock)
            if approved:
                say(f"approved {len(approved)} suite(s) as the SIMB: {', '.join(approved)}")
        batch = run_audits(workspace, progress=progress, clock=clock)
        write_results(batch, workspace.store_url, out / "results" / month.folder)
        batches.append((month, batch))
        if month is months[0] and len(months) > 1:
            assert isinstance(clock, TickingClock)
            responses = owner_responses(workspace, out / "returned", clock)
            say(f"owners returned {responses} action plan(s)")
    month, batch = batches[-1]
    plans = export_demo_plans(workspace, out / "actions")
    summary = write_demo_summary(workspace, out / "simb-summary.html")
    pages = demo_run_pages(workspace, batch, out / "pages")
    lines = [
        f"dqaudit demo: {len(months)} monthly audit(s) of {len(batch.runs)} suite(s); "
        f"latest batch {batch.batch_id[:12]}:"
    ]
    for run in batch.runs:
        verdict = (run.outcome or run.status).upper()
        failing = sum(count or 0 for _rule, count in run.failed_rules)
        lines.append(
            f"  {verdict:<7} {run.suite_name:<24} {len(run.failed_rules)}/{run.rules} rules failed, "
            f"{failing} failing record(s)"
        )
        if run.error:
            lines.append(f"          error: {run.error}")
    lines += [
        "outputs:",
        f"  audit store   {out / 'audit.db'}",
        f"  JSON results  {out / 'results'}/ (one folder per month: "
        f"{', '.join(m.folder for m in months)})",
        f"  results pages {out / 'pages'}/ ({len(pages)} pages, latest month)",
        f"  SIMB summary  {summary} (also: dqaudit report simb -w {out} --out FILE.xlsx|.pdf)",
        f"  action plans  {out / 'actions'}/ ({len(plans)} owner workbook(s), "
        f"{sum(p.findings for p in plans)} findings)",
        f"  workspace     {out / CONFIG_NAME} (try: dqaudit audit list -w {out}, "
        f"dqaudit actions list -w {out}, dqaudit trail -w {out})",
    ]
    return "\n".join(lines), batch


def owner_responses(workspace: Workspace, folder: Path, clock: TickingClock) -> int:
    """The first month's plans, exported an hour after the audit and returned by their
    owners three days later with their answers (see ``demo_history.OWNER_RESPONSES``)."""
    clock.at += timedelta(hours=1)
    plans = export_demo_plans(workspace, folder, clock)
    clock.at += timedelta(days=3)
    store = AuditStore(workspace.store_url, clock=clock)
    try:
        for plan in plans:
            apply_owner_responses(store, plan.path, clock.at.date())
    finally:
        store.close()
    return len(plans)


def demo_run_pages(workspace: Workspace, batch: BatchOutcome, folder: Path) -> list[Path]:
    """The records team's results page of each run of the latest month."""
    store = AuditStore(workspace.store_url)
    try:
        runs = [run.run_id for run in batch.runs]
        return [page.path for page in write_run_pages(store, workspace, runs, folder)]
    finally:
        store.close()
