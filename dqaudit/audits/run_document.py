"""A stored run as the same JSON document ``check`` prints, plus the run's metadata."""

from __future__ import annotations

from typing import Any

from dqaudit.engine.results import ERROR, FAILED, PASSED

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


def run_document(run: dict[str, Any]) -> dict[str, Any]:
    """``check``'s document (status is the outcome) with a ``run`` section of metadata."""
    keys = run["failing_keys"]
    results = []
    for rule in run["rules"]:
        row_level = rule["unexpected_count"] is not None and rule["error"] is None
        results.append(
            {
                "expectation_type": rule["expectation_type"],
                "kwargs": rule["kwargs"],
                "rule_id": rule["rule_id"],
                "success": rule["success"],
                "unexpected_count": rule["unexpected_count"],
                "failing_keys": keys.get(rule["position"], []) if row_level else None,
                "error": rule["error"],
            }
        )
    outcome = run["outcome"] if run["outcome"] in (PASSED, FAILED, ERROR) else ERROR
    document = {
        "status": outcome,
        "suite": run["suite_name"],
        "rows": run["row_count"],
        "key_source": run["key_source"],
        "error": run["error"],
        "results": results,
        "run": {
            name: (run[name].isoformat() if hasattr(run[name], "isoformat") else run[name])
            for name in RUN_FIELDS
        },
    }
    if run.get("bad_rows"):  # run metadata: the records the extract left out
        document["run"]["bad_rows"] = run["bad_rows"]
    return document
