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
    "extension_before_second_review",
    "extension_offence_indictable",
    "warrant_by_h",
    "warrant_court_unavailable",
    "tact_first_review_h",
    "tact_max_review_gap_h",
    "tact_max_postponed_gap_h",
    "tact_reviews_after_warrant",
    "age_at_arrival_years",
    "under_18",
    "clock_change_ambiguous",
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
    # The published source the rule implements (act and section, standard and edition).
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
        "datetimes never go backwards in column order (timezone-aware; blanks skipped;"
        " ambiguous: earliest|latest|flag for the repeated autumn hour)",
        {
            "column_list": [
                "arrest_datetime",
                "arrival_datetime",
                "detention_authorised_datetime",
                "release_datetime",
            ],
            "timezone": "Europe/London",
        },
        source="PACE 1984 ss.37, 41(2) (the custody clock runs from these times); "
        "Summer Time Order 2002 via the IANA tz database",
    ),
    BuiltinRule(
        "expect_column_pair_values_to_be_within_hours",
        "timeliness",
        (PANDAS,),
        "B is at most max_hours after A; a missing B counts as late (ambiguous: "
        "earliest|latest|flag)",
        {
            "column_A": "result_received_datetime",
            "column_B": "pnc_entered_datetime",
            "max_hours": 168,
            "mostly": 0.75,
        },
        source="PNC Code of Practice (Home Office, 2005): finalisations on PNC within 7 days "
        "of the result reaching the police, 75% from 1 July 2005",
    ),
    BuiltinRule(
        "expect_multicolumn_datetimes_to_be_within_hours",
        "timeliness",
        (PANDAS,),
        "last column at most max_hours after the earliest of the others (arrested, reported "
        "or summonsed); no start or a missing entry fails",
        {
            "column_list": ["arrest_datetime", "summons_date", "pnc_entered_datetime"],
            "max_hours": 24,
            "mostly": 0.9,
        },
        source="PNC Code of Practice (Home Office, 2005): 90% of recordable offences on PNC "
        "within 24 hours of the person being arrested, reported or summonsed, 100% in 3 days",
    ),
)

DERIVATIONS: tuple[BuiltinDerivation, ...] = (
    BuiltinDerivation(
        "pace_detentions",
        (PANDAS,),
        "one row per detention from the custody records and their PACE / Terrorism Act "
        "reviews, extensions and warrants",
        {"kind": "pace_detentions", "inputs": {"reviews": "reviews"}},
        PACE_DERIVED_COLUMNS,
        source="PACE 1984 ss.40-44 (postponement s.40(4)-(6), relevant time s.41(2), "
        "extension s.42(1),(4), warrant s.43(5)); Terrorism Act 2000 Sch. 8 paras 21-22",
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
    return expectation_type in (
        "expect_column_pair_values_to_be_within_hours",
        "expect_multicolumn_datetimes_to_be_within_hours",
    )


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
