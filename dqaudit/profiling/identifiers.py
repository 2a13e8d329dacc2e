"""Police identifiers recognised by their content, checked by the rule library itself.

A column is taken for PNC IDs (or CRO numbers, ASNs, postcodes, NI numbers, VRMs, UPRNs,
CJS offence codes) by what its values are, never by its name: each value is checked with
the very function the library's rule uses (check letters included, see
``expectations.rules``), so a drafted rule passes exactly the values that were counted
as valid. Some formats also match values that are not identifiers at all (the VRM
dateless form matches the ethnicity code ``A1``; any whole number is a well-formed UPRN),
so each kind has a plausibility test too: a value counts only when it is valid *and*
plausible, as stated in ``Kind.plausible_note``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dqaudit.expectations.rules import check_characters, formats, vehicles

Validator = Callable[[pd.Series], pd.Series]


@dataclass(frozen=True)
class Kind:
    """One identifier the rule library checks, and how a draft proposes its rule."""

    name: str
    label: str  # "PNC IDs", as a rationale says it
    expectation_type: str
    valid: Validator
    plausible: Callable[[pd.Series], np.ndarray] | None = None
    plausible_note: str = ""


def _min_length(length: int) -> Callable[[pd.Series], np.ndarray]:
    def plausible(values: pd.Series) -> np.ndarray:
        squeezed = values.astype("string").str.replace(" ", "", regex=False)
        return (squeezed.str.len() >= length).fillna(False).to_numpy(dtype=bool)

    return plausible


def _strict_postcode(values: pd.Series) -> pd.Series:
    return formats.valid_postcode(values)


def _pnc_id(values: pd.Series) -> pd.Series:
    return check_characters.valid_pnc_id(values)


def _vrm(values: pd.Series) -> pd.Series:
    return vehicles.valid_vrm(values)


KINDS: tuple[Kind, ...] = (
    Kind("pnc_id", "PNC IDs", "expect_column_values_to_be_valid_pnc_id", _pnc_id),
    Kind(
        "cro_number",
        "CRO numbers",
        "expect_column_values_to_be_valid_cro_number",
        check_characters.valid_cro_number,
    ),
    Kind("asn", "ASNs", "expect_column_values_to_be_valid_asn", check_characters.valid_asn),
    Kind(
        "uk_postcode",
        "UK postcodes",
        "expect_column_values_to_be_valid_uk_postcode",
        _strict_postcode,
    ),
    Kind(
        "ni_number",
        "NI numbers",
        "expect_column_values_to_be_valid_ni_number",
        formats.valid_ni_number,
    ),
    Kind(
        "uk_vrm",
        "VRMs",
        "expect_column_values_to_be_valid_uk_vrm",
        _vrm,
        _min_length(5),
        "at least 5 characters (a dateless mark such as A1 is also a common code)",
    ),
    Kind(
        "uprn",
        "UPRNs",
        "expect_column_values_to_be_valid_uprn",
        formats.valid("uprn"),
        _min_length(9),
        "at least 9 digits, as nearly all UPRNs have (any whole number is well formed)",
    ),
    Kind(
        "cjs_offence_code",
        "CJS offence codes",
        "expect_column_values_to_be_valid_cjs_offence_code",
        formats.valid("cjs_offence_code"),
    ),
)
BY_NAME = {kind.name: kind for kind in KINDS}


def count_valid(
    values: pd.Series, weights: np.ndarray, kinds: tuple[Kind, ...] = KINDS
) -> dict[str, int]:
    """For each kind, how many values are valid and plausible: ``values`` are distinct
    non-null text values, each standing for ``weights`` rows. Kinds matching nothing are
    left out, so the caller's counters stay small."""
    counts: dict[str, int] = {}
    if values.empty:
        return counts
    for kind in kinds:
        ok = kind.valid(values).to_numpy(dtype=bool, copy=True)
        if kind.plausible is not None and ok.any():
            ok &= kind.plausible(values)
        found = int(weights[ok].sum())
        if found:
            counts[kind.name] = found
    return counts
