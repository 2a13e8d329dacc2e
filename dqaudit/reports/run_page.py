"""A results page for the records team: one self-contained HTML page per stored run.

Like Great Expectations' Data Docs, with dqaudit's governance: the suite and its SIMB
approval, the extract's fingerprint, each rule in plain English with its rationale,
outcome, counts and ``mostly`` target, and the first failing records of each rule (their
key and only the columns the rule read, sensitive columns masked as in action plans).
The page has no links and no scripts, under the same Content-Security-Policy as the SIMB
summary, so it opens safely from a shared drive or an email. Each page written is
recorded in the audit trail with its SHA-256; a page already written is a copy outside
the store, which ``purge`` cannot reach.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from dqaudit.actions.rule_context import rule_context
from dqaudit.digests import sha256_bytes
from dqaudit.errors import FieldError, InputError
from dqaudit.expectations.suite import load_workspace_suites, suite_from_dict
from dqaudit.expectations.suite_model import Rule
from dqaudit.expectations.wording import describe_rule
from dqaudit.governance import trail
from dqaudit.store import AuditStore, StoredRuleResult, StoredRun
from dqaudit.version import __version__
from dqaudit.workspace.config import Workspace

RECORDS_SHOWN = 20


@dataclass(frozen=True)
class RunPage:
    path: Path
    run_id: str
    sha256: str


def write_run_page(
    store: AuditStore,
    workspace: Workspace,
    run_id: str,
    html: Path,
    *,
    records: int = RECORDS_SHOWN,
) -> RunPage:
    """Write the results page of one run to ``html`` (whole, then renamed) and record it."""
    if html.suffix.lower() not in (".html", ".htm"):
        raise FieldError(f"{{html}} {html}: a results page is HTML; use a .html name", "html")
    if not html.parent.is_dir():
        raise FieldError(f"{{html}} {html}: folder {html.parent} does not exist", "html")
    if html.is_dir():
        raise FieldError(f"{{html}} {html} is a folder; give a file name", "html")
    run = store.get_run(run_id, with_keys=False)
    content = render_run_page(store, workspace, run, records=records).encode("utf-8")
    _write_whole(html, content)
    digest = sha256_bytes(content)
    trail.append(
        store,
        "report",
        str(html.resolve()),
        {"report": "run", "run_id": run.run_id, "suite": run.suite_name, "sha256": digest},
    )
    return RunPage(html, run.run_id, digest)


def write_run_pages(
    store: AuditStore, workspace: Workspace, run_ids: Iterable[str], folder: Path
) -> list[RunPage]:
    """One page per run into ``folder`` (created if needed), named by suite and run id."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create {folder}: {exc.strerror or exc}") from None
    pages = []
    for run_id in run_ids:
        run = store.get_run(run_id, with_keys=False)
        name = f"{run.suite_name}-{run.run_id[:12]}.html"
        pages.append(write_run_page(store, workspace, run.run_id, folder / name))
    return pages


def render_run_page(
    store: AuditStore, workspace: Workspace, run: StoredRun, *, records: int = RECORDS_SHOWN
) -> str:
    zone = ZoneInfo(workspace.config.report.timezone)
    approval = store.approvals.for_hash(run.suite_name, run.suite_hash)
    suite_rules = _suite_rules(workspace, run, approval.document if approval else None)
    system = workspace.config.systems.get(run.system or "")
    sensitive: set[str] = set()
    if system is not None and run.dataset in system.datasets:
        sensitive = set(system.datasets[run.dataset].sensitive)
    masking = workspace.config.actions.masking
    rules = []
    for result in run.rules:
        suite_rule = suite_rules.get(result.rule_id or "") or suite_rules.get(f"#{result.position}")
        rules.append(_rule_view(store, run, result, suite_rule, sensitive, masking, records))
    environment = Environment(
        loader=PackageLoader("dqaudit.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
    )
    return environment.get_template("run_page.html").render(
        run=run,
        rules=rules,
        approval=approval,
        references=store.run_references(run.run_id),
        marking=workspace.config.actions.protective_marking,
        when=lambda moment: _local(moment, zone),
        timezone=workspace.config.report.timezone,
        records_shown=records,
        sensitive=sorted(sensitive),
        version=__version__,
        failed=sum(1 for rule in rules if rule["outcome"] == "failed"),
    )


def _rule_view(
    store: AuditStore,
    run: StoredRun,
    result: StoredRuleResult,
    suite_rule: Rule | None,
    sensitive: set[str],
    masking: Any,
    limit: int,
) -> dict[str, Any]:
    kwargs = result.kwargs or {}
    mostly = kwargs.get("mostly")
    outcome = (
        "error"
        if result.error
        else "warning"
        if mostly == 0 and result.unexpected_count
        else "passed"
        if result.success
        else "failed"
    )
    shown: list[dict[str, Any]] = []
    columns: list[str] = []
    if result.unexpected_count and run.details_purged_at is None:
        context = rule_context(store, run.run_id, result.rule_id, result.expectation_type, kwargs)
        for record in store.runs.failing_records(run.run_id, result.position):
            if len(shown) >= limit:
                break
            columns = columns or list(record.values)
            shown.append(
                {
                    "label": context.label(record),
                    "cells": [
                        _text(masking.mask(record.values.get(c)))
                        if c in sensitive
                        else _text(record.values.get(c))
                        for c in columns
                    ],
                }
            )
    percent = result.unexpected_percent
    return {
        "position": result.position + 1,
        "rule_id": result.rule_id,
        "text": describe_rule(result.expectation_type, kwargs),
        "rationale": suite_rule.rationale if suite_rule else None,
        "remediation": suite_rule.remediation if suite_rule else None,
        "type": result.expectation_type,
        "dimension": result.dimension,
        "risk": (
            f"{result.likelihood} × {result.impact} = {result.likelihood * result.impact}"
            if result.likelihood and result.impact
            else None
        ),
        "outcome": outcome,
        "failing": result.unexpected_count,
        "checked": result.element_count,
        "percent": None if percent is None else f"{percent:.2f} %",
        "mostly": (
            f"{mostly:.0%} must pass"
            if isinstance(mostly, int | float) and mostly > 0
            else "warning only (mostly: 0)"
            if mostly == 0
            else "every record"
        ),
        "error": result.error,
        "columns": columns,
        "records": shown,
        "more": (result.unexpected_count or 0) - len(shown) if shown else 0,
        "masked": [c for c in columns if c in sensitive],
    }


def _suite_rules(workspace: Workspace, run: StoredRun, document: str | None) -> dict[str, Rule]:
    """The suite's rules as run (for rationale): the approved document, else the workspace's
    suite of the same name and hash; keyed by rule id and by ``#position``."""
    suite = None
    if document:
        try:
            suite = suite_from_dict(json.loads(document), source=f"approved {run.suite_name}")
        except (InputError, ValueError):
            suite = None
    if suite is None:
        try:
            candidates = [s for s in load_workspace_suites(workspace) if s.name == run.suite_name]
        except InputError:
            candidates = []
        exact = [s for s in candidates if s.hash == run.suite_hash]
        suite = (exact or candidates)[0] if (exact or candidates) else None
    if suite is None:
        return {}
    found: dict[str, Rule] = {}
    for rule in suite.rules:
        found[f"#{rule.position}"] = rule
        if rule.rule_id:
            found[rule.rule_id] = rule
    return found


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return "–"
    return moment.astimezone(zone).strftime("%d %b %Y %H:%M:%S %Z")


def _write_whole(out: Path, content: bytes) -> None:
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(content)
        temporary.replace(out)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
