"""The derivation kinds of the audit rule families, as one registry the engine reads.

Each kind names its inputs (other datasets), its options dataclass and a GX-free pandas
function ``build(frame, inputs, options, context) -> DataFrame`` returning the columns it
adds (same index as ``frame``). An options class says which columns it reads through
``required()`` (``""`` is the checked dataset, other keys are input names) and may check
itself in ``validate(where)``. The engine (``dqaudit.engine.derivation``) parses the
suite's declaration, loads the inputs, checks the columns and calls ``build``; no logic
of a kind lives there.

A kind may also declare its SQL form, ``sql(source, inputs, options, engine) -> [labelled
column expressions]``: SQLAlchemy expressions over ``source`` (the dataset's SELECT as a
subquery) and ``inputs`` (each input's SELECT as a subquery, in the same database) that
compute the same columns as ``build``, for the rule engine name ``engine``. The engine
compiles them with literal values inline, so a SQL form binds only its own constants
(``'Y'``, ``'N'``), never a value from the data or the suite. A dataset
validated in its database (pushdown) can then be derived there, with no row leaving it
(``dqaudit.engine.derivation_sql``). ``reference_exists`` has one (an EXISTS subquery on
PostgreSQL, an IN subquery on SQLite and MariaDB); the others are pandas only until their logic is ported, and the
catalogue's ``engines`` for each kind say the same (a test holds the two together).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from dqaudit.expectations.rules import dna_coverage, integrity, locations, policeuk, wanted_missing
from dqaudit.timezones import DEFAULT_TIMEZONE


@dataclass(frozen=True)
class Context:
    """What a kind may need besides its frames: the dataset's timezone, and the suite
    file's folder (relative file names in options are read from there)."""

    timezone: str = DEFAULT_TIMEZONE
    base_dir: Path | None = None


Build = Callable[[pd.DataFrame, dict[str, pd.DataFrame], Any, Context], pd.DataFrame]
# (source subquery, input name -> subquery, options, rule engine name) -> labelled columns
SqlBuild = Callable[[Any, dict[str, Any], Any, str], list[Any]]


@dataclass(frozen=True)
class Kind:
    inputs: tuple[str, ...]
    options: type
    build: Build
    sql: SqlBuild | None = None  # the SQL form, where the kind has one


def _reference_exists(
    frame: pd.DataFrame, inputs: dict[str, pd.DataFrame], options: Any, _context: Context
) -> pd.DataFrame:
    return integrity.reference_exists(frame, inputs["reference"], options)


def _reference_exists_sql(
    source: Any, inputs: dict[str, Any], options: Any, engine: str
) -> list[Any]:
    return [integrity.reference_result_sql(source, inputs["reference"], options, engine)]


KINDS: dict[str, Kind] = {
    "reference_exists": Kind(
        ("reference",), integrity.ReferenceOptions, _reference_exists, _reference_exists_sql
    ),
    "crime_id_continuity": Kind(
        ("previous",), policeuk.ContinuityOptions, policeuk.derive_continuity
    ),
    "pnc_after_closure": Kind(
        ("cases",), wanted_missing.AfterClosureOptions, wanted_missing.derive_after_closure
    ),
    "missing_person_circulation": Kind(
        ("reports",), wanted_missing.CirculationOptions, wanted_missing.derive_circulation
    ),
    "unconfirmed_locations": Kind(
        ("directory", "stations"), locations.LocationOptions, locations.derive_unconfirmed
    ),
    "dna_coverage": Kind(
        ("convictions", "samples"), dna_coverage.DnaOptions, dna_coverage.derive_dna_coverage
    ),
}
