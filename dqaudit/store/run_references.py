"""Record and read the reference files each run used (store table ``run_references``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from dqaudit.store import schema
from dqaudit.store.repository import Repository

if TYPE_CHECKING:
    from dqaudit.expectations.rules.references import ReferenceFile


@dataclass(frozen=True)
class StoredReference:
    """A boundary, code list or derivation input a run used: role, path, SHA-256, rows."""

    role: str
    source: str
    sha256: str
    row_count: int | None

    def to_dict(self) -> dict[str, object]:
        return {
            "role": self.role,
            "source": self.source,
            "sha256": self.sha256,
            "row_count": self.row_count,
        }


class ReferenceRepository(Repository):
    def record(self, run_id: str, references: Sequence[ReferenceFile]) -> None:
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
        with self._write() as connection:
            connection.execute(schema.run_references.insert(), rows)

    def for_run(self, run_id: str) -> list[StoredReference]:
        """The reference files a run recorded, in the order it used them."""
        table = schema.run_references
        query = (
            sa.select(table.c.role, table.c.source, table.c.sha256, table.c.row_count)
            .where(table.c.run_id == run_id)
            .order_by(table.c.id)
        )
        with self._read() as connection:
            return [StoredReference(*row) for row in connection.execute(query)]
