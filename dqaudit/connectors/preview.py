"""``extract preview``: the first rows of a workspace dataset and its fingerprint.

For checking a dataset's settings before auditing it. The dataset's ``sensitive``
columns are masked, because a preview lands on a screen, in a terminal log or a ticket.
A pushdown dataset is previewed with a LIMIT query in the database (read-only, as ever).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dqaudit.connectors.base import FrameExtract
from dqaudit.connectors.registry import get_connector
from dqaudit.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from dqaudit.connectors.base import BadRow, Extract, Fingerprint
    from dqaudit.workspace.config import Workspace

MASK = "***"


@dataclass
class Preview:
    system: str
    dataset: str
    connector: str
    fingerprint: Fingerprint
    rows: pd.DataFrame
    bad_rows: list[BadRow]
    masked: list[str]
    pushdown: bool

    def describe(self) -> str:
        """The fingerprint, the rows as a table, and any bad rows, for the terminal."""
        import pandas as pd

        fingerprint = self.fingerprint
        lines = [
            f"{self.system}/{self.dataset} (connector {self.connector}"
            f"{', pushdown' if self.pushdown else ''})",
            f"  source       {fingerprint.source}",
            f"  sha256       {fingerprint.sha256}",
            f"  rows         {fingerprint.rows}",
            f"  columns      {', '.join(fingerprint.columns)}",
            f"  extracted_at {fingerprint.extracted_at}",
        ]
        if self.masked:
            lines.append(f"  masked       {', '.join(self.masked)} (sensitive)")
        if self.bad_rows:
            first = self.bad_rows[0]
            lines.append(
                f"  bad rows     {len(self.bad_rows)} (first at line {first.line}: {first.reason})"
            )
        lines.append("")
        with pd.option_context("display.max_columns", None, "display.width", 160):
            lines.append(self.rows.to_string() if len(self.rows) else "(no rows)")
        return "\n".join(lines)


def preview_dataset(workspace: Workspace, system: str, dataset: str, rows: int = 10) -> Preview:
    """Extract a dataset as an audit would, and keep its first ``rows`` rows."""
    if rows < 0:
        raise InputError(f"extract preview: the number of rows must be 0 or more, not {rows}")
    where = f"extract preview {system} {dataset}"
    config = workspace.dataset(system, dataset, where)
    options = config.resolved_options(workspace.config_path, system, dataset)
    extract = get_connector(config.connector).extract(options, base_dir=workspace.root)
    head = _head(extract, rows)
    masked = [c for c in config.sensitive if c in head.columns]
    if masked:
        head = head.copy()
        for column in masked:
            head[column] = head[column].astype(object).where(head[column].isna(), MASK)
    bad_rows: list[BadRow] = []
    if isinstance(extract, FrameExtract):
        bad_rows = list(extract.bad_rows)
        if extract.line_numbers is not None:
            head.index = extract.line_numbers[: len(head)]
            head.index.name = "line"
    return Preview(
        system,
        dataset,
        config.connector,
        extract.fingerprint,
        head,
        bad_rows,
        masked,
        not isinstance(extract, FrameExtract),
    )


def _head(extract: Extract, rows: int) -> pd.DataFrame:
    if isinstance(extract, FrameExtract):
        return extract.frame.head(rows)
    from dqaudit.connectors.sql_database import preview_rows

    return preview_rows(extract, rows)
