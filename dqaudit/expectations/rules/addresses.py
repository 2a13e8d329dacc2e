"""Gazetteer checks across rows and tables: the postcode directory, and duplicate addresses.

Both need more than one row at a time, so they are derived columns added to the address
extract (one row per address, same order), which plain expectations then bound:

- ``postcode_in_directory`` / ``distance_to_postcode_m``: the postcode looked up in a
  reference directory (OS Code-Point Open by default: columns PC, PQ, EA, NO), and the
  straight-line distance in metres from the address point to the postcode's centroid;
- ``normalised_address`` / ``uprns_at_address``: the address text normalised (case,
  spacing, punctuation) and the number of distinct UPRNs recorded at it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dqaudit.expectations.rules import geometry

NO_COORDINATES_QUALITY = "90"  # Code-Point Open positional quality: no coordinates


@dataclass(frozen=True)
class DirectoryOptions:
    postcode: str = "postcode"
    x: str = "easting"
    y: str = "northing"
    crs: str = geometry.BRITISH_NATIONAL_GRID
    directory_postcode: str = "PC"
    directory_x: str = "EA"
    directory_y: str = "NO"
    directory_quality: str = "PQ"
    directory_crs: str = geometry.BRITISH_NATIONAL_GRID
    metric_crs: str = geometry.BRITISH_NATIONAL_GRID


def postcode_key(values: pd.Series) -> pd.Series:
    """Postcodes compared without case or spaces: Code-Point pads 'B1  1AY' to seven."""
    text = values.astype("string") if values.dtype != "string" else values
    return text.str.upper().str.replace(r"\s+", "", regex=True)


def postcode_lookup(
    addresses: pd.DataFrame, directory: pd.DataFrame, options: DirectoryOptions
) -> pd.DataFrame:
    """``postcode_in_directory`` (Y/N, blank without a postcode) and the distance to it."""
    o = options
    codes = postcode_key(addresses[o.postcode])
    reference = directory[[o.directory_postcode, o.directory_x, o.directory_y]].copy()
    reference["key"] = postcode_key(directory[o.directory_postcode])
    rx, bad_x = geometry.coordinates(reference[o.directory_x])
    ry, bad_y = geometry.coordinates(reference[o.directory_y])
    usable = ~(bad_x | bad_y | np.isnan(rx) | np.isnan(ry))
    if o.directory_quality in directory.columns:
        usable &= (
            (directory[o.directory_quality].astype("string") != NO_COORDINATES_QUALITY)
            .fillna(True)
            .to_numpy()
        )
    rx, ry = geometry.to_metric(rx, ry, o.directory_crs, o.metric_crs)
    reference["cx"] = np.where(usable, rx, np.nan)
    reference["cy"] = np.where(usable, ry, np.nan)
    reference = reference.drop_duplicates("key", keep="first").set_index("key")

    found = codes.isin(reference.index).to_numpy()
    present = codes.notna().to_numpy()
    in_directory = pd.Series(np.where(found, "Y", "N"), index=addresses.index, dtype="string")
    in_directory[~present] = pd.NA

    ax, bad_ax = geometry.coordinates(addresses[o.x])
    ay, bad_ay = geometry.coordinates(addresses[o.y])
    ax, ay = geometry.to_metric(ax, ay, o.crs, o.metric_crs)
    matched = reference.reindex(codes.to_numpy())
    distance = geometry.distances_m(ax, ay, matched["cx"].to_numpy(), matched["cy"].to_numpy())
    distance[bad_ax | bad_ay | ~found] = np.nan
    return pd.DataFrame(
        {
            "postcode_in_directory": in_directory,
            "distance_to_postcode_m": np.round(distance, 1),
        },
        index=addresses.index,
    )


@dataclass(frozen=True)
class DuplicateOptions:
    uprn: str = "uprn"
    address_columns: tuple[str, ...] = ("sao", "pao_start_number", "street", "town", "postcode")
    postcode: str = "postcode"


def _normalised_part(values: pd.Series, *, squeeze_spaces: bool) -> pd.Series:
    text = values.astype("string") if values.dtype != "string" else values
    text = text.str.upper().str.replace(r"[^A-Z0-9\- ]", " ", regex=True)
    text = text.str.replace(r"\s+", "" if squeeze_spaces else " ", regex=True).str.strip()
    return text.fillna("")


def duplicate_addresses(addresses: pd.DataFrame, options: DuplicateOptions) -> pd.DataFrame:
    """The normalised address and how many distinct UPRNs share it.

    An address with neither a secondary nor a primary addressable object (no flat, no
    number) cannot be told apart from its neighbours, so it is left blank, not compared.
    """
    o = options
    parts = [
        _normalised_part(addresses[c], squeeze_spaces=(c == o.postcode)) for c in o.address_columns
    ]
    normalised = parts[0].str.cat(parts[1:], sep="|")
    # The first two address columns are the secondary and primary addressable objects.
    identified = ((parts[0] != "") | (parts[1] != "")).to_numpy()
    normalised = normalised.where(identified)
    uprns = addresses[o.uprn].astype("string")
    counts = (
        pd.DataFrame({"address": normalised, "uprn": uprns})
        .dropna()
        .groupby("address")["uprn"]
        .nunique()
    )
    sharing = normalised.map(counts)
    return pd.DataFrame(
        {
            "normalised_address": normalised,
            "uprns_at_address": pd.array(sharing, dtype="Int64"),
        },
        index=addresses.index,
    )
