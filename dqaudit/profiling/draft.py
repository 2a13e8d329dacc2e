"""``suite draft``: a suite proposed from what an extract holds, for the board to review.

From a dataset's profile, each column gets the rules its data supports, in this order:

- **completeness**: not null, where at least ``min_share`` of the rows have a value;
- **uniqueness**: unique, for the dataset's key (from ``dqaudit.yml``) and for other key
  candidates (at least ``min_share`` of the values distinct, not dates or decimals); a
  composite key gets one compound-uniqueness rule;
- **validity**: the police identifier rule where at least ``min_share`` of the values
  are valid PNC IDs, CRO numbers, ASNs, postcodes, NI numbers, VRMs, UPRNs or CJS offence
  codes (checked by the rule library's own functions, check letters included); else a
  built-in code list the values fit (``min_share`` of them are its codes); else, for a
  column of at most ``MAX_SET`` distinct values, the set seen (values met only once in
  a large column are left out as likely errors, and named); else a range for numbers or
  datetimes (as the engine reads text), from the least to the greatest value seen; else
  the column's one dominant shape (``A9999999``) as a regular expression.

Sensitive columns get no rule that quotes their values (no set, no range). Every rule
carries ``meta.dqaudit`` with a dimension, a rationale naming the evidence ("98.7% of
2,500 values are valid PNC IDs"), and a ``null`` likelihood and impact: the board sets
them (``null`` means "to be set": ``suite lint`` lists it and approval refuses it). The
suite is marked ``draft: true`` and is never approved by this command.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dqaudit.errors import InputError
from dqaudit.expectations.rules import codelists
from dqaudit.profiling import identifiers
from dqaudit.profiling.profile import (
    DEFAULT_MIN_SHARE,
    ColumnProfile,
    DatasetProfile,
    Progress,
    profile_dataset,
)
from dqaudit.profiling.shapes import shape_regex
from dqaudit.version import __version__

if TYPE_CHECKING:
    from dqaudit.workspace.config import Workspace

MAX_SET = 20
MIN_KEY_ROWS = 50  # fewer values than this prove nothing about a key
RARE_FROM = 1_000  # in a column of this many values, a value seen once is left out of a set


@dataclass(frozen=True)
class Draft:
    path: Path
    document: dict[str, Any]
    profile: DatasetProfile

    @property
    def name(self) -> str:
        return str(self.document["name"])

    @property
    def rules(self) -> int:
        return len(self.document["expectations"])


def draft_dataset(
    workspace: Workspace,
    system: str,
    dataset: str,
    out: Path | None = None,
    *,
    min_share: float = DEFAULT_MIN_SHARE,
    progress: Progress | None = None,
) -> Draft:
    """Profile a workspace dataset and write a draft suite (default: the suites folder,
    ``SYSTEM_DATASET_draft.json``); the suite is named after its file."""
    check_share(min_share)
    path = out if out is not None else workspace.suites_dir / f"{system}_{dataset}_draft.json"
    if path.suffix != ".json":
        raise InputError(f"{path}: a suite file's name ends in .json")
    if path.exists():
        raise InputError(f"{path} already exists; choose another file for the draft suite")
    _refuse_taken_name(workspace, path.stem)
    profile = profile_dataset(workspace, system, dataset, min_share=min_share, progress=progress)
    document = draft_suite(profile, path.stem, min_share=min_share)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        partial.replace(path)
    except OSError as exc:
        raise InputError(f"cannot write the draft suite {path}: {exc.strerror or exc}") from None
    return Draft(path, document, profile)


def check_share(min_share: float) -> None:
    if not 0.5 <= min_share <= 1:
        raise InputError(f"min_share {min_share} must be between 0.5 and 1 (e.g. 0.95)")


def _refuse_taken_name(workspace: Workspace, name: str) -> None:
    for path in workspace.suite_files() if workspace.suites_dir.is_dir() else []:
        try:
            taken = json.loads(path.read_text(encoding="utf-8")).get("name")
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
            continue
        if taken == name:
            raise InputError(
                f"suite '{name}' already exists ({path}); choose another file name for the draft"
            )


def draft_suite(
    profile: DatasetProfile, name: str, *, min_share: float = DEFAULT_MIN_SHARE
) -> dict[str, Any]:
    """The draft suite document (GX 1.x JSON with ``meta.dqaudit``) for a profile."""
    rules = _Rules(profile, min_share)
    rules.table()
    for column in profile.columns:
        rules.column(column)
    where = f"{profile.system}/{profile.dataset}" if profile.system else profile.source
    governance = {
        "system": profile.system,
        "dataset": profile.dataset,
        "purpose": (
            f"Drafted by dqaudit from the data of {where}: review every rule, set the "
            "likelihood and impact, then remove 'draft'."
        ),
        "likelihood": None,
        "impact": None,
        "draft": True,
        "drafted": {
            "source": profile.source,
            "sha256": profile.sha256,
            "rows": profile.rows,
            "profiled_at": profile.profiled_at,
            "min_share": min_share,
            "by": f"dqaudit {__version__} suite draft",
        },
    }
    return {"name": name, "expectations": rules.expectations, "meta": {"dqaudit": governance}}


class _Rules:
    """The expectations of a draft, numbered as they are added."""

    def __init__(self, profile: DatasetProfile, min_share: float) -> None:
        self.profile = profile
        self.min_share = min_share
        self.expectations: list[dict[str, Any]] = []
        base = f"{profile.system or ''}-{profile.dataset or 'draft'}".upper()
        self.prefix = re.sub(r"[^A-Z0-9]+", "-", base).strip("-") or "DRAFT"

    def add(self, kind: str, kwargs: dict[str, Any], dimension: str, rationale: str) -> None:
        governance = {
            "rule_id": f"{self.prefix}-{len(self.expectations) + 1:03d}",
            "dimension": dimension,
            "likelihood": None,
            "impact": None,
            "rationale": rationale,
        }
        self.expectations.append({"type": kind, "kwargs": kwargs, "meta": {"dqaudit": governance}})

    def table(self) -> None:
        profile = self.profile
        names = [c.name for c in profile.columns]
        self.add(
            "expect_table_columns_to_match_set",
            {"column_set": names, "exact_match": True},
            "validity",
            f"the extract has these {len(names)} columns; a changed layout is caught first",
        )
        if len(profile.key) > 1:
            self.add(
                "expect_compound_columns_to_be_unique",
                {"column_list": list(profile.key)},
                "uniqueness",
                f"the dataset's key in dqaudit.yml ({', '.join(profile.key)}) names one record",
            )

    def column(self, column: ColumnProfile) -> None:
        if not column.rows:
            return
        share = self.min_share
        if column.present / column.rows >= share:
            self.add(
                "expect_column_values_to_not_be_null",
                {"column": column.name},
                "completeness",
                _presence(column),
            )
        if column.present == 0:
            return
        self._unique(column)
        for propose in (self._identifier, self._code_list, self._set, self._range, self._shape):
            if propose(column):
                return

    def _unique(self, column: ColumnProfile) -> None:
        distinct = column.distinct
        if distinct is None:
            return
        evidence = f"{distinct:,} of {column.present:,} values distinct"
        if self.profile.key == [column.name]:
            self.add(
                "expect_column_values_to_be_unique",
                {"column": column.name},
                "uniqueness",
                f"the dataset's key in dqaudit.yml; {evidence}",
            )
            return
        keyish = (
            column.present >= MIN_KEY_ROWS
            and distinct / column.present >= self.min_share
            and column.share(column.datetimes) < 0.5
            and not (column.share(column.numbers) >= 0.5 and not column.integers)
        )
        if keyish:
            self.add(
                "expect_column_values_to_be_unique",
                {"column": column.name},
                "uniqueness",
                f"a key candidate: {evidence}",
            )

    def _identifier(self, column: ColumnProfile) -> bool:
        fits = [
            (column.share(count), kind)
            for kind, count in column.identifiers.items()
            if column.share(count) >= self.min_share
        ]
        if not fits:
            return False
        order = [k.name for k in identifiers.KINDS]
        fit, name = max(fits, key=lambda item: (item[0], -order.index(item[1])))
        kind = identifiers.BY_NAME[name]
        note = f" (counted where {kind.plausible_note})" if kind.plausible_note else ""
        self.add(
            kind.expectation_type,
            {"column": column.name},
            "validity",
            f"{_percent(fit)} of {column.present:,} values are valid {kind.label}{note}; "
            f"proposed above the {_percent(self.min_share)} share",
        )
        return True

    def _code_list(self, column: ColumnProfile) -> bool:
        """The built-in code list the values fit best. Lists of numeric codes overlap (1
        to 9 is a BLPU state, an RPC and a crime outcome), so a column of digits takes a
        list only when its name names the list too (``rpc``, ``logical_status``)."""
        values = column.values
        if not values or len(values) > 100:
            return False
        digits = column.share(column.numbers) >= 0.5
        best: tuple[bool, float, int, str] | None = None
        for name in codelists.builtin_names():
            codes = set(codelists.load(name).codes)
            inside = {v: c for v, c in values.items() if v in codes}
            fit = sum(inside.values()) / column.present
            named = names_list(column.name, name)
            if fit < self.min_share or not (named or (not digits and len(inside) >= 3)):
                continue
            candidate = (named, fit, -len(codes), name)
            best = candidate if best is None or candidate > best else best
        if best is None:
            return False
        _named, fit, _size, name = best
        listing = codelists.load(name)
        outside = len([v for v in values if v not in set(listing.codes)])
        self.add(
            "expect_column_values_to_be_in_code_list",
            {"column": column.name, "code_list": name},
            "validity",
            f"{_percent(fit)} of {column.present:,} values are codes of the built-in list "
            f"{name} ({_short(listing.source, 90)}); {outside} distinct value(s) are not",
        )
        return True

    def _set(self, column: ColumnProfile) -> bool:
        values = column.values
        if column.sensitive or not values or len(values) > MAX_SET:
            return False
        if column.present < 3 * len(values):
            return False
        rare = {v for v, c in values.items() if c == 1} if column.present >= RARE_FROM else set()
        kept = sorted((v for v in values if v not in rare), key=lambda v: -values[v])
        seen = ", ".join(f"{_quoted(v)} ({values[v]:,})" for v in kept)
        left = f"; left out as likely errors (seen once): {', '.join(map(_quoted, sorted(rare)))}"
        self.add(
            "expect_column_values_to_be_in_set",
            {"column": column.name, "value_set": kept},
            "validity",
            f"{len(values)} distinct values in {column.present:,}: {seen}" + (left if rare else ""),
        )
        return True

    def _range(self, column: ColumnProfile) -> bool:
        """Numbers or datetimes: the range where nearly all values lie (Tukey's far-out
        fences, three interquartile ranges beyond the middle half, within the range seen),
        so a planted 1900 date or a zero easting is not taken for a limit."""
        if column.sensitive:
            return False
        share = self.min_share
        shown: tuple[Any, Any]
        if column.share(column.numbers) >= share and column.number_sample is not None:
            low, high, outside = _fences(
                column.number_sample, column.number_min, column.number_max, column.integers
            )
            what = f"{_percent(column.share(column.numbers))} of {column.present:,} values read as numbers"
            seen = f"{_plain(column.number_min)} to {_plain(column.number_max)}"
            shown = (_plain(low), _plain(high))
        elif column.share(column.datetimes) >= share and column.datetime_sample is not None:
            assert column.datetime_min is not None and column.datetime_max is not None
            low, high, outside = _fences(
                column.datetime_sample, column.datetime_min.value, column.datetime_max.value
            )
            day_low = pd.Timestamp(int(low)).normalize()
            day_high = pd.Timestamp(int(high)).normalize()
            what = f"{_percent(column.share(column.datetimes))} of {column.present:,} values read as dates"
            seen = f"{_day(column.datetime_min)} to {_day(column.datetime_max)}"
            shown = (day_low.strftime("%Y-%m-%d 00:00:00"), day_high.strftime("%Y-%m-%d 23:59:59"))
        else:
            return False
        self.add(
            "expect_column_values_to_be_between",
            {"column": column.name, "min_value": shown[0], "max_value": shown[1]},
            "validity",
            f"{what}, seen from {seen}; {_percent(1 - outside)} of a sample lie from "
            f"{_day(shown[0])} to {_day(shown[1])} (three interquartile ranges beyond the "
            "middle half): the board sets the real limits",
        )
        return True

    def _shape(self, column: ColumnProfile) -> bool:
        if not column.shapes:
            return False
        shape, count = column.shapes.most_common(1)[0]
        regex = shape_regex(shape)
        if regex is None or column.share(count) < self.min_share:
            return False
        self.add(
            "expect_column_values_to_match_regex",
            {"column": column.name, "regex": regex},
            "validity",
            f"{_percent(column.share(count))} of {column.present:,} values have the shape "
            f"{shape} (A a letter, 9 a digit)",
        )
        return True


GENERIC_WORDS = frozenset({"code", "codes", "type", "status", "id", "ref", "value"})


def names_list(column: str, code_list: str) -> bool:
    """Whether a column's name names a code list: a shared word that says something
    (``logical_status`` and ``blpu_logical_status``), the list's initials (``rpc``), or a
    close spelling."""
    words = set(re.split(r"[^a-z0-9]+", column.lower())) - {""}
    list_words = code_list.lower().split("_")
    if (words & set(list_words)) - GENERIC_WORDS:
        return True
    if column.lower() == "".join(word[0] for word in list_words if word):
        return True
    return difflib.SequenceMatcher(None, column.lower(), code_list.lower()).ratio() >= 0.8


def _fences(
    sample: np.ndarray, least: Any, greatest: Any, integers: bool = False
) -> tuple[float, float, float]:
    """(low, high, share of the sample outside): Tukey's far-out fences, within the range
    seen (whole numbers rounded outwards); the whole range seen when the IQR is 0."""
    low, high = float(least), float(greatest)
    first, third = np.percentile(sample, [25, 75])
    spread = third - first
    if spread > 0:
        low, high = max(low, first - 3 * spread), min(high, third + 3 * spread)
    if integers:
        low, high = float(np.floor(low)), float(np.ceil(high))
    outside = float(np.mean((sample < low) | (sample > high)))
    return low, high, outside


def _day(value: Any) -> str:
    """A bound or stamp as people read it: the date of a datetime, a number as is."""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, str):
        return value[:10]
    return str(value)


def _presence(column: ColumnProfile) -> str:
    if column.nulls == 0:
        return f"complete in the extract: all {column.rows:,} rows have a value"
    return (
        f"{_percent(column.present / column.rows)} of {column.rows:,} rows have a value "
        f"({column.nulls:,} blank)"
    )


def _percent(share: float) -> str:
    if share >= 1:
        return "100%"
    return f"{min(share * 100, 99.9):.1f}%"


def _plain(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _short(text: str, width: int = 30) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _quoted(value: str) -> str:
    return repr(_short(value))
