"""Record and read the reference files each run used (store table ``run_references``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from dqaudit.expectations.rules.references import ReferenceFile
from dqaudit.store import schema


def record_references(store: Any, run_id: str, references: list[ReferenceFile]) -> None:
    """Store each file's role, path and SHA-256 against the run."""
    if not references:
        return
    rows = [
        {
            "run_id": run_id,
            "role": reference.role,
            "source": reference.source,
            "sha256": reference.sha256,
            "row_count": reference.rows,
        }
        for reference in references
    ]
    try:
        with store.engine.begin() as connection:
            connection.execute(schema.run_references.insert(), rows)
    except SQLAlchemyError as exc:
        raise store.error(exc, "cannot record reference files: ") from None


def run_references(store: Any, run_id: str) -> list[dict[str, Any]]:
    """The reference files a run recorded, in the order it used them."""
    table = schema.run_references
    query = (
        sa.select(table.c.role, table.c.source, table.c.sha256, table.c.row_count)
        .where(table.c.run_id == run_id)
        .order_by(table.c.id)
    )
    with store.engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]
