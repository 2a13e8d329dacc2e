"""police.uk monthly upload: Crime IDs that stay put from one month's extract to the next.

Source: data.police.uk, "About" (https://data.police.uk/about/, CSV columns: Crime ID,
Month, Reported by, Falls within, Longitude, Latitude, Location, LSOA code, LSOA name,
Crime type, Last outcome category, Context) and the API's "Outcomes for a specific crime"
(https://data.police.uk/docs/method/outcomes-for-crime/): a crime's ID is its 64-character
``persistent_id``, and outcomes published in later months are linked to the crime by it.
Anti-social behaviour incidents are not crimes and carry no Crime ID.

So a Crime ID must be stable: the crime the force sent last month keeps its ID when it is
sent again (a re-extracted month, or the rolling window of recent months whose outcomes
change), and an ID never moves to another crime. The other columns of the upload are
checked by plain rules (code lists, boundaries, LSOA layer); this module compares two
extracts, the current one and the previous (derivation kind ``crime_id_continuity``,
input ``previous``), and adds one column, ``crime_id_continuity``, per current row:

- ``same``: the ID was in the previous extract, for the same month and crime type;
- ``new``: the ID was not in the previous extract, and no crime of the previous extract
  that has vanished from this one looks like it (a newly recorded crime);
- ``rekeyed``: the ID was not in the previous extract, but a crime of the previous
  extract with the same month, crime type, location and LSOA is there no longer: the
  same crime under a new ID, which breaks the link to its published outcomes;
- ``reused``: the ID was in the previous extract for another month or crime type;
- blank: the row has no Crime ID (anti-social behaviour), so there is nothing to compare.

Values are compared exactly, as text (a blank cell is empty text).

A suite bounds it with ``expect_column_values_to_be_in_set`` ``["same", "new"]``.
Consecutive published monthly files do not overlap (each holds the crimes of its month),
so on them only ``reused`` can fire; a re-extracted month can show every status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

SAME, NEW, REKEYED, REUSED = "same", "new", "rekeyed", "reused"
RESULT_COLUMN = "crime_id_continuity"


@dataclass(frozen=True)
class ContinuityOptions:
    """Column names (police.uk's by default) and what identifies a crime besides its ID."""

    crime_id: str = "Crime ID"
    month: str = "Month"
    crime_type: str = "Crime type"
    match_columns: tuple[str, ...] = (
        "Month",
        "Crime type",
        "Location",
        "LSOA code",
        "Longitude",
        "Latitude",
    )

    def identity(self) -> tuple[str, ...]:
        return (self.crime_id, self.month, self.crime_type)

    def required(self) -> dict[str, tuple[str, ...]]:
        columns = tuple(dict.fromkeys((*self.identity(), *self.match_columns)))
        return {"": columns, "previous": columns}


def _keys(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.MultiIndex:
    """The columns as text tuples (a blank is ""), hashed in C for exact lookups."""
    parts = {c: frame[c].astype(object).where(frame[c].notna(), "").astype(str) for c in columns}
    return pd.MultiIndex.from_frame(pd.DataFrame(parts, index=frame.index))


def crime_id_continuity(
    current: pd.DataFrame, previous: pd.DataFrame, options: ContinuityOptions
) -> pd.DataFrame:
    """The ``crime_id_continuity`` status of each current row (see the module docstring)."""
    o = options
    ids = current[o.crime_id].astype(object).where(current[o.crime_id].notna(), "").astype(str)
    old_ids = previous[o.crime_id].astype(object).where(previous[o.crime_id].notna(), "")
    old_ids = old_ids.astype(str)
    has_id = (ids != "").to_numpy(dtype=bool)
    known = old_ids[old_ids != ""]
    in_previous = ids.isin(known).to_numpy(dtype=bool)
    # an ID is the same crime when any previous row with it has this month and type
    identity = _keys(current, o.identity())
    same = identity.isin(_keys(previous, o.identity())[(old_ids != "").to_numpy(dtype=bool)])
    # a previous crime whose ID this extract no longer has, and that looks like this row
    vanished = ((old_ids != "") & ~old_ids.isin(ids[ids != ""])).to_numpy(dtype=bool)
    looks_vanished = _keys(current, o.match_columns).isin(
        _keys(previous, o.match_columns)[vanished]
    )
    status = np.select(  # type: ignore[type-var]  # None marks a row with no status
        [~has_id, in_previous & same, in_previous, looks_vanished],
        [None, SAME, REUSED, REKEYED],
        default=NEW,
    )
    result = pd.Series(status, index=current.index, dtype="string")
    return pd.DataFrame({RESULT_COLUMN: result}, index=current.index)


def derive_continuity(
    frame: pd.DataFrame, inputs: dict[str, pd.DataFrame], options: Any, _context: Any
) -> pd.DataFrame:
    return crime_id_continuity(frame, inputs["previous"], options)
