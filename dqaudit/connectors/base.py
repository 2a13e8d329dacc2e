"""What every connector returns: the data, where each record starts, and a fingerprint."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


@dataclass(frozen=True)
class Fingerprint:
    """Identifies exactly what was audited, so a run can be traced to its input.

    ``source`` never carries a password; ``sha256`` is of the file bytes or query text.
    """

    source: str
    sha256: str
    rows: int
    columns: list[str]
    extracted_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


BAD_ROW_POLICIES = ("error", "skip", "report")


@dataclass
class Extract:
    """An extract ready to validate; ``line_numbers[i]`` is where row i starts in its file.

    ``bad_rows`` are records left out under ``on_bad_row: skip|report``, each a dict with
    the ``line`` it starts on and the ``reason``; they are listed with the run, never
    dropped silently. A pushdown extract has no frame: ``pushdown`` describes the table
    or query that GX validates inside the database (see dqaudit.engine.pushdown).
    """

    frame: pd.DataFrame | None
    fingerprint: Fingerprint
    line_numbers: np.ndarray | None = None
    bad_rows: list[dict[str, Any]] = field(default_factory=list)
    bad_row_policy: str = "error"
    pushdown: Any = None
