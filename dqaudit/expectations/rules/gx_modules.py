"""Which module of the rule library defines each of its GX expectations (no GX here).

Why: importing the library's GX classes registers each with GX, which costs a noticeable
part of a small ``dqaudit check`` (class creation, pydantic models, metric providers,
the rule logic they import). ``gx_adapter`` imports a module only when a suite names one
of its expectation types, so a suite of GX core expectations registers none.
``gx_expectations`` (importing it registers all) stays the library's one public module;
``tests/test_rules_library.py`` checks this table against the classes themselves.
"""

from __future__ import annotations

_PACKAGE = "dqaudit.expectations.rules"
IDENTIFIERS = f"{_PACKAGE}.gx_identifiers"
AUDIT = f"{_PACKAGE}.gx_audit_expectations"
# gx_expectations defines the gazetteer and timing classes and imports the other two.
GAZETTEER_AND_TIMING = f"{_PACKAGE}.gx_expectations"

# expectation type -> the module whose import registers it
MODULES: dict[str, str] = {
    "expect_column_values_to_be_valid_pnc_id": IDENTIFIERS,
    "expect_column_values_to_be_valid_cro_number": IDENTIFIERS,
    "expect_column_values_to_be_valid_asn": IDENTIFIERS,
    "expect_column_values_to_be_valid_uk_postcode": IDENTIFIERS,
    "expect_column_values_to_be_valid_ni_number": IDENTIFIERS,
    "expect_column_values_to_be_valid_uk_vrm": IDENTIFIERS,
    "expect_column_values_to_be_valid_uprn": IDENTIFIERS,
    "expect_column_values_to_be_valid_cjs_offence_code": IDENTIFIERS,
    "expect_column_values_to_be_in_code_list": IDENTIFIERS,
    "expect_column_pair_values_to_be_valid_uk_vrm_on_date": IDENTIFIERS,
    "expect_column_pair_values_to_be_within_boundary": GAZETTEER_AND_TIMING,
    "expect_multicolumn_values_to_match_boundary_area": GAZETTEER_AND_TIMING,
    "expect_multicolumn_datetimes_to_be_in_order": GAZETTEER_AND_TIMING,
    "expect_column_pair_values_to_be_within_hours": GAZETTEER_AND_TIMING,
    "expect_multicolumn_datetimes_to_be_within_hours": GAZETTEER_AND_TIMING,
    "expect_column_pair_values_to_be_area_code_in_force": AUDIT,
    "expect_multicolumn_values_to_match_boundary_version": AUDIT,
    "expect_column_pair_values_to_be_shared_by_at_most": AUDIT,
}

# Importing this registers every expectation of the library.
ALL = GAZETTEER_AND_TIMING
