"""``make demo``: the whole scenario on the sample data, everything under one folder.

The demo folder becomes a workspace of its own (its dqaudit.yml points at the sample
extracts and suites), so every command can be tried on it afterwards with ``-w``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import yaml

from dqaudit.actions.export import PlanFile, export_plans
from dqaudit.audits.audit_run import BatchOutcome, run_audits
from dqaudit.audits.run_document import run_document
from dqaudit.errors import InputError
from dqaudit.expectations.suite import load_workspace_suites
from dqaudit.governance import approvals
from dqaudit.reports.publish import write_simb_report
from dqaudit.store import AuditStore
from dqaudit.workspace.config import CONFIG_NAME, Workspace, load_workspace


def installed_sample_data() -> Path:
    """The sample records systems installed with dqaudit (``sample_data/`` in a checkout,
    ``dqaudit/sample_data`` in an installed package; see setup.py)."""
    import dqaudit

    try:
        import dqaudit.sample_data as installed
    except ImportError:  # an editable install of a checkout: the folder beside the package
        return Path(dqaudit.__file__).resolve().parent.parent / "sample_data"
    return Path(installed.__file__).resolve().parent


def prepare_demo_workspace(sample_data: Path, out: Path) -> Path:
    """Write ``out/dqaudit.yml``: the sample workspace with absolute paths, store in ``out``."""
    source = sample_data / "workspace" / CONFIG_NAME
    if not source.is_file():
        raise InputError(f"sample data folder {sample_data}: {source.name} not found in workspace/")
    settings = yaml.safe_load(source.read_text(encoding="utf-8"))
    base = source.parent.resolve()
    for system in settings.get("systems", {}).values():
        for dataset in system.get("datasets", {}).values():
            options = dataset.get("options", {})
            for key in ("path", "layout"):
                if key in options:
                    options[key] = str((base / options[key]).resolve())
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


def approve_demo_suites(workspace: Workspace) -> list[str]:
    """Approve, as the SIMB would, every demo suite not already approved as it is now."""
    store = AuditStore(workspace.store_url)
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


def export_demo_plans(workspace: Workspace, folder: Path) -> list[PlanFile]:
    """Each system owner's Excel action plan, as the records team would send them."""
    store = AuditStore(workspace.store_url)
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


def run_demo(
    sample_data: Path | None, out: Path, progress: Callable[[str], None] | None = None
) -> tuple[str, BatchOutcome]:
    """Audit every sample system; return the printed summary and the batch.

    ``sample_data`` defaults to the sample data installed with dqaudit.
    """
    prepare_demo_workspace(sample_data or installed_sample_data(), out)
    workspace = load_workspace(out)
    approved = approve_demo_suites(workspace)
    if progress and approved:
        progress(f"approved {len(approved)} suite(s) as the SIMB: {', '.join(approved)}")
    # Audit everything twice, as two audit cycles would, so the SIMB summary shows trends;
    # the second batch is the one the demo reports and writes JSON results for.
    run_audits(workspace, progress=progress)
    batch = run_audits(workspace, progress=progress)
    results = write_results(batch, workspace.store_url, out / "results")
    plans = export_demo_plans(workspace, out / "actions")
    summary = write_demo_summary(workspace, out / "simb-summary.html")
    lines = [f"dqaudit demo: {len(batch.runs)} audit(s) run (batch {batch.batch_id[:12]})"]
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
        f"  JSON results  {out / 'results'}/ ({len(results)} files)",
        f"  SIMB summary  {summary} (also: dqaudit report simb -w {out} --out FILE.xlsx)",
        f"  action plans  {out / 'actions'}/ ({len(plans)} owner workbook(s), "
        f"{sum(p.findings for p in plans)} findings)",
        f"  workspace     {out / CONFIG_NAME} (try: dqaudit audit list -w {out}, "
        f"dqaudit suite status -w {out}, dqaudit trail -w {out})",
    ]
    return "\n".join(lines), batch
