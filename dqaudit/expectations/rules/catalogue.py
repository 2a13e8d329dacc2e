"""Every built-in rule: what it checks, the engines it runs on, and an example.

This is plain data (no GX, no pandas) so ``dqaudit rules list`` is instant, and it is the
one place that says which engines a rule supports: a rule asked to run anywhere else is
an error naming the rule and the engine, never a silent pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dqaudit.errors import InputError

# The columns the pace_detentions derivation adds (one row per detention).
PACE_DERIVED_COLUMNS = (
    "relevant_time",
    "first_review_h",
    "first_review_postponed",
    "max_review_gap_h",
    "max_postponed_gap_h",
    "hours_before_charge",
    "extension_by_h",
    "warrant_by_h",
    "age_at_arrival_years",
    "under_18",
)

PANDAS = "pandas"
SQL_ENGINES = ("postgresql", "sqlite", "mariadb")
ALL_ENGINES = (PANDAS, *SQL_ENGINES)


@dataclass(frozen=True)
class BuiltinRule:
    """One custom expectation of the library."""

    expectation_type: str
    family: str
    engines: tuple[str, ...]
    summary: str
    example: dict[str, Any]
    valid: tuple[str, ...] = ()
    invalid: tuple[str, ...] = ()
    # kwargs naming files; relative paths are read from the suite file's folder.
    reference_kwargs: tuple[str, ...] = field(default=())
    # The published source the rule follows (act and section, standard, list), or why
    # there is none; shown by ``dqaudit rules list``.
    source: str = ""


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
BOUNDARY_VERSION_KWARGS = {
    "areas": "neighbourhood_boundaries.geojson",
    "area_property": "code",
    "valid_from_property": "valid_from",
    "valid_to_property": "valid_to",
}
AUDIT_RULES: tuple[BuiltinRule, ...] = (
    BuiltinRule(
        "expect_column_pair_values_to_be_area_code_in_force",
        "gazetteer",
        (PANDAS,),
        "area code (A) belongs to the boundary version in force on the date (B): retired, "
        "not-yet-valid and unknown codes fail",
        {
            "column_A": "neighbourhood_code",
            "column_B": "opened_datetime",
            **BOUNDARY_VERSION_KWARGS,
        },
        reference_kwargs=("areas",),
        source="the force's own dated boundary layer (valid_from inclusive, valid_to exclusive)",
    ),
    BuiltinRule(
        "expect_multicolumn_values_to_match_boundary_version",
        "gazetteer",
        (PANDAS,),
        "point (x, y) lies in the polygon its recorded area code had on the date",
        {
            "column_list": ["easting", "northing", "neighbourhood_code", "opened_datetime"],
            **BOUNDARY_VERSION_KWARGS,
            "crs": "EPSG:27700",
        },
        reference_kwargs=("areas",),
        source="the force's own dated boundary layer (valid_from inclusive, valid_to exclusive)",
    ),
    BuiltinRule(
        "expect_column_pair_values_to_be_shared_by_at_most",
        "gazetteer",
        (PANDAS,),
        "at most max_rows rows share one point (x, y): a default or unconfirmed location",
        {"column_A": "easting", "column_B": "northing", "max_rows": 25},
        source="the force's threshold (no published limit); unconfirmed incident locations",
    ),
)
AUDIT_DERIVATIONS: tuple[BuiltinDerivation, ...] = (
    BuiltinDerivation(
        "reference_exists",
        (PANDAS,),
        "the value (one or more columns) exists in another dataset's column(s); Y/N, blank "
        "when missing. SQL form: integrity.reference_result_sql (EXISTS subquery)",
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

RULES: tuple[BuiltinRule, ...] = (
    BuiltinRule(
        "expect_column_values_to_be_valid_pnc_id",
        "identifier",
        ALL_ENGINES,
        "PNC ID YYYY/NNNNNNNC or YY/N{1,7}C with its modulus-23 check letter",
        {"column": "pnc_id"},
        ("2001/0171310W", "2008/0056560Z", "79/163001B"),
        ("2001/0171310X", "2001/171310W", "2001/0171310w"),
    ),
    BuiltinRule(
        "expect_column_values_to_be_valid_cro_number",
        "identifier",
        ALL_ENGINES,
        "CRO number N{1,6}/YYC or SFYY/N{1,6}C with its check letter",
        {"column": "cro_number"},
        ("45123/08Y", "SF95/1234C"),
        ("45123/08Z", "1234567/08Y"),
    ),
    BuiltinRule(
        "expect_column_values_to_be_valid_asn",
        "identifier",
        ALL_ENGINES,
        "Arrest/Summons Number, 20-character or display form, check letter over FF+SS+YY+sequence",
        {"column": "asn"},
        ("1101ZD0100000448754K", "11/01ZD/01/448754K"),
        ("1101ZD0100000448754L", "1101zd0100000448754K"),
    ),
    BuiltinRule(
        "expect_column_values_to_be_valid_uk_postcode",
        "identifier",
        ALL_ENGINES,
        "UK postcode in the national standard format (letters barred by position, GIR 0AA)",
        {"column": "postcode"},
        ("B1 1AY", "EC1A 1BB", "GIR 0AA"),
        ("B1 1AC", "b1 1ay", "B11AY", "QA1 1AA"),
    ),
    BuiltinRule(
        "expect_column_values_to_be_valid_ni_number",
        "identifier",
        ALL_ENGINES,
        "National Insurance number: allowed prefix, six digits, suffix A-D",
        {"column": "ni_number"},
        ("AB123456C", "AB 12 34 56 C"),
        ("DA123456A", "GB123456A", "AB123456E"),
    ),
    BuiltinRule(
        "expect_column_values_to_be_valid_uk_vrm",
        "identifier",
        ALL_ENGINES,
        "Vehicle registration mark: current, prefix, suffix, dateless and Northern Ireland",
        {"column": "vrm"},
        ("AB12 CDE", "A123 BCD", "ABC 123D", "ABZ 1234"),
        ("AB12 CDI", "ab12 cde", "AB12  CDE"),
    ),
    BuiltinRule(
        "expect_column_values_to_be_valid_uprn",
        "identifier",
        ALL_ENGINES,
        "Unique Property Reference Number: 1 to 12 digits, no leading zero",
        {"column": "uprn"},
        ("100070000001", "1"),
        ("0100070000001", "1.0007E+11", "1000700000012345"),
    ),
    BuiltinRule(
        "expect_column_values_to_be_in_code_list",
        "code list",
        ALL_ENGINES,
        "value is a code of a named code list (a data file naming its source)",
        {"column": "self_defined_ethnicity", "code_list": "self_defined_ethnicity"},
        ("W1", "NS"),
        ("W5", "w1", "IC1"),
        reference_kwargs=("code_list",),
    ),
    BuiltinRule(
        "expect_column_pair_values_to_be_within_boundary",
        "gazetteer",
        (PANDAS,),
        "point (easting/northing or longitude/latitude) lies inside a GeoJSON boundary",
        {
            "column_A": "easting",
            "column_B": "northing",
            "boundary": "force_boundary.geojson",
            "crs": "EPSG:27700",
        },
        reference_kwargs=("boundary",),
    ),
    BuiltinRule(
        "expect_multicolumn_values_to_match_boundary_area",
        "gazetteer",
        (PANDAS,),
        "recorded neighbourhood/sector code is the polygon the point falls in",
        {
            "column_list": ["easting", "northing", "neighbourhood_code"],
            "areas": "neighbourhoods.geojson",
            "area_property": "code",
            "crs": "EPSG:27700",
        },
        reference_kwargs=("areas",),
    ),
    BuiltinRule(
        "expect_multicolumn_datetimes_to_be_in_order",
        "custody",
        (PANDAS,),
        "datetimes never go backwards in column order (timezone-aware; blanks skipped)",
        {
            "column_list": [
                "arrest_datetime",
                "arrival_datetime",
                "detention_authorised_datetime",
                "release_datetime",
            ],
            "timezone": "Europe/London",
        },
    ),
    BuiltinRule(
        "expect_column_pair_values_to_be_within_hours",
        "timeliness",
        (PANDAS,),
        "B is at most max_hours after A; a missing B counts as late (PNC Code of Practice)",
        {
            "column_A": "arrest_datetime",
            "column_B": "pnc_entered_datetime",
            "max_hours": 24,
            "mostly": 0.9,
        },
    ),
    *AUDIT_RULES,
)

DERIVATIONS: tuple[BuiltinDerivation, ...] = (
    BuiltinDerivation(
        "pace_detentions",
        (PANDAS,),
        "one row per detention from the custody records and their PACE reviews",
        {"kind": "pace_detentions", "inputs": {"reviews": "reviews"}},
        PACE_DERIVED_COLUMNS,
    ),
    BuiltinDerivation(
        "postcode_directory",
        (PANDAS,),
        "looks each postcode up in a reference directory (e.g. OS Code-Point Open)",
        {"kind": "postcode_directory", "inputs": {"directory": "postcode_directory"}},
        ("postcode_in_directory", "distance_to_postcode_m"),
    ),
    BuiltinDerivation(
        "duplicate_addresses",
        (PANDAS,),
        "counts the UPRNs that share one normalised address",
        {"kind": "duplicate_addresses"},
        ("normalised_address", "uprns_at_address"),
    ),
    *AUDIT_DERIVATIONS,
)

_BY_TYPE = {rule.expectation_type: rule for rule in RULES}


def builtin_rule(expectation_type: str) -> BuiltinRule | None:
    return _BY_TYPE.get(expectation_type)


def require_engine(expectation_type: str, engine: str, label: str | None = None) -> None:
    """Refuse to run a library rule on an engine it does not support."""
    rule = _BY_TYPE.get(expectation_type)
    if rule is None or engine in rule.engines:
        return
    where = f"{label}: " if label else ""
    raise InputError(
        f"{where}rule {expectation_type} does not run on the {engine} engine "
        f"(it runs on: {', '.join(rule.engines)})"
    )


def require_engines(rules: list[tuple[str, str]], database_url: str) -> None:
    """Refuse, before anything runs, a suite whose library rules cannot run on this database.

    ``rules`` are (expectation type, label) pairs.
    """
    from sqlalchemy.engine import make_url

    from dqaudit.expectations.rules.sql import engine_name

    engine = engine_name(make_url(database_url).get_backend_name())
    for expectation_type, label in rules:
        require_engine(expectation_type, engine, label)


def counts_missing(expectation_type: str) -> bool:
    """Rules for which a missing value is itself a failure (a record never entered on PNC).

    The engine must not tell GX to ignore rows with a missing value for these.
    """
    return expectation_type == "expect_column_pair_values_to_be_within_hours"


def reference_kwargs(expectation_type: str) -> tuple[str, ...]:
    rule = _BY_TYPE.get(expectation_type)
    return rule.reference_kwargs if rule else ()


def describe() -> str:
    """The text of ``dqaudit rules list``: each rule, its engines and an example."""
    import json

    lines = ["Built-in rules (custom Great Expectations expectations):", ""]
    for rule in RULES:
        lines.append(f"{rule.expectation_type}  [{rule.family}]")
        lines.append(f"    {rule.summary}")
        lines.append(f"    engines:  {', '.join(rule.engines)}")
        lines.append(
            f"    example:  {json.dumps({'type': rule.expectation_type, 'kwargs': rule.example})}"
        )
        if rule.valid:
            lines.append(f"    valid:    {', '.join(rule.valid)}")
        if rule.invalid:
            lines.append(f"    invalid:  {', '.join(rule.invalid)}")
        if rule.source:
            lines.append(f"    source:   {rule.source}")
        lines.append("")
    lines.append(
        "Derived datasets (suite meta.dqaudit.derivation; failing keys are the record's key):"
    )
    lines.append("")
    for derivation in DERIVATIONS:
        lines.append(f"{derivation.kind}")
        lines.append(f"    {derivation.summary}")
        lines.append(f"    engines:  {', '.join(derivation.engines)}")
        lines.append(f"    adds:     {', '.join(derivation.columns)}")
        lines.append(f"    example:  {json.dumps({'derivation': derivation.example})}")
        if derivation.source:
            lines.append(f"    source:   {derivation.source}")
        lines.append("")
    from dqaudit.expectations.rules.codelists import builtin_names

    lines.append(f"Code lists: {', '.join(builtin_names())}")
    return "\n".join(lines)
