"""Every built-in rule: what it checks, its published source, the engines it runs on, and
an example.

This is plain data (no GX, no pandas) so ``dqaudit rules list`` is instant, and it is the
one place that says which engines a rule supports: a rule asked to run anywhere else is
an error naming the rule and the engine, never a silent pass. The derived datasets a
suite can declare are catalogued the same way in ``derivation_catalogue``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dqaudit.errors import InputError

# The columns the pace_detentions derivation adds (one row per detention). Here rather than
# in derivation_catalogue because custody.py imports them from here, and the rule-library
# version hashes custody.py's text: moving the import would change the version.
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
# Spark runs the rules of spark_rules (native columns, or pandas UDFs over the same code).
SPARK = "spark"
ALL_ENGINES = (PANDAS, *SQL_ENGINES, SPARK)
PANDAS_SPARK = (PANDAS, SPARK)


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
    # The published standard, act or list the rule checks against (shown by rules list).
    source: str = ""


# --- the audit rule families of issue 12 (police.uk, boundaries, locations) ---------------
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

RULES: tuple[BuiltinRule, ...] = (
    BuiltinRule(
        "expect_column_values_to_be_valid_pnc_id",
        "identifier",
        ALL_ENGINES,
        "PNC ID YYYY/NNNNNNNC or YY/N{1,7}C with its modulus-23 check letter",
        {"column": "pnc_id"},
        ("2001/0171310W", "2008/0056560Z", "79/163001B"),
        ("2001/0171310X", "2001/171310W", "2001/0171310w", "2999/0171310M"),
        source="CJS Exchange Data Standards Catalogue 6.0, Police National Computer Id; "
        "PNC modulus-23 check character",
    ),
    BuiltinRule(
        "expect_column_values_to_be_valid_cro_number",
        "identifier",
        ALL_ENGINES,
        "CRO number N{1,6}/YYC or SFYY/N{1,6}C with its check letter",
        {"column": "cro_number"},
        ("45123/08Y", "SF95/1234C"),
        ("45123/08Z", "1234567/08Y"),
        source="CJS Exchange Data Standards Catalogue 6.0, Criminal Records Office Number; "
        "modulus-23 check character",
    ),
    BuiltinRule(
        "expect_column_values_to_be_valid_asn",
        "identifier",
        ALL_ENGINES,
        "Arrest/Summons Number, 20- or 21-character or display form, check letter over "
        "FF+SS+YY+sequence",
        {"column": "asn"},
        ("1101ZD0100000448754K", "11B01ZD0100000448754K", "11/01ZD/01/448754K"),
        ("1101ZD0100000448754L", "1101zd0100000448754K", "11B01ZD0100000448754L"),
        source="Ministry of Justice Bichard7 ASN validation (bichard7-next-core isAsnValid.ts)",
    ),
    BuiltinRule(
        "expect_column_values_to_be_valid_uk_postcode",
        "identifier",
        ALL_ENGINES,
        "UK postcode in the national standard format (letters barred by position, GIR 0AA); "
        "format: strict|lenient, allow_bfpo, allow_overseas_territories",
        {"column": "postcode"},
        ("B1 1AY", "EC1A 1BB", "GIR 0AA"),
        ("B1 1AC", "b1 1ay", "B11AY", "QA1 1AA", "BFPO 1234"),
        source="Royal Mail PAF Programmers' Guide / BS 7666 postcode format (e-GIF postcode "
        "data type); BFPO addressing; overseas territory postcodes",
    ),
    BuiltinRule(
        "expect_column_values_to_be_valid_ni_number",
        "identifier",
        ALL_ENGINES,
        "National Insurance number: allowed prefix (never-allocated and administrative "
        "prefixes fail), six digits, suffix A-D; allow_blank_suffix",
        {"column": "ni_number"},
        ("AB123456C", "AB 12 34 56 C"),
        ("DA123456A", "GB123456A", "AB123456E", "CR123456A", "AB123456"),
        source="HMRC National Insurance Manual NIM39110; CJS data standards (blank suffix)",
    ),
    BuiltinRule(
        "expect_column_values_to_be_valid_uk_vrm",
        "identifier",
        ALL_ENGINES,
        "Vehicle registration mark: current, prefix (Q plates too), suffix, dateless and "
        "Northern Ireland, issued by as_of (default today): 01 never, 50/00 not before 2050",
        {"column": "vrm"},
        ("AB12 CDE", "A123 BCD", "Q123 BCD", "ABC 123D", "ABZ 1234"),
        ("AB12 CDI", "ab12 cde", "AB12  CDE", "AB01 CDE", "AB00 CDE", "AB50 CDE"),
        source="DVLA INF104, Vehicle registration numbers and number plates",
    ),
    BuiltinRule(
        "expect_column_values_to_be_valid_uprn",
        "identifier",
        ALL_ENGINES,
        "Unique Property Reference Number: 1 to 12 digits, no leading zero",
        {"column": "uprn"},
        ("100070000001", "1"),
        ("0100070000001", "1.0007E+11", "1000700000012345"),
        source="GeoPlace / Ordnance Survey: the UPRN is a positive integer of up to 12 digits",
    ),
    BuiltinRule(
        "expect_column_values_to_be_valid_cjs_offence_code",
        "identifier",
        ALL_ENGINES,
        "CJS offence code AAYYNNN, COMLNNN or XX00NNN with an optional A/B/C/I qualifier",
        {"column": "offence_code"},
        ("COML025", "MD71101", "TH68010", "XX00001", "TH68010A"),
        ("COML25", "md71101", "TH6810", "TH68010D", "MD 71101"),
        source="CJS Data Standards Catalogue 6.0, CJS Offence Code",
    ),
    BuiltinRule(
        "expect_column_values_to_be_in_code_list",
        "code list",
        ALL_ENGINES,
        "value is a code of a named code list (a data file naming its source)",
        {"column": "self_defined_ethnicity", "code_list": "self_defined_ethnicity"},
        ("W1", "NS"),
        ("W5", "w1", "IC1", "O1"),
        reference_kwargs=("code_list",),
        source="the code list's own data file (publisher, edition, address; see Code lists)",
    ),
    BuiltinRule(
        "expect_column_pair_values_to_be_within_boundary",
        "gazetteer",
        PANDAS_SPARK,
        "point (easting/northing or longitude/latitude) lies inside a GeoJSON boundary",
        {
            "column_A": "easting",
            "column_B": "northing",
            "boundary": "force_boundary.geojson",
            "crs": "EPSG:27700",
        },
        reference_kwargs=("boundary",),
        source="the force's boundary file (e.g. police force areas from data.police.uk)",
    ),
    BuiltinRule(
        "expect_multicolumn_values_to_match_boundary_area",
        "gazetteer",
        PANDAS_SPARK,
        "recorded neighbourhood/sector code is the polygon the point falls in",
        {
            "column_list": ["easting", "northing", "neighbourhood_code"],
            "areas": "neighbourhoods.geojson",
            "area_property": "code",
            "crs": "EPSG:27700",
        },
        reference_kwargs=("areas",),
        source="the force's own neighbourhood/sector boundary layer (not a published list)",
    ),
    BuiltinRule(
        "expect_multicolumn_datetimes_to_be_in_order",
        "custody",
        PANDAS_SPARK,
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
        PANDAS_SPARK,
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
        PANDAS_SPARK,
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
    BuiltinRule(
        "expect_column_pair_values_to_be_valid_uk_vrm_on_date",
        "identifier",
        ALL_ENGINES,
        "VRM (column_A) well formed and issued by the record's date (column_B, ISO date)",
        {"column_A": "vrm", "column_B": "seen_date"},
        source="DVLA INF104, Vehicle registration numbers and number plates",
    ),
    *AUDIT_RULES,
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
