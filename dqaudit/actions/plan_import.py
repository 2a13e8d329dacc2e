"""``actions import``: read an owner's edits back from a plan dqaudit exported.

Only workbooks dqaudit exported are accepted (their hidden sheet names a plan in the
store), and only the owner's cells are read: status, agreed action, agreed date, comment
and reason, plus exception requests on the failing-records sheets. A row whose finding
id, rule id or record key was altered is rejected, naming the row, and then nothing is
imported. Importing the same file twice changes nothing. A plan older than a later
export for the same owner is refused unless forced. Every change goes to the trail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from dqaudit.actions import plan_layout as layout
from dqaudit.actions.cells import restore
from dqaudit.actions.finding_status import OwnerSet, transition
from dqaudit.digests import sha256_file, sha256_text
from dqaudit.errors import FieldError, InputError
from dqaudit.store import AuditStore, Finding, FindingStatus, PlanRecord, StoreTransaction

EDITABLE = {
    "Status": "status",
    "Agreed action": "agreed_action",
    "Agreed date": "agreed_date",
    "Owner comment": "owner_comment",
    "Reason if not accepted": "not_accepted_reason",
}
MAX_PROBLEMS_SHOWN = 5


@dataclass
class ImportResult:
    plan_id: str
    owner_email: str
    changes: dict[int, dict[str, list[Any]]] = field(default_factory=dict)
    exceptions_requested: list[tuple[int, str]] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    already_imported: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.changes or self.exceptions_requested)


def import_plan(store: AuditStore, path: Path, *, force: bool = False) -> ImportResult:
    """Apply an owner's edits from ``path``; all of them, or none and an error."""
    workbook = _open(path)
    digest = sha256_file(path)
    try:
        plan = _plan(store, workbook, path)
        if _imported_before(store, plan.plan_id, digest):
            return ImportResult(plan.plan_id, plan.owner_email, already_imported=True)
        _refuse_if_superseded(store, plan, force)
        recorded = {item["finding_id"]: item for item in plan.findings}
        current = _current_findings(store, list(recorded))
        changes, conflicts, problems = _finding_changes(workbook, recorded, current)
        requests = _exception_requests(store, workbook, path, plan.findings, problems)
    finally:
        workbook.close()
    if problems:
        shown = "; ".join(problems[:MAX_PROBLEMS_SHOWN])
        more = (
            f" (and {len(problems) - MAX_PROBLEMS_SHOWN} more)"
            if len(problems) > MAX_PROBLEMS_SHOWN
            else ""
        )
        raise InputError(f"{path}: nothing imported: {shown}{more}")
    result = ImportResult(plan.plan_id, plan.owner_email, changes, [], conflicts)
    existing = _existing_exceptions(store, {finding for finding, _key, _reason in requests})
    new_requests = [(f, k, r) for f, k, r in requests if (f, k) not in existing]
    result.exceptions_requested = [(f, k) for f, k, _r in new_requests]
    if not result.changed:
        return result

    def write(tx: StoreTransaction) -> dict[str, Any]:
        now = store.clock()
        for finding_id, fields in changes.items():
            values = {name: _typed(name, new) for name, (_old, new) in fields.items()}
            if "status" in values:
                values["status_reason"] = f"the owner set {values['status']} in plan {plan.plan_id}"
            tx.findings.update(finding_id, {"updated_at": now, **values})
        for finding_id, key, reason in new_requests:
            tx.exceptions.request(finding_id, key, reason=reason, by=plan.owner_email, at=now)
        tx.plans.record_import(
            plan.plan_id,
            imported_at=now,
            file_sha256=digest,
            changes={str(k): v for k, v in changes.items()},
        )
        return {
            "plan_id": plan.plan_id,
            "file_sha256": digest,
            "changes": {str(k): v for k, v in changes.items()},
            "exceptions_requested": [
                [f, sha256_text(k)] for f, k in result.exceptions_requested
            ],  # key digests: record keys are personal data, and the trail is never purged
        }

    store.trail.write_with_entry("import", plan.owner_email, write)
    return result


def _open(path: Path) -> Any:
    try:
        # Formulas are read as their text and never evaluated: an owner's "=..." is a comment.
        return load_workbook(path, read_only=True, data_only=False)
    except FileNotFoundError:
        raise InputError(f"file not found: {path}") from None
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InputError(f"{path}: not an Excel workbook dqaudit can read ({exc})") from None


def _plan(store: AuditStore, workbook: Any, path: Path) -> PlanRecord:
    if layout.IDENTITY not in workbook.sheetnames or layout.FINDINGS not in workbook.sheetnames:
        raise InputError(f"{path}: not an action plan exported by dqaudit (no plan identity sheet)")
    identity = {
        str(row[0]): row[1]
        for row in workbook[layout.IDENTITY].iter_rows(values_only=True)
        if row and row[0] is not None
    }
    plan_id = identity.get("plan_id")
    plan = store.plans.get(str(plan_id))
    if plan is None:
        raise InputError(f"{path}: plan '{plan_id}' was not exported from this audit store")
    if identity.get("owner_email") != plan.owner_email or identity.get(
        "findings_sha256"
    ) != layout.findings_digest(plan.findings):
        raise InputError(
            f"{path}: the plan identity sheet was altered (it no longer matches plan {plan_id})"
        )
    return plan


def _imported_before(store: AuditStore, plan_id: str, digest: str) -> bool:
    return store.plans.was_imported(plan_id, digest)


def _refuse_if_superseded(store: AuditStore, plan: PlanRecord, force: bool) -> None:
    newer = store.plans.newest_after(plan.owner_email, plan.exported_at)
    if newer is not None and not force:
        raise FieldError(
            f"plan {plan.plan_id} (exported {plan.exported_at:%Y-%m-%d %H:%M}) is older than plan "
            f"{newer.plan_id} (exported {newer.exported_at:%Y-%m-%d %H:%M}) for "
            f"{plan.owner_email}; import the newer plan, or use {{force}}",
            "force",
        )


def _current_findings(store: AuditStore, ids: list[int]) -> dict[int, Finding]:
    return store.findings.get_many(ids)


def _finding_changes(
    workbook: Any, recorded: dict[int, dict[str, Any]], current: dict[int, Finding]
) -> tuple[dict[int, dict[str, list[Any]]], list[str], list[str]]:
    """The owner's edits, matched to findings by Finding ID (owners may sort and filter).

    Only cells that differ from what the plan showed are edits. An edit to a field that
    has itself changed in the store since the export (a later audit verified or reopened
    the finding, say) is not applied: it is reported as a conflict instead.
    """
    sheet = workbook[layout.FINDINGS]
    rows = sheet.iter_rows(values_only=True)
    header = [str(v) if v is not None else "" for v in next(rows, ())]
    expected = [column.title for column in layout.FINDING_COLUMNS]
    if header[: len(expected)] != expected:
        return {}, [], ["the Findings sheet's header row was changed"]
    index = layout.FINDING_INDEX
    changes: dict[int, dict[str, list[Any]]] = {}
    conflicts: list[str] = []
    problems: list[str] = []
    seen: set[int] = set()
    for number, values in enumerate(rows, start=2):
        if not any(v is not None for v in values):
            continue
        finding_id, rule_id = values[index["Finding ID"]], restore(values[index["Rule ID"]])
        item = recorded.get(finding_id) if isinstance(finding_id, int) else None
        if item is None or rule_id != item["rule_id"] or finding_id in seen:
            problems.append(f"Findings row {number}: the finding id or rule id was altered")
            continue
        seen.add(finding_id)
        row = current.get(finding_id)
        if row is None:
            problems.append(
                f"Findings row {number}: finding {finding_id} is no longer in the store"
            )
            continue
        edits, problem = _edits(values, number)
        if problem:
            problems.append(problem)
            continue
        applied = {}
        shown = item.get("exported", {})
        for name, value in edits.items():
            before = shown.get(name)
            if value == before:
                continue  # the owner left this cell as exported
            now = _plain(getattr(row, name))
            if isinstance(now, FindingStatus):
                now = now.value
            if now != before:
                conflicts.append(
                    f"finding {finding_id}: {name} is now {now!r} in the store (it was {before!r} "
                    f"when the plan was exported), so the plan's {value!r} was not applied"
                )
                continue
            if name == "status":
                step = transition(row.status, OwnerSet(FindingStatus(value)))
                if step.refused:
                    problems.append(f"Findings row {number}: {step.reason}")
                    continue
            applied[name] = [now, value]
        if applied.get("status", [None, None])[1] == "Not accepted" and not (
            applied.get("not_accepted_reason", [None, None])[1] or row.not_accepted_reason
        ):
            problems.append(f"Findings row {number}: 'Not accepted' needs a reason")
            continue
        if applied:
            changes[finding_id] = applied
    missing = sorted(set(recorded) - seen)
    if missing:
        problems.append(
            f"finding(s) {', '.join(map(str, missing))} were deleted from the Findings sheet"
        )
    return changes, conflicts, problems


def _edits(values: tuple[Any, ...], number: int) -> tuple[dict[str, Any], str | None]:
    """The editable cells of one row, checked and as plain values (dates as ISO text)."""
    index = layout.FINDING_INDEX
    new: dict[str, Any] = {}
    for title, name in EDITABLE.items():
        value = restore(values[index[title]])
        if isinstance(value, str):
            value = value.strip() or None
        new[name] = value
    status = new["status"]
    if status not in layout.STATUS_CHOICES:
        return (
            {},
            f"Findings row {number}: status '{status}' is not one of {', '.join(layout.OWNER_STATUSES)}",
        )
    agreed = new["agreed_date"]
    if isinstance(agreed, datetime):
        agreed = agreed.date()
    if isinstance(agreed, str):
        try:
            agreed = date.fromisoformat(agreed)
        except ValueError:
            return {}, f"Findings row {number}: agreed date '{agreed}' is not a date (yyyy-mm-dd)"
    elif agreed is not None and not isinstance(agreed, date):
        return {}, f"Findings row {number}: agreed date {agreed!r} is not a date"
    new["agreed_date"] = _plain(agreed)
    return new, None


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _typed(name: str, value: Any) -> Any:
    return date.fromisoformat(value) if name == "agreed_date" and isinstance(value, str) else value


def _exception_requests(
    store: AuditStore,
    workbook: Any,
    path: Path,
    findings: list[dict[str, Any]],
    problems: list[str],
) -> list[tuple[int, str, str]]:
    """Exception requests an owner marked on the failing-records sheets, keys verified."""
    requests = []
    for item in findings:
        if item["sheet"] not in workbook.sheetnames or not item["records"]:
            continue
        exported = _exported_keys(store, item)
        rows = workbook[item["sheet"]].iter_rows(values_only=True)
        header = next(rows, ())
        width = len(header)
        for number, values in enumerate(rows, start=2):
            if number - 2 >= item["records"]:
                break
            key = restore(values[0]) if values else None
            expected = exported[number - 2] if number - 2 < len(exported) else None
            if exported and key != expected:
                problems.append(f"sheet '{item['sheet']}' row {number}: the record key was altered")
                continue
            flag, reason = (
                (values[width - 2], values[width - 1]) if len(values) >= width else (None, None)
            )
            if str(flag or "").strip().lower() != layout.YES.lower():
                continue
            reason = str(restore(reason) or "").strip()
            if not reason:
                problems.append(
                    f"sheet '{item['sheet']}' row {number}: an exception needs a reason"
                )
                continue
            requests.append((item["finding_id"], str(key), reason))
    return requests


def _exported_keys(store: AuditStore, item: dict[str, Any]) -> list[str]:
    """The keys export wrote for a finding, in order (empty once details are purged)."""
    if item.get("run_id") is None or item.get("position") is None:
        return []
    return store.runs.failing_keys(item["run_id"], item["position"], limit=item["records"])


def _existing_exceptions(store: AuditStore, finding_ids: set[int]) -> set[tuple[int, str]]:
    if not finding_ids:
        return set()
    return store.exceptions.keys_of(finding_ids)
