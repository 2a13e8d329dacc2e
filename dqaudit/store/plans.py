"""Stored action plans (what each exported workbook carried) and their imports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from dqaudit.store import schema
from dqaudit.store.clock import as_utc
from dqaudit.store.provenance import os_user
from dqaudit.store.repository import Repository


@dataclass(frozen=True)
class PlanRecord:
    """An exported plan: which finding and rule each row and sheet carried, and what the
    owner was shown (import trusts only this, never the workbook's own claims)."""

    plan_id: str
    owner_email: str
    owner_name: str | None
    systems: list[str]
    exported_at: datetime
    file_name: str
    findings: list[dict[str, Any]]
    os_user: str | None


class PlanRepository(Repository):
    def record(
        self,
        *,
        plan_id: str,
        owner_email: str,
        owner_name: str | None,
        systems: list[str],
        exported_at: datetime,
        file_name: str,
        findings: list[dict[str, Any]],
    ) -> None:
        with self._write() as connection:
            connection.execute(
                schema.action_plans.insert().values(
                    plan_id=plan_id,
                    owner_email=owner_email,
                    owner_name=owner_name,
                    systems=systems,
                    exported_at=exported_at,
                    file_name=file_name,
                    findings=findings,
                    os_user=os_user(),
                )
            )

    def get(self, plan_id: str) -> PlanRecord | None:
        plans = schema.action_plans
        with self._read() as connection:
            row = connection.execute(sa.select(plans).where(plans.c.plan_id == plan_id)).first()
        return _plan(row) if row else None

    def newest_after(self, owner_email: str, exported_at: datetime) -> PlanRecord | None:
        """The owner's newest plan exported after ``exported_at`` (None if there is none)."""
        plans = schema.action_plans
        with self._read() as connection:
            row = connection.execute(
                sa.select(plans)
                .where(plans.c.owner_email == owner_email, plans.c.exported_at > exported_at)
                .order_by(plans.c.exported_at.desc())
                .limit(1)
            ).first()
        return _plan(row) if row else None

    def count(self) -> int:
        with self._read() as connection:
            query = sa.select(sa.func.count()).select_from(schema.action_plans)
            return int(connection.execute(query).scalar() or 0)

    def was_imported(self, plan_id: str, file_sha256: str) -> bool:
        imports = schema.plan_imports
        with self._read() as connection:
            found = connection.execute(
                sa.select(imports.c.id).where(
                    imports.c.plan_id == plan_id, imports.c.file_sha256 == file_sha256
                )
            ).first()
        return found is not None

    def record_import(
        self, plan_id: str, *, imported_at: datetime, file_sha256: str, changes: dict[str, Any]
    ) -> None:
        with self._write() as connection:
            connection.execute(
                schema.plan_imports.insert().values(
                    plan_id=plan_id,
                    imported_at=imported_at,
                    file_sha256=file_sha256,
                    changes=changes,
                    os_user=os_user(),
                )
            )


def _plan(row: Any) -> PlanRecord:
    return PlanRecord(
        plan_id=row.plan_id,
        owner_email=row.owner_email,
        owner_name=row.owner_name,
        systems=row.systems or [],
        exported_at=as_utc(row.exported_at),
        file_name=row.file_name,
        findings=row.findings or [],
        os_user=row.os_user,
    )
