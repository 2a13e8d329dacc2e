"""SIMB approval of suites, bound to the suite hash.

An approval records who approved which exact version of a suite (its hash and its
canonical form, kept so a diff or a past run can always show what was approved), under
which board minute, until when, and the fingerprints of the reference files it uses.
A suite whose hash differs from its latest approval is no longer approved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from dqaudit.digests import sha256_file
from dqaudit.errors import FieldError, InputError
from dqaudit.expectations.suite import load_suite, load_workspace_suites
from dqaudit.expectations.suite_model import Suite
from dqaudit.governance import trail
from dqaudit.governance.rule_library import current_version
from dqaudit.store import ApprovalRecord, AuditStore, StoreTransaction
from dqaudit.workspace.config import Workspace

Approval = ApprovalRecord  # what the store keeps of an approval


class ApprovalState(StrEnum):
    """Where a suite stands with the SIMB (the value is what ``suite status`` prints)."""

    APPROVED = "approved"
    REVIEW_OVERDUE = "review overdue"
    CHANGED = "changed since approval"
    NEVER_APPROVED = "never approved"
    REVOKED = "revoked"
    UNCONFIRMED = "approval not in the trail"  # fails the trail cross-check

    @property
    def runnable(self) -> bool:
        return self in (ApprovalState.APPROVED, ApprovalState.REVIEW_OVERDUE)


APPROVED = ApprovalState.APPROVED
REVIEW_OVERDUE = ApprovalState.REVIEW_OVERDUE
CHANGED = ApprovalState.CHANGED
NEVER_APPROVED = ApprovalState.NEVER_APPROVED
REVOKED = ApprovalState.REVOKED
UNCONFIRMED = ApprovalState.UNCONFIRMED
RUNNABLE = (APPROVED, REVIEW_OVERDUE)


@dataclass(frozen=True)
class SuiteState:
    """Where a suite stands with the SIMB, as ``suite status`` shows it.

    ``rule_library`` is (version approved under, version now) when they differ: the
    built-in rules the suite calls changed since the SIMB approved it.
    """

    suite: Suite
    status: ApprovalState
    approval: Approval | None
    changed_references: list[str] = field(default_factory=list)
    rule_library: tuple[str | None, str] | None = None

    @property
    def runnable(self) -> bool:
        return self.status.runnable


@dataclass(frozen=True)
class SuiteDiff:
    """Rule-level differences between the approved version and the suite file now."""

    suite_name: str
    approval: Approval
    added: list[str]
    removed: list[str]
    changed: dict[str, list[str]]
    suite_fields: list[str]

    @property
    def identical(self) -> bool:
        return not (self.added or self.removed or self.changed or self.suite_fields)


def find_suite(workspace: Workspace, reference: str) -> Suite:
    """A workspace suite by name, or a suite file by path; loaded strictly."""
    path = Path(reference)
    if path.suffix == ".json" and path.is_file():
        return load_suite(path, risk_scale=workspace.config.risk.matrix)
    folder = workspace.suites_dir
    names: list[str] = []
    unreadable: list[InputError] = []
    for candidate in sorted(folder.glob("*.json")):
        try:
            suite = load_suite(candidate, risk_scale=workspace.config.risk.matrix)
        except InputError as exc:
            if candidate.stem == reference:
                raise
            unreadable.append(exc)
            continue
        if suite.name == reference:
            return suite
        names.append(suite.name)
    if unreadable:  # the suite asked for may be the one that does not load
        raise unreadable[0]
    known = ", ".join(names) or "none"
    raise InputError(f"no suite named '{reference}' in {folder} (suites: {known})")


def referenced_files(suite: Suite, workspace: Workspace) -> list[Path]:
    """Files the suite depends on besides its extract: reference files its rules name
    (boundaries, code lists), the extracts its derivation reads (a postcode directory),
    and any other existing file named in its kwargs or ``meta.dqaudit``."""
    from dqaudit.engine.derivation import input_dataset, steps
    from dqaudit.expectations.rules.references import suite_reference_files

    found: list[Path] = [Path(ref.source).resolve() for ref in suite_reference_files(suite)]
    for step in steps(suite):
        for input_name in step.inputs.values():
            system_name, dataset_name = input_dataset(suite.system, input_name)
            system = workspace.config.systems.get(system_name or "")
            dataset = system.datasets.get(dataset_name) if system else None
            for key in ("path", "layout"):
                value = dataset.options.get(key) if dataset else None
                if isinstance(value, str):
                    path = Path(value) if Path(value).is_absolute() else workspace.root / value
                    if path.is_file():
                        found.append(path.resolve())
    bases = [workspace.root, workspace.suites_dir]
    if suite.path is not None:
        bases.append(suite.path.parent)
    values: list[Any] = [rule.kwargs for rule in suite.rules]
    values.append(suite.meta.get("dqaudit", {}))
    for value in _strings(values):
        if len(value) > 400 or "\n" in value:
            continue
        for base in bases:
            candidate = Path(value) if Path(value).is_absolute() else base / value
            try:
                is_file = candidate.is_file()
            except OSError:  # text that cannot be a path (a name over 255 bytes): not a file
                is_file = False
            if is_file:
                found.append(candidate.resolve())
                break
    return list(dict.fromkeys(found))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _fingerprints(paths: list[Path]) -> list[dict[str, str]]:
    return [{"path": str(path), "sha256": sha256_file(path)} for path in paths]


def approve(
    store: AuditStore,
    workspace: Workspace,
    reference: str,
    *,
    by: str,
    board: str,
    minute: str,
    review_by: date | None = None,
    rule_library_version: str | None = None,
) -> Approval:
    """Record the SIMB's approval of the suite as it is now; nothing is written on error.

    ``rule_library_version`` is the built-in rule library's version it is approved under
    (default: the one in use now)."""
    for name, value in (("by", by), ("board", board), ("minute", minute)):
        if not value or not value.strip():
            raise FieldError(f"{{{name}}} must not be empty", name)
    if review_by is not None and review_by <= store.clock().date():
        raise FieldError(f"{{review_by}} {review_by.isoformat()} is not in the future", "review_by")
    version = rule_library_version or current_version()
    from dqaudit.governance.lint import lint_reference, refuse_unless_approvable
    from dqaudit.governance.schedule import cadence

    refuse_unless_approvable(lint_reference(reference, workspace))  # every problem listed
    suite = find_suite(workspace, reference)
    suite.require_governance()
    workspace.dataset(suite.system or "", suite.dataset or "", suite.source)
    cadence(suite, workspace.config.risk)  # a bad cron, or no risk score, is refused here
    document = (
        suite.path.read_text(encoding="utf-8") if suite.path else json.dumps(suite.canonical())
    )
    references = _fingerprints(referenced_files(suite, workspace))
    approved_at = store.clock()

    def write(tx: StoreTransaction) -> dict[str, Any]:
        approval_id = tx.approvals.record(
            suite_name=suite.name,
            suite_hash=suite.hash,
            canonical=suite.canonical(),
            document=document,
            approved_by=by,
            board=board,
            minute=minute,
            review_by=review_by,
            approved_at=approved_at,
            reference_files=references,
            rule_library_version=version,
        )
        return {
            "approval_id": approval_id,
            "suite_hash": suite.hash,
            "approved_by": by,
            "board": board,
            "minute": minute,
            "review_by": review_by.isoformat() if review_by else None,
            "reference_files": references,
            "rule_library_version": version,
        }

    store.trail.write_with_entry("approve", suite.name, write)
    approval = latest_approval(store, suite.name)
    assert approval is not None
    return approval


def revoke(
    store: AuditStore, workspace: Workspace, reference: str, *, by: str, reason: str
) -> Approval:
    """Withdraw the suite's current approval; its runs then need a new approval."""
    for name, value in (("by", by), ("reason", reason)):
        if not value or not value.strip():
            raise FieldError(f"{{{name}}} must not be empty", name)
    name = _suite_name(workspace, reference)
    approval = latest_approval(store, name)
    if approval is None or approval.revoked_at is not None:
        raise InputError(f"suite '{name}' has no approval in force to revoke")
    revoked_at = store.clock()

    def write(tx: StoreTransaction) -> dict[str, Any]:
        tx.approvals.revoke(approval.id, by=by, reason=reason, at=revoked_at)
        return {
            "approval_id": approval.id,
            "suite_hash": approval.suite_hash,
            "revoked_by": by,
            "reason": reason,
        }

    store.trail.write_with_entry("revoke", name, write)
    revoked = latest_approval(store, name)
    assert revoked is not None
    return revoked


def _suite_name(workspace: Workspace, reference: str) -> str:
    try:
        return find_suite(workspace, reference).name
    except InputError:
        if Path(reference).suffix == ".json":
            raise
        return reference  # a suite whose file is gone can still be revoked by name


def latest_approval(store: AuditStore, suite_name: str) -> Approval | None:
    return store.approvals.latest(suite_name)


def suite_state(
    store: AuditStore,
    workspace: Workspace,
    suite: Suite,
    today: date | None = None,
    rule_library_version: str | None = None,
) -> SuiteState:
    """Approved, changed since approval, never approved, revoked, review overdue, or
    unconfirmed (the approval is not in the trail); flagged when the rule library it was
    approved under is not ``rule_library_version`` (default: the one in use now)."""
    today = today or store.clock().date()
    approval = latest_approval(store, suite.name)
    if approval is None:
        return SuiteState(suite, NEVER_APPROVED, None)
    confirmed, revoked_in_trail = _trail_record(store, approval)
    if approval.revoked_at is not None or revoked_in_trail:
        return SuiteState(suite, REVOKED, approval)
    if not confirmed:
        return SuiteState(suite, UNCONFIRMED, approval)
    changed = _changed_references(approval)
    current = rule_library_version or current_version()
    library = None
    if approval.rule_library_version != current:
        library = (approval.rule_library_version, current)
    if approval.suite_hash != suite.hash:
        status = CHANGED
    elif approval.review_by is not None and approval.review_by < today:
        status = REVIEW_OVERDUE
    else:
        status = APPROVED
    return SuiteState(suite, status, approval, changed, library)


def _trail_record(store: AuditStore, approval: Approval) -> tuple[bool, bool]:
    """Whether the trail holds this exact approval, and whether it records its revocation.

    The approvals table is only as good as the tamper-evident trail behind it: an
    approval row edited in the database (a new hash, say) matches no trail entry.
    """
    confirmed = revoked = False
    for entry in trail.entries_for(store, approval.suite_name, ("approve", "revoke")):
        if entry.details.get("approval_id") != approval.id:
            continue
        if entry.action == "revoke":
            revoked = True
        elif (
            entry.details.get("suite_hash") == approval.suite_hash
            and entry.details.get("minute") == approval.minute
            and entry.details.get("board") == approval.board
            and entry.details.get("approved_by") == approval.approved_by
        ):
            confirmed = True
    return confirmed, revoked


def _changed_references(approval: Approval) -> list[str]:
    changed = []
    for reference in approval.reference_files or []:
        path = Path(reference["path"])
        if not path.is_file():
            changed.append(f"{path} (missing)")
        elif sha256_file(path) != reference["sha256"]:
            changed.append(str(path))
    return changed


def all_states(
    store: AuditStore,
    workspace: Workspace,
    band: str | None = None,
    rule_library_version: str | None = None,
) -> list[SuiteState]:
    """Every workspace suite's approval state, highest risk first (optionally one band)."""
    risk = workspace.config.risk
    if band is not None:
        risk.require_band(band)
    suites = [
        s
        for s in load_workspace_suites(workspace)
        if band is None or risk.band_name(s.risk_score) == band
    ]
    suites.sort(key=lambda s: (-s.risk_score, s.name))
    version = rule_library_version or current_version()
    return [suite_state(store, workspace, s, rule_library_version=version) for s in suites]


def diff(store: AuditStore, workspace: Workspace, reference: str) -> SuiteDiff:
    """Rules added, removed or changed (by rule_id) since the approved version."""
    suite = find_suite(workspace, reference)
    approval = latest_approval(store, suite.name)
    if approval is None:
        raise InputError(f"suite '{suite.name}' has never been approved: nothing to compare with")
    before = _by_rule(approval.canonical)
    after = _by_rule(suite.canonical())
    changed = {}
    for rule_id in sorted(set(before) & set(after)):
        fields = sorted(
            k
            for k in set(before[rule_id]) | set(after[rule_id])
            if before[rule_id].get(k) != after[rule_id].get(k)
        )
        if fields:
            changed[rule_id] = fields
    suite_fields = sorted(
        k
        for k in ("name", "system", "dataset")
        if approval.canonical.get(k) != suite.canonical().get(k)
    )
    return SuiteDiff(
        suite_name=suite.name,
        approval=approval,
        added=sorted(set(after) - set(before)),
        removed=sorted(set(before) - set(after)),
        changed=changed,
        suite_fields=suite_fields,
    )


def _by_rule(canonical: dict[str, Any]) -> dict[str, dict[str, Any]]:
    rules = {}
    for index, expectation in enumerate(canonical.get("expectations", [])):
        rules[expectation.get("rule_id") or f"#{index + 1}"] = expectation
    return rules
