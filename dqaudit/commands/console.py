"""Plain-text views of results and runs for the terminal (JSON is the machine format)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from dqaudit.audits.audit_run import BatchOutcome
    from dqaudit.engine.results import SuiteResult
    from dqaudit.store import RunSummary, StoredRuleResult

SHOWN_KEYS = 5
MARKS = {True: "PASS", False: "FAIL", None: "ERROR"}


def _keys_preview(keys: list[str] | None) -> str:
    if not keys:
        return ""
    shown = ", ".join(keys[:SHOWN_KEYS])
    more = f" … (+{len(keys) - SHOWN_KEYS} more)" if len(keys) > SHOWN_KEYS else ""
    return f"  keys: {shown}{more}"


def _describe_kwargs(kwargs: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


def describe_result(result: SuiteResult) -> str:
    """One line per rule, with failing counts and the first few keys."""
    lines = [
        f"suite {result.suite_name}: {result.status.upper()} "
        f"({result.rows} rows, failing rows named by {result.key_source})"
    ]
    for rule_result in result.results:
        rule = rule_result.rule
        mark = MARKS[rule_result.success]
        label = rule.rule_id or f"#{rule.position + 1}"
        count = _count(
            rule_result.unexpected_count, rule_result.unexpected_percent, rule.kwargs.get("mostly")
        )
        lines.append(
            f"  {mark:<5} {label:<14} {rule.expectation_type}({_describe_kwargs(rule.kwargs)}){count}"
        )
        if rule_result.error:
            lines.append(f"        error: {rule_result.error}")
        elif rule_result.success is False or rule_result.failing_keys:
            preview = _keys_preview(rule_result.failing_keys)
            if preview:
                lines.append(f"      {preview}")
    return "\n".join(lines)


def describe_batch(batch: BatchOutcome) -> str:
    """The summary after ``audit run``: one line per run, skipped and refused suites."""
    lines = [f"batch {batch.batch_id[:12]}: {len(batch.runs)} run(s)"]
    if not batch.runs:
        lines = ["nothing to run" if not (batch.skipped or batch.invalid) else "nothing run"]
    for run in batch.runs:
        verdict = (run.outcome or run.status).upper()
        failing = ", ".join(f"{rule_id} ({count})" for rule_id, count in run.failed_rules)
        detail = f"; failing: {failing}" if failing else ""
        draft = " DRAFT" if run.draft else ""
        lines.append(
            f"  {verdict:<7} {run.suite_name:<28} {run.system}/{run.dataset}"
            f"  [{run.band or '-'}]{draft}  run {run.run_id[:12]}{detail}"
        )
    for name, reason in batch.skipped:
        lines.append(f"  SKIPPED {name:<28} {reason}")
    for name, problems in batch.invalid:
        lines.append(
            f"  INVALID {name:<28} {len(problems)} error(s); see 'dqaudit suite lint {name}'"
        )
    for name, status in batch.refused:
        lines.append(f"  REFUSED {name:<28} {status}: not approved by the SIMB")
    return "\n".join(lines)


def describe_runs(runs: Sequence[RunSummary]) -> str:
    if not runs:
        return "no runs recorded yet"
    lines = [
        f"{'run':<12}  {'started (UTC)':<16}  {'status':<11}  {'outcome':<7}  {'band':<8}  suite"
    ]
    for run in runs:
        started = run.started_at.strftime("%Y-%m-%d %H:%M")
        draft = "  DRAFT" if run.draft else ""
        lines.append(
            f"{run.run_id[:12]}  {started:<16}  {run.status:<11}  "
            f"{run.outcome or '-':<7}  {run.band or '-':<8}  "
            f"{run.suite_name} ({run.system}/{run.dataset}){draft}"
        )
    return "\n".join(lines)


def _count(count: int | None, percent: float | None, mostly: Any = None) -> str:
    """Failing count, and the share of checked records that passed: with ``mostly`` that
    share is the figure a target such as "90 % within 24 h" is judged on."""
    if count is None:
        return ""
    text = f" {count} failing"
    if percent is not None:
        text += f" ({100 - percent:.1f}% passed"
        text += f", target {mostly:.0%})" if isinstance(mostly, int | float) else ")"
    return text


def describe_stored_run(
    document: dict[str, Any], rules: Sequence[StoredRuleResult] | None = None
) -> str:
    """``rules`` (the stored rule results) add each rule's share passed to the view."""
    percent = {r.position: r.unexpected_percent for r in rules or []}
    run = document["run"]
    lines = [
        f"run {run['run_id']} (batch {run['batch_id']})",
        f"  suite    {document['suite']}  hash {run['suite_hash'][:16]}…",
        f"  dataset  {run['system']}/{run['dataset']}  source {run['source']}",
        f"  status   {run['status']}, outcome {document['status']}"
        + ("  DRAFT (suite not approved)" if run.get("draft") else ""),
        f"  risk     score {run.get('risk_score') or '-'}, band {run.get('band') or '-'}",
        f"  started  {run['started_at']} by {run['os_user']} on {run['host']}",
        f"  rows     {document['rows']}  sha256 {(run['source_sha256'] or '')[:16]}…",
        f"  versions dqaudit {run['dqaudit_version']}, great_expectations {run['gx_version']}",
    ]
    if document["error"]:
        lines.append(f"  error    {document['error']}")
    for reference in run.get("reference_files") or []:
        lines.append(
            f"  uses     {reference['source']} sha256 {reference['sha256'][:16]}… ({reference['role']})"
        )
    if run.get("details_purged_at"):
        lines.append(f"  purged   failing-record details purged {run['details_purged_at']}")
    for position, result in enumerate(document["results"]):
        mark = MARKS[result["success"]]
        count = _count(
            result["unexpected_count"], percent.get(position), result["kwargs"].get("mostly")
        )
        lines.append(
            f"  {mark:<5} {result['rule_id'] or '-':<14} {result['expectation_type']}{count}"
        )
        preview = _keys_preview(result["failing_keys"])
        if preview:
            lines.append(f"      {preview}")
    return "\n".join(lines)
