"""Every built-in derived dataset: the columns it adds, its source, the engines it runs on,
and an example.

A suite declares a derivation in ``meta.dqaudit.derivation``; like the rule catalogue
(``catalogue``), this is plain data so listing it is instant, and it is the one place that
says which engines a derivation kind runs on (the plan refuses any other engine before
anything runs). Like ``catalogue``, it describes the library rather than being its logic,
so the rule-library version leaves it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dqaudit.expectations.rules.catalogue import (
    PACE_DERIVED_COLUMNS,
    PANDAS,
    PANDAS_SPARK,
    SQL_ENGINES,
)


@dataclass(frozen=True)
class BuiltinDerivation:
    """A derived dataset a suite can declare in ``meta.dqaudit.derivation``."""

    kind: str
    engines: tuple[str, ...]
    summary: str
    example: dict[str, Any]
    columns: tuple[str, ...]
    source: str = ""


# --- the audit rule families of issue 12 (police.uk, boundaries, locations) ---------------
POLICEUK_SOURCE = (
    "Home Office police.uk data: data.police.uk 'About' (CSV columns) and API docs "
    "(crime-categories, outcomes-for-crime)"
)
AUDIT_DERIVATIONS: tuple[BuiltinDerivation, ...] = (
    BuiltinDerivation(
        "reference_exists",
        (PANDAS, *SQL_ENGINES),
        "the value (one or more columns) exists in another dataset's column(s); Y/N, blank "
        "when missing. In the database (pushdown) when the dataset and the reference are "
        "read with pushdown from the same database (an EXISTS or IN subquery)",
        {
            "kind": "reference_exists",
            "inputs": {"reference": "pnc/nominals"},
            "options": {"columns": ["pnc_id"], "result_column": "pnc_id_on_pnc"},
        },
        ("<options.result_column>",),
        source="referential integrity between records systems (no external standard)",
    ),
    BuiltinDerivation(
        "crime_id_continuity",
        (PANDAS,),
        "compares this police.uk extract with the previous one: same, new, rekeyed or "
        "reused Crime ID",
        {"kind": "crime_id_continuity", "inputs": {"previous": "street_previous"}},
        ("crime_id_continuity",),
        source=POLICEUK_SOURCE + ": Crime ID is the crime's persistent_id linking its outcomes",
    ),
    BuiltinDerivation(
        "pnc_after_closure",
        (PANDAS,),
        "PNC wanted/missing report against its local case: live after closure, cancelled "
        "late or while the case is open",
        {
            "kind": "pnc_after_closure",
            "inputs": {"cases": "casework/cases"},
            "options": {"grace_hours": 24},
        },
        ("local_case_closed_datetime", "pnc_after_closure"),
        source="no published national limit for cancellation; grace_hours is the force's",
    ),
    BuiltinDerivation(
        "missing_person_circulation",
        (PANDAS,),
        "hours from a missing-person report to its first PNC entry, and whether in time",
        {
            "kind": "missing_person_circulation",
            "inputs": {"reports": "pnc/wanted_missing"},
            "options": {"max_hours": 48},
        },
        ("hours_to_pnc", "pnc_circulation"),
        source="missing persons on PNC 'as soon as possible and in any case within 48 "
        "hours' (HC Deb 8 January 2003 vol 397 cc256-7WS)",
    ),
    BuiltinDerivation(
        "unconfirmed_locations",
        (PANDAS,),
        "incident point on a postcode centroid or a police station (within tolerance_m)",
        {
            "kind": "unconfirmed_locations",
            "inputs": {
                "directory": "gazetteer/postcode_directory",
                "stations": "gazetteer/police_stations",
            },
        },
        ("location_match", "location_match_ref"),
        source="OS Code-Point Open layout for the postcode directory; force station list",
    ),
    BuiltinDerivation(
        "dna_coverage",
        (PANDAS,),
        "nominal with a qualifying conviction (replaceable code list) and no DNA sample",
        {
            "kind": "dna_coverage",
            "inputs": {"convictions": "convictions", "samples": "dna_samples"},
        },
        ("qualifying_offence", "dna_coverage"),
        source="Operation Nutmeg (ACPO, 16 January 2013); PACE 1984 ss.63(3B), 65A as "
        "amended by the Crime and Security Act 2010; code lists illustrative",
    ),
)

DERIVATIONS: tuple[BuiltinDerivation, ...] = (
    BuiltinDerivation(
        "pace_detentions",
        PANDAS_SPARK,
        "one row per detention from the custody records and their PACE / Terrorism Act "
        "reviews, extensions and warrants",
        {"kind": "pace_detentions", "inputs": {"reviews": "reviews"}},
        PACE_DERIVED_COLUMNS,
        source="PACE 1984 ss.40-44 (postponement s.40(4)-(6), relevant time s.41(2), "
        "extension s.42(1),(4), warrant s.43(5)); Terrorism Act 2000 Sch. 8 paras 21-22",
    ),
    BuiltinDerivation(
        "postcode_directory",
        PANDAS_SPARK,
        "looks each postcode up in a reference directory (e.g. OS Code-Point Open)",
        {"kind": "postcode_directory", "inputs": {"directory": "postcode_directory"}},
        ("postcode_in_directory", "distance_to_postcode_m"),
        source="OS Code-Point Open (postcode unit centroids), or the force's directory",
    ),
    BuiltinDerivation(
        "duplicate_addresses",
        (PANDAS,),
        "counts the UPRNs that share one normalised address",
        {"kind": "duplicate_addresses"},
        ("normalised_address", "uprns_at_address"),
        source="GeoPlace DEC-Addresses: one UPRN per addressable object",
    ),
    *AUDIT_DERIVATIONS,
)

_DERIVATION_BY_KIND = {derivation.kind: derivation for derivation in DERIVATIONS}


def derivation_engines(kind: str) -> tuple[str, ...]:
    """The engines a derivation kind runs on (none for a kind dqaudit does not have)."""
    derivation = _DERIVATION_BY_KIND.get(kind)
    return derivation.engines if derivation else ()
