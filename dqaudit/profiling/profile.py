"""``extract profile``: what each column of an extract holds, in bounded memory.

The extract is read through its connector, as an audit reads it, and profiled in chunks
of ``CHUNK_ROWS`` rows: a pushdown database table is streamed from the server chunk by
chunk; a file is read whole by its connector (as an audit reads it) and walked in
chunks. What the profile keeps per column is bounded whatever the extract's size:

- counts: rows, blanks (nulls), the value lengths;
- distinct values and their counts, up to ``MAX_DISTINCT`` (beyond, "more than");
- shapes (``A9 9AA``), up to ``MAX_SHAPES``, the rest counted as other;
- how many values read as numbers and as datetimes (the engine's own text grammar,
  ``expectations.text_values``), with their least and greatest, and a uniform sample of
  ``SAMPLE_SIZE`` of them (drawn with a fixed seed, so a draft is reproducible) from
  which a draft takes its quartiles;
- how many values are valid identifiers of each kind (``identifiers``);
- whether the column's values are all distinct (a key candidate), from 64-bit hashes of
  the values, held only for columns that can still be keys and never more than
  ``MAX_KEY_HASHES`` in all (160 MB); beyond that, "not determined".

Values of the dataset's ``sensitive`` columns are profiled but never shown: the profile's
text and JSON give their counts and shapes only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dqaudit.connectors.base import DatabaseExtract, Extract, FrameExtract
from dqaudit.connectors.registry import get_connector
from dqaudit.expectations.text_values import read_datetimes, read_numbers
from dqaudit.profiling import identifiers, shapes

if TYPE_CHECKING:
    from dqaudit.workspace.config import Workspace

CHUNK_ROWS = 50_000
MAX_DISTINCT = 1_000
MAX_SHAPES = 200
MAX_KEY_HASHES = 20_000_000
SAMPLE_SIZE = 10_000  # values kept per numeric or datetime column, for its quartiles
TOP = 10
DEFAULT_MIN_SHARE = 0.95
Progress = Callable[[int, int], None]  # (rows done, rows in all)


@dataclass
class ColumnProfile:
    """One column, summarised; shares are of its present (non-blank) values."""

    name: str
    rows: int = 0
    nulls: int = 0
    values: dict[str, int] | None = field(default_factory=dict)  # None: > MAX_DISTINCT
    shapes: Counter[str] = field(default_factory=Counter)
    other_shapes: int = 0
    min_length: int | None = None
    max_length: int | None = None
    numbers: int = 0
    number_min: float | None = None
    number_max: float | None = None
    integers: bool = True
    datetimes: int = 0
    datetime_min: pd.Timestamp | None = None
    datetime_max: pd.Timestamp | None = None
    date_only: bool = True
    identifiers: Counter[str] = field(default_factory=Counter)
    distinct_all: int | None = None  # exact number of distinct values, when determined
    sensitive: bool = False
    number_sample: np.ndarray | None = field(default=None, repr=False)
    datetime_sample: np.ndarray | None = field(default=None, repr=False)  # int64 ns

    @property
    def present(self) -> int:
        return self.rows - self.nulls

    @property
    def distinct(self) -> int | None:
        """Distinct values: exact up to MAX_DISTINCT, or from the key hashes; else None."""
        return len(self.values) if self.values is not None else self.distinct_all

    def share(self, count: int) -> float:
        return count / self.present if self.present else 0.0

    @property
    def unique(self) -> bool | None:
        """Whether every present value is distinct (None: not determined)."""
        distinct = self.distinct
        return None if distinct is None else distinct == self.present

    def top_shapes(self, n: int = 3) -> list[tuple[str, int]]:
        return self.shapes.most_common(n)

    def identifier_shares(self, floor: float = 0.5) -> dict[str, float]:
        """Each identifier kind matching at least ``floor`` of the present values."""
        return {
            kind: round(self.share(count), 4)
            for kind, count in self.identifiers.most_common()
            if self.share(count) >= floor
        }

    def to_dict(self) -> dict[str, Any]:
        shown = not self.sensitive
        values = self.values if shown and self.values is not None else None
        top = sorted(values.items(), key=lambda item: -item[1])[:TOP] if values else None
        return {
            "name": self.name,
            "rows": self.rows,
            "nulls": self.nulls,
            "distinct": self.distinct,
            "distinct_bounded_at": MAX_DISTINCT,
            "unique": self.unique,
            "sensitive": self.sensitive,
            "top_values": [{"value": v, "count": c} for v, c in top] if top else None,
            "shapes": [{"shape": s, "count": c} for s, c in self.shapes.most_common(TOP)],
            "other_shapes": self.other_shapes + sum(c for _s, c in self.shapes.most_common()[TOP:]),
            "length": {"min": self.min_length, "max": self.max_length},
            "numbers": {
                "count": self.numbers,
                "min": self.number_min if shown else None,
                "max": self.number_max if shown else None,
                "integers": self.integers if self.numbers else None,
            },
            "datetimes": {
                "count": self.datetimes,
                "min": _iso(self.datetime_min) if shown else None,
                "max": _iso(self.datetime_max) if shown else None,
                "date_only": self.date_only if self.datetimes else None,
            },
            "identifiers": self.identifier_shares(),
        }


@dataclass
class DatasetProfile:
    source: str
    sha256: str
    rows: int
    columns: list[ColumnProfile]
    key: list[str] = field(default_factory=list)
    system: str | None = None
    dataset: str | None = None
    bad_rows: int = 0
    profiled_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def column(self, name: str) -> ColumnProfile:
        return next(c for c in self.columns if c.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "system": self.system,
            "dataset": self.dataset,
            "source": self.source,
            "sha256": self.sha256,
            "rows": self.rows,
            "bad_rows": self.bad_rows,
            "key": self.key,
            "profiled_at": self.profiled_at,
            "columns": [c.to_dict() for c in self.columns],
        }

    def describe(self) -> str:
        """For people: one block per column."""
        where = f"{self.system}/{self.dataset} " if self.system else ""
        lines = [f"{where}{self.source}: {self.rows:,} rows, {len(self.columns)} columns"]
        if self.bad_rows:
            lines.append(f"  {self.bad_rows:,} bad row(s) left out by the connector")
        for column in self.columns:
            lines.extend(_describe_column(column))
        return "\n".join(lines)


def profile_dataset(
    workspace: Workspace,
    system: str,
    dataset: str,
    *,
    min_share: float = DEFAULT_MIN_SHARE,
    progress: Progress | None = None,
) -> DatasetProfile:
    """Profile a workspace dataset's extract, read through its connector."""
    config = workspace.dataset(system, dataset, f"extract profile {system} {dataset}")
    options = config.resolved_options(workspace.config_path, system, dataset)
    extract = get_connector(config.connector).extract(options, base_dir=workspace.root)
    profile = profile_extract(
        extract,
        sensitive=config.sensitive,
        key=config.key,
        min_share=min_share,
        progress=progress,
    )
    profile.system, profile.dataset = system, dataset
    return profile


def profile_extract(
    extract: Extract,
    *,
    sensitive: Sequence[str] = (),
    key: Sequence[str] = (),
    min_share: float = DEFAULT_MIN_SHARE,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> DatasetProfile:
    """Profile an extract chunk by chunk; ``progress`` hears (rows done, rows in all)."""
    fingerprint = extract.fingerprint
    total = fingerprint.rows
    states = {
        name: _ColumnState(name, name in sensitive, name in key) for name in fingerprint.columns
    }
    done = 0
    for chunk in _chunks(extract, chunk_rows):
        for name, state in states.items():
            state.add(chunk[name])
        done += len(chunk)
        _limit_key_hashes(states.values(), total, min_share)
        if progress is not None:
            progress(done, total)
    columns = [state.finish() for state in states.values()]
    bad = len(extract.bad_rows) if isinstance(extract, FrameExtract) else 0
    return DatasetProfile(
        fingerprint.source, fingerprint.sha256, done, columns, list(key), bad_rows=bad
    )


def _chunks(extract: Extract, chunk_rows: int) -> Iterator[pd.DataFrame]:
    if isinstance(extract, DatabaseExtract):
        from dqaudit.connectors.sql_database import stream_frames

        yield from stream_frames(extract, chunk_rows)
        return
    frame = extract.frame
    for start in range(0, len(frame), chunk_rows):
        yield frame.iloc[start : start + chunk_rows]


class _ColumnState:
    """The running summary of one column."""

    def __init__(self, name: str, sensitive: bool, is_key: bool) -> None:
        self.profile = ColumnProfile(name, sensitive=sensitive)
        self.is_key = is_key
        self.kinds = identifiers.KINDS  # still possible identifier kinds
        self.hashes: np.ndarray | None = np.empty(0, dtype=np.uint64)  # None: given up
        self.pending: list[np.ndarray] = []
        self.duplicates = 0
        self.number_sample = _Sample()
        self.datetime_sample = _Sample()

    def add(self, values: pd.Series) -> None:
        profile = self.profile
        profile.rows += len(values)
        present = values.dropna()
        profile.nulls += len(values) - len(present)
        if present.empty:
            return
        counts = present.value_counts(sort=False)
        distinct = pd.Series(counts.index, dtype=counts.index.dtype)
        weights = counts.to_numpy(dtype=np.int64)
        text = distinct.astype("string")
        self._values(text, weights)
        self._shapes(text, weights)
        lengths = text.str.len().to_numpy(dtype=np.int64)
        profile.min_length = _lesser(profile.min_length, int(lengths.min()))
        profile.max_length = _greater(profile.max_length, int(lengths.max()))
        self._numbers(distinct, weights)
        self._datetimes(distinct, weights)
        self._identifiers(text, weights)
        self._hashes(text, weights)

    def _values(self, text: pd.Series, weights: np.ndarray) -> None:
        values = self.profile.values
        if values is None:
            return
        for value, count in zip(text.tolist(), weights.tolist(), strict=True):
            values[value] = values.get(value, 0) + count
        if len(values) > MAX_DISTINCT:
            self.profile.values = None

    def _shapes(self, text: pd.Series, weights: np.ndarray) -> None:
        profile = self.profile
        by_shape = pd.Series(weights, index=shapes.shapes(text).to_numpy()).groupby(level=0).sum()
        for shape, count in by_shape.items():
            if shape in profile.shapes or len(profile.shapes) < MAX_SHAPES:
                profile.shapes[str(shape)] += int(count)
            else:
                profile.other_shapes += int(count)

    def _numbers(self, distinct: pd.Series, weights: np.ndarray) -> None:
        profile = self.profile
        numbers, unreadable = read_numbers(distinct)
        readable = ~unreadable & numbers.notna().to_numpy()
        if not readable.any():
            return
        chosen = numbers.to_numpy()[readable]
        profile.numbers += int(weights[readable].sum())
        self.number_sample.add(np.repeat(chosen, weights[readable]))
        profile.number_min = _lesser(profile.number_min, float(chosen.min()))
        profile.number_max = _greater(profile.number_max, float(chosen.max()))
        profile.integers = profile.integers and bool(np.all(np.mod(chosen, 1) == 0))

    def _datetimes(self, distinct: pd.Series, weights: np.ndarray) -> None:
        profile = self.profile
        stamps, unreadable = read_datetimes(distinct)
        readable = ~unreadable & stamps.notna().to_numpy()
        if not readable.any():
            return
        chosen = stamps[readable]
        profile.datetimes += int(weights[readable].sum())
        nanoseconds = chosen.to_numpy(dtype="datetime64[ns]").astype(np.int64)
        self.datetime_sample.add(np.repeat(nanoseconds, weights[readable]))
        profile.datetime_min = _lesser(profile.datetime_min, chosen.min())
        profile.datetime_max = _greater(profile.datetime_max, chosen.max())
        profile.date_only = profile.date_only and bool((chosen == chosen.dt.normalize()).all())

    def _identifiers(self, text: pd.Series, weights: np.ndarray) -> None:
        if not self.kinds:
            return
        found = identifiers.count_valid(text, weights, self.kinds)
        self.profile.identifiers.update(found)
        if self.profile.present >= 1_000:  # enough seen: stop testing kinds that never fit
            floor = 0.1 * self.profile.present
            self.kinds = tuple(
                k for k in self.kinds if self.profile.identifiers.get(k.name, 0) >= floor
            )

    def _hashes(self, text: pd.Series, weights: np.ndarray) -> None:
        if self.hashes is None:
            return
        self.duplicates += int((weights - 1).sum())
        self.pending.append(pd.util.hash_pandas_object(text, index=False).to_numpy())
        if sum(len(p) for p in self.pending) >= len(self.hashes):
            self._merge()

    def _merge(self) -> None:
        """Fold the pending hashes into the sorted distinct ones, counting repeats."""
        if self.hashes is None or not self.pending:
            return
        combined = np.concatenate([self.hashes, *self.pending])
        self.hashes = np.unique(combined)
        self.duplicates += len(combined) - len(self.hashes)
        self.pending = []

    @property
    def held(self) -> int:
        if self.hashes is None:
            return 0
        return len(self.hashes) + sum(len(p) for p in self.pending)

    def give_up_hashes(self) -> None:
        self.hashes, self.pending = None, []

    def finish(self) -> ColumnProfile:
        self._merge()
        self.profile.number_sample = self.number_sample.values
        self.profile.datetime_sample = self.datetime_sample.values
        if self.hashes is not None and self.profile.values is None:
            self.profile.distinct_all = self.profile.present - self.duplicates
        return self.profile


class _Sample:
    """A uniform sample of at most SAMPLE_SIZE values (bottom-k of random keys)."""

    def __init__(self) -> None:
        self.rng = np.random.default_rng(0)
        self.values: np.ndarray = np.empty(0)
        self.keys: np.ndarray = np.empty(0)

    def add(self, values: np.ndarray) -> None:
        values = np.concatenate([self.values, values])
        keys = np.concatenate([self.keys, self.rng.random(len(values) - len(self.values))])
        if len(values) > SAMPLE_SIZE:
            keep = np.argpartition(keys, SAMPLE_SIZE)[:SAMPLE_SIZE]
            values, keys = values[keep], keys[keep]
        self.values, self.keys = values, keys


def _limit_key_hashes(states: Any, total_rows: int, min_share: float) -> None:
    """Stop hashing columns that can no longer be keys, then keep the total held within
    MAX_KEY_HASHES (the dataset's own key columns are given up last)."""
    allowed = (1 - min_share) * max(total_rows, 1)
    tracked = []
    for state in states:
        profile = state.profile
        if state.hashes is None:
            continue
        if profile.values is not None:
            continue  # few distinct values: the exact counts say it all
        mostly_datetimes = profile.present and profile.datetimes >= 0.5 * profile.present
        if not state.is_key and (state.duplicates > allowed or mostly_datetimes):
            state.give_up_hashes()
            continue
        tracked.append(state)
    tracked.sort(key=lambda s: s.is_key)
    while tracked and sum(s.held for s in tracked) > MAX_KEY_HASHES:
        tracked.pop(0).give_up_hashes()


def _lesser(current: Any, value: Any) -> Any:
    return value if current is None or value < current else current


def _greater(current: Any, value: Any) -> Any:
    return value if current is None or value > current else current


def _iso(stamp: pd.Timestamp | None) -> str | None:
    if stamp is None:
        return None
    if stamp == stamp.normalize():
        return stamp.strftime("%Y-%m-%d")
    return stamp.isoformat(sep=" ")


def _describe_column(column: ColumnProfile) -> list[str]:
    present = column.present
    distinct = column.distinct
    distinct_text = f"{distinct:,}" if distinct is not None else f"more than {MAX_DISTINCT:,}"
    unique = " (all distinct)" if column.unique and present > 1 else ""
    lines = [
        f"  {column.name}{' (sensitive: values masked)' if column.sensitive else ''}",
        f"    present {present:,} of {column.rows:,}, blank {column.nulls:,}; "
        f"distinct {distinct_text}{unique}; length {column.min_length}-{column.max_length}",
    ]
    shapes_text = ", ".join(f"{s} ({column.share(c):.1%})" for s, c in column.top_shapes())
    if shapes_text:
        lines.append(f"    shapes   {shapes_text}")
    if column.values and not column.sensitive and len(column.values) <= TOP:
        shown = sorted(column.values.items(), key=lambda item: -item[1])
        lines.append("    values   " + ", ".join(f"{_short(v)} ({c:,})" for v, c in shown))
    if column.numbers and column.share(column.numbers) >= 0.5 and not column.sensitive:
        lines.append(
            f"    numbers  {column.share(column.numbers):.1%}, "
            f"{_number(column.number_min)} to {_number(column.number_max)}"
        )
    if column.datetimes and column.share(column.datetimes) >= 0.5 and not column.sensitive:
        lines.append(
            f"    dates    {column.share(column.datetimes):.1%}, "
            f"{_iso(column.datetime_min)} to {_iso(column.datetime_max)}"
        )
    for kind, share in column.identifier_shares().items():
        lines.append(f"    looks like {identifiers.BY_NAME[kind].label}: {share:.1%} valid")
    return lines


def _short(value: str, width: int = 30) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.6g}"
