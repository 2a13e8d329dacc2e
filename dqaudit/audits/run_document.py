"""A stored run as the same JSON document ``check`` prints, plus the run's metadata."""

from __future__ import annotations

from typing import Any

from dqaudit.engine.results import ERROR
from dqaudit.store import StoredReference, StoredRun

RUN_FIELDS = (
    "run_id",
    "batch_id",
    "status",
    "draft",
    "system",
    "dataset",
    "suite_hash",
    "suite_path",
    "started_at",
    "ended_at",
    "os_user",
    "host",
    "dqaudit_version",
    "gx_version",
    "source",
    "source_sha256",
    "row_count",
    "columns",
    "extracted_at",
    "key_columns",
    "warnings",
    "risk_score",
    "band",
    "details_purged_at",
)


def run_document(run: StoredRun, references: list[StoredReference] | None = None) -> dict[str, Any]:
    """``check``'s document (status is the outcome) with a ``run`` section of metadata;
    ``references`` (the reference files the run used) add ``run.reference_files``."""
    keys = run.failing_keys
    results = []
    for rule in run.rules:
        row_level = rule.unexpected_count is not None and rule.error is None
        results.append(
            {
                "expectation_type": rule.expectation_type,
                "kwargs": rule.kwargs,
                "rule_id": rule.rule_id,
                "success": rule.success,
                "unexpected_count": rule.unexpected_count,
                "failing_keys": keys.get(rule.position, []) if row_level else None,
                "error": rule.error,
            }
        )
    document: dict[str, Any] = {
        "status": (run.outcome or ERROR).value,
        "suite": run.suite_name,
        "rows": run.row_count,
        "key_source": run.key_source,
        "error": run.error,
        "results": results,
        "run": {name: _plain(getattr(run, name)) for name in RUN_FIELDS},
    }
    if run.bad_rows:  # run metadata: the records the extract left out
        document["run"]["bad_rows"] = [
            {"line": row.line, "reason": row.reason, "action": row.action} for row in run.bad_rows
        ]
    if references is not None:
        document["run"]["reference_files"] = [reference.to_dict() for reference in references]
    return document


def _plain(value: Any) -> Any:
    """A value as JSON shows it: times as ISO text, enums as their value."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return getattr(value, "value", value)
