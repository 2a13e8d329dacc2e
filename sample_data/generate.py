"""Deterministic generator for the dqaudit sample data.

Why this exists
---------------
dqaudit audits police records systems, and its tests and demo need extracts
that look like the real thing (PNC nominals and arrest/summons records, a
local gazetteer, custody records and PACE reviews) without containing a
single real person. This script fabricates those extracts and then plants
data-quality defects at known rows. ``manifest.json`` lists, for every rule
of the Great Expectations suites in ``workspace/suites/``, exactly which
record keys that rule must fail on, so a test can compare an audit run with
the manifest key for key.

Determinism
-----------
Only the standard library is used (``random.Random`` with a fixed seed,
``csv``, ``json``, ``datetime``) so the output is byte-identical on every
run and across numpy/pandas versions. Each dataset draws from its own
``Random`` seeded from ``SEED`` and the dataset name, so changing one
dataset does not reshuffle the others.

How the data is built
---------------------
1. Clean records are built first (gazetteer, then nominals that live at
   gazetteer postcodes, then arrest/summons and custody records for those
   nominals, then the PACE reviews of each custody detention).
2. Defects are injected afterwards, one defect per row: a ``RowPicker``
   never hands out a row twice, so a defect trips only the rule it targets.
   The single deliberate exception (easting/northing swapped) is logged
   against both rules it trips.
3. The files and the manifest are written. Every identifier in a clean row
   carries a correct check character (PNC ID, CRO number, ASN); the core
   suites cannot see check characters, so no bad check characters are
   planted.

Usage::

    python sample_data/generate.py [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib.util
import json
import pathlib
import random
import sys
import types

sys.dont_write_bytecode = True  # leave no __pycache__ in sample_data/
_spec = importlib.util.spec_from_file_location(
    "sample_data_police_rules", pathlib.Path(__file__).with_name("police_rules.py")
)
police = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(police)


def _load(name: str):
    spec = importlib.util.spec_from_file_location(
        f"sample_data_{name}", pathlib.Path(__file__).with_name(f"{name}.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


custody_rules = _load("custody_rules")
pnc_timeliness = _load("pnc_timeliness")
history = _load("history")  # the demo's monthly history (manifest "months")
# The audits of issue 12 (police.uk, incidents, wanted/missing, DNA, custody persons).
places, records = _load("audit_places"), _load("audit_records")

SEED = 1829  # the year the Metropolitan Police was founded
EXTRACT_DATE = dt.date(2025, 1, 6)
CHECK_ALPHABET = "ZABCDEFGHJKLMNPQRTUVWXY"  # index 0 is Z; no I, O or S

ROW_COUNTS = {
    "addresses": 2500,
    "nominals": 2500,
    "arrest_summons": 4000,
    "custody_records": 2500,
}

# dataset id -> where it is written, its key, and the suite that audits it
DATASETS = {
    "pnc/nominals": {
        "system": "pnc",
        "dataset": "nominals",
        "suite": "pnc_nominals",
        "path": "pnc/nominals.csv",
        "key": "nominal_ref",
    },
    "pnc/arrest_summons": {
        "system": "pnc",
        "dataset": "arrest_summons",
        "suite": "pnc_arrest_summons",
        "path": "pnc/arrest_summons.csv",
        "key": "as_ref",
    },
    "pnc/court_results": {
        "system": "pnc",
        "dataset": "court_results",
        "suite": "pnc_court_results",
        "path": "pnc/court_results.csv",
        "key": "result_ref",
    },
    "gazetteer/addresses": {
        "system": "gazetteer",
        "dataset": "addresses",
        "suite": "gazetteer_addresses",
        "path": "gazetteer/addresses.csv",
        "key": "address_id",
    },
    "custody/custody_records": {
        "system": "custody",
        "dataset": "custody_records",
        "suite": "custody_records",
        "path": "custody/custody_records.csv",
        "key": "custody_ref",
    },
    "custody/reviews": {
        "system": "custody",
        "dataset": "reviews",
        "suite": "custody_reviews",
        "path": "custody/reviews.csv",
        "key": "review_ref",
    },
}
# Suites in manifest order; two audit derived datasets (across tables) of a dataset above.
SUITE_ORDER = [
    "pnc_nominals",
    "pnc_arrest_summons",
    "pnc_court_results",
    "gazetteer_addresses",
    "gazetteer_address_references",
    "custody_records",
    "custody_pace",
    "custody_reviews",
]
SUITE_ORDER += places.SUITES + records.SUITES
DATASETS.update(places.DATASETS)
DATASETS.update(records.DATASETS)
# The postcode directory is reference data (OS Code-Point Open layout, no header row).
DIRECTORY_COLUMNS = ["PC", "PQ", "EA", "NO", "CY", "RH", "LH", "CC", "DC", "WC"]

# fmt: off
COLUMNS = {
    "pnc/nominals": [
        "nominal_ref", "pnc_id", "cro_number", "ni_number", "surname", "forename",
        "date_of_birth", "gender", "self_defined_ethnicity", "postcode",
        "created_at",
    ],
    "pnc/arrest_summons": [
        "as_ref", "nominal_ref", "asn", "arrest_datetime", "summons_date",
        "pnc_entered_datetime", "offence_code", "force_code", "disposal_code",
    ],
    "pnc/court_results": [
        "result_ref", "nominal_ref", "asn", "result_type", "result_date",
        "result_received_datetime", "pnc_entered_datetime",
    ],
    "gazetteer/addresses": [
        "address_id", "uprn", "usrn", "sao", "pao_start_number", "street",
        "locality", "town", "postcode", "easting", "northing",
        "logical_status", "blpu_state", "rpc", "neighbourhood_code",
    ],
    "custody/custody_records": [
        "custody_ref", "station_code", "arrest_datetime", "arrival_datetime",
        "detention_authorised_datetime", "charge_datetime", "release_datetime",
        "date_of_birth", "surname", "forename", "age_at_arrival", "juvenile",
        "appropriate_adult", "officer_ethnicity", "self_defined_ethnicity",
        "detention_reason", "terrorism_act", "voluntary_attendance",
        "offence_indictable",
    ],
    "custody/reviews": [
        "review_ref", "custody_ref", "review_datetime", "review_type",
        "reviewing_officer_rank", "postponed", "postponement_reason",
    ],
}
# fmt: on
COLUMNS.update(places.COLUMNS)
COLUMNS.update(records.COLUMNS)

# Fixed-width (mainframe style) layout of the arrest/summons extract:
# (name, width, type). Widths leave room for the malformed values planted.
ARREST_SUMMONS_LAYOUT = [
    ("as_ref", 10, "string"),
    ("nominal_ref", 10, "string"),
    ("asn", 20, "string"),
    ("arrest_datetime", 19, "datetime"),
    ("summons_date", 10, "date"),
    ("pnc_entered_datetime", 19, "datetime"),
    ("offence_code", 10, "string"),
    ("force_code", 3, "string"),
    ("disposal_code", 8, "string"),
]

# ---------------------------------------------------------------------------
# Reference data (illustrative code lists, not an official source)
# ---------------------------------------------------------------------------

# fmt: off
SURNAMES = [
    "SMITH", "JONES", "WILLIAMS", "TAYLOR", "BROWN", "DAVIES", "EVANS",
    "WILSON", "THOMAS", "JOHNSON", "ROBERTS", "ROBINSON", "THOMPSON",
    "WRIGHT", "WALKER", "WHITE", "EDWARDS", "HUGHES", "GREEN", "HALL",
    "LEWIS", "HARRIS", "CLARKE", "PATEL", "JACKSON", "WOOD", "TURNER",
    "MARTIN", "COOPER", "HILL", "WARD", "MORRIS", "MOORE", "CLARK", "LEE",
    "KING", "BAKER", "HARRISON", "MORGAN", "ALLEN", "JAMES", "SCOTT",
    "PHILLIPS", "WATSON", "DAVIS", "PARKER", "PRICE", "BENNETT", "YOUNG",
    "GRIFFITHS", "MITCHELL", "KELLY", "COOK", "CARTER", "RICHARDSON",
    "BAILEY", "COLLINS", "BELL", "SHAW", "MURPHY", "MILLER", "COX",
    "RICHARDS", "KHAN", "MARSHALL", "ANDERSON", "SIMPSON", "ELLIS", "ADAMS",
    "SINGH", "BEGUM", "HUSSAIN", "AHMED", "ALI", "AKHTAR", "MAHMOOD",
    "IQBAL", "KAUR", "SHARMA", "CAMPBELL", "FRANCIS", "GRANT", "O'BRIEN",
    "MCDONALD", "NOWAK", "KOWALSKI", "NGUYEN", "OKAFOR", "MENSAH", "ABDI",
    "HASSAN", "MOHAMED", "DA SILVA", "SMITH-JONES", "NG", "WONG",
]
MALE_FORENAMES = [
    "JAMES", "JOHN", "DAVID", "MICHAEL", "DANIEL", "THOMAS", "RYAN", "LIAM",
    "JACK", "CONNOR", "MOHAMMED", "MUHAMMAD", "ADAM", "ALI", "HARRY", "KYLE",
    "JORDAN", "JOSHUA", "LEWIS", "CALLUM", "MARK", "PAUL", "LEE", "DEAN",
    "CRAIG", "JASON", "AARON", "IMRAN", "HASSAN", "AMIR", "TYRONE", "DWAYNE",
    "KAMIL", "PIOTR", "JAKUB", "OLIVER", "GEORGE", "NATHAN", "REECE", "SHANE",
]
FEMALE_FORENAMES = [
    "SARAH", "EMMA", "LAURA", "JESSICA", "CHLOE", "AMY", "REBECCA", "HANNAH",
    "SOPHIE", "GEMMA", "KELLY", "NICOLA", "LISA", "DONNA", "MICHELLE",
    "FATIMA", "AYESHA", "ZARA", "AMINA", "SHANICE", "CHANTELLE", "JADE",
    "LEAH", "DEMI", "OLIVIA", "CHARLOTTE", "ANNA", "AGNIESZKA", "PRIYA",
    "SAMINA",
]

# 2011 census self-defined ethnicity codes (18) plus NS (not stated): the 18+1 of the
# CJS Exchange Data Standards Catalogue 6.0 (Arab is O2, Chinese A4; O1 is a 16+1 code),
# weighted roughly like a West Midlands custody population.
SELF_DEFINED_ETHNICITY = [
    ("W1", 50), ("W2", 1), ("W3", 1), ("W9", 6),
    ("M1", 3), ("M2", 1), ("M3", 1), ("M9", 1),
    ("A1", 4), ("A2", 9), ("A3", 2), ("A4", 1), ("A9", 2),
    ("B1", 4), ("B2", 3), ("B9", 1), ("O2", 2), ("O9", 1), ("NS", 7),
]
# Officer-defined ethnicity (IC codes) most often recorded for each group.
OFFICER_ETHNICITY_FOR = {
    "W": ["IC1", "IC1", "IC1", "IC2"], "M": ["IC3", "IC1", "IC4"],
    "A": ["IC4"], "B": ["IC3"], "O": ["IC6", "IC0"], "N": ["IC1", "IC4", "IC0"],
}

# Police force codes (2 digits as held on the PNC); 20 is West Midlands.
HOME_FORCE = "20"
OTHER_FORCES = ["01", "04", "05", "21", "22", "23", "30", "31", "33", "43"]
WMP_ASN_UNITS = ["BE", "BN", "BW", "CV", "DY", "SH", "SW", "WS", "WV"]
OTHER_ASN_UNITS = ["ZD", "AA", "CB", "HQ", "NA"]

OFFENCE_CODES = [  # illustrative codes in the CJS offence code structure (COML: common law)
    ("TH68010", 14), ("TH68001", 6), ("TH68023", 4), ("CD71001", 8),
    ("CD71038", 3), ("OF61016", 9), ("OF61131", 5), ("PU86017", 6),
    ("MD71230", 7), ("MD71104", 4), ("RT88007", 5), ("RT88191", 3),
    ("FI68001", 3), ("BG68019", 4), ("CJ88116", 3), ("WE59003", 2),
    ("SX03001", 1), ("COML025", 2),
]
DISPOSAL_CODES = [
    ("CHG", 30), ("SUM", 8), ("CAU", 8), ("CCA", 3), ("YCC", 2), ("CRS", 8),
    ("PND", 4), ("NFA", 17), ("RUI", 12), ("BAIL", 3), ("", 5),
]

CUSTODY_STATIONS = ["PBCS", "OBCS", "BLCS", "CVCS", "WVCS", "WACS"]
DETENTION_REASONS = [
    ("OBTAIN_EVIDENCE_BY_QUESTIONING", 55), ("SECURE_PRESERVE_EVIDENCE", 18),
    ("SUFFICIENT_EVIDENCE_TO_CHARGE", 9), ("WARRANT", 8),
    ("BREACH_OF_BAIL", 6), ("RECALL_TO_PRISON", 4),
]
TERRORISM_REASON = "TACT_S41"
POSTPONEMENT_REASONS = [
    "Detainee in interview; interruption would prejudice the investigation",
    "No review officer readily available",
    "Detainee asleep; review completed on waking",
]

TOWNS = [  # name, postcode districts, easting box, northing box, prefix, weight
    ("BIRMINGHAM", ["B5", "B6", "B8", "B10", "B11", "B12", "B13", "B15",
                    "B16", "B17", "B18", "B19", "B20", "B21", "B23", "B24",
                    "B26", "B27", "B28", "B29", "B30", "B31", "B32", "B33",
                    "B34", "B36", "B42", "B44"],
     (399500, 414500), (279000, 294000), "B", 40),
    ("WOLVERHAMPTON", ["WV1", "WV2", "WV3", "WV4", "WV6", "WV10", "WV11"],
     (390500, 396000), (293000, 299500), "WV", 12),
    ("COVENTRY", ["CV1", "CV2", "CV3", "CV4", "CV5", "CV6"],
     (428000, 438500), (274000, 284000), "CV", 14),
    ("DUDLEY", ["DY1", "DY2", "DY3", "DY5", "DY8", "DY9"],
     (390500, 396000), (283000, 292000), "DY", 9),
    ("WALSALL", ["WS1", "WS2", "WS3", "WS5", "WS9"],
     (398000, 404000), (294000, 299500), "WS", 8),
    ("SOLIHULL", ["B90", "B91", "B92", "B93"],
     (412000, 420000), (274000, 281000), "SH", 7),
    ("WEST BROMWICH", ["B70", "B71"],
     (398500, 402000), (290000, 294000), "SW", 6),
    ("SUTTON COLDFIELD", ["B72", "B73", "B74", "B75", "B76"],
     (410000, 415000), (294500, 299500), "BN", 4),
]
LOCALITIES = {
    "BIRMINGHAM": ["EDGBASTON", "HANDSWORTH", "ERDINGTON", "KINGS HEATH",
                   "SMALL HEATH", "SELLY OAK", "ACOCKS GREEN", "NECHELLS",
                   "ASTON", "SPARKHILL", "NORTHFIELD", "HALL GREEN"],
    "WOLVERHAMPTON": ["WHITMORE REANS", "BILSTON", "WEDNESFIELD", "TETTENHALL"],
    "COVENTRY": ["FOLESHILL", "EARLSDON", "TILE HILL", "BELL GREEN"],
    "DUDLEY": ["NETHERTON", "BRIERLEY HILL", "STOURBRIDGE", "SEDGLEY"],
    "WALSALL": ["BLOXWICH", "ALDRIDGE", "DARLASTON", "PELSALL"],
    "SOLIHULL": ["SHIRLEY", "OLTON", "KNOWLE", "ELMDON"],
    "WEST BROMWICH": ["GREETS GREEN", "HATELEY HEATH", "CHARLEMONT"],
    "SUTTON COLDFIELD": ["BOLDMERE", "WYLDE GREEN", "FOUR OAKS", "MERE GREEN"],
}
STREET_NAMES = [
    "CHURCH", "STATION", "PARK", "VICTORIA", "ALBERT", "QUEENS", "KINGS",
    "MILL", "WOODLANDS", "MEADOW", "ELM", "OAK", "ASH", "BEECH", "WILLOW",
    "CHESTNUT", "HAWTHORN", "HOLLY", "GROVE", "NEW", "HIGH", "CASTLE",
    "MANOR", "FARM", "BROOK", "SPRING", "HEATH", "FOREST", "RICHMOND",
    "STRATFORD", "COVENTRY", "WARWICK", "SOHO", "DUDLEY", "LICHFIELD",
    "COLESHILL", "BRISTOL", "HAGLEY", "PERSHORE", "ALCESTER", "WASHWOOD",
    "LADYPOOL", "MOSELEY", "GRANGE", "PRIORY", "ABBEY", "CROSS", "WELLINGTON",
]
STREET_TYPES = ["ROAD", "STREET", "LANE", "AVENUE", "CLOSE", "DRIVE",
                "GROVE", "CRESCENT", "WAY", "PLACE"]
# fmt: on
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # letters allowed in an inward code

# ---------------------------------------------------------------------------
# Check characters
# ---------------------------------------------------------------------------


def check_character(digits: str) -> str:
    """Modulus-23 check character over a string of digits (Python int, no float)."""
    return CHECK_ALPHABET[int(digits) % 23]


def format_pnc_id(year: int, serial: int) -> str:
    """Full PNC ID, e.g. 2001/0171310W."""
    return f"{year:04d}/{serial:07d}" + check_character(f"{year % 100:02d}{serial:07d}")


def format_cro_number(serial: int, year: int) -> str:
    """Standard-form CRO number, e.g. 45123/08K (serial is not zero padded)."""
    yy = f"{year % 100:02d}"
    return f"{serial}/{yy}" + check_character(f"{yy}{serial:06d}")


def format_asn(year: int, force: str, unit: str, system: str, sequence: int) -> str:
    """20-character Arrest/Summons Number; the unit is excluded from the check."""
    yy = f"{year % 100:02d}"
    body = f"{yy}{force}{unit}{system}{sequence:011d}"
    return body + check_character(f"{force}{system}{yy}{sequence:011d}")


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    values = [value for value, _ in choices]
    weights = [weight for _, weight in choices]
    return rng.choices(values, weights=weights)[0]


def random_datetime(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    """A whole-second datetime in [start, end]."""
    span = int((end - start).total_seconds())
    return start + dt.timedelta(seconds=rng.randint(0, max(span, 0)))


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def age_on(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def cell(value) -> str:
    """Render one value as CSV/fixed-width text."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def dataset_rng(name: str) -> random.Random:
    return random.Random(f"{SEED}:{name}")


# ---------------------------------------------------------------------------
# Clean data: gazetteer
# ---------------------------------------------------------------------------


def make_postcode(rng: random.Random, district: str) -> str:
    return f"{district} {rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"


def area_prefix(prefix: str, easting: int) -> str:
    """Neighbourhood area prefix; Birmingham is split east/west at the city centre."""
    if prefix != "B":
        return prefix
    return "BW" if easting < 407000 else "BE"


def make_streets(rng: random.Random) -> list[dict]:
    """Streets with a USRN, town, locality, postcodes and a centre point."""
    streets, usrn, seen = [], 27000000, set()
    for town, districts, (e0, e1), (n0, n1), prefix, weight in TOWNS:
        for _ in range(weight * 3):
            while True:
                name = f"{rng.choice(STREET_NAMES)} {rng.choice(STREET_TYPES)}"
                district = rng.choice(districts)
                if (town, name, district) not in seen:
                    seen.add((town, name, district))
                    break
            usrn += rng.randint(1, 60)
            easting, northing = rng.randint(e0 + 300, e1 - 300), rng.randint(n0 + 300, n1 - 300)
            streets.append(
                {
                    "usrn": usrn,
                    "street": name,
                    "town": town,
                    "locality": rng.choice(LOCALITIES[town] + [None]),
                    "postcodes": [make_postcode(rng, district) for _ in range(rng.randint(1, 3))],
                    "easting": easting,
                    "northing": northing,
                    "box": ((e0, e1), (n0, n1)),
                    "neighbourhood": f"{area_prefix(prefix, easting)}{rng.randint(1, 20):02d}",
                }
            )
    return streets


def next_uprn(rng: random.Random, counters: dict) -> int:
    """UPRNs from two blocks (older 12-digit, newer 11-digit); always unique."""
    block = "new" if rng.random() < 0.15 else "old"
    counters[block] += rng.randint(1, 250)
    return counters[block]


def address_status(rng: random.Random) -> tuple[str, str | None]:
    """BLPU logical status and a state that fits it."""
    # A BLPU never has logical status 3 (alternative: an LPI's status), so none is drawn;
    # its old share went to 6 in place, so the draws of every other row are unchanged.
    status = weighted(rng, [("1", 88), ("6", 3), ("5", 2), ("6", 2), ("7", 1), ("8", 4)])
    state = {"1": "2", "5": None, "6": "1", "7": None, "8": "4"}[status]
    if status == "1" and rng.random() < 0.04:
        state = "3"
    return status, state


def build_addresses(rng: random.Random) -> list[dict]:
    streets = make_streets(rng)
    counters = {"old": 100070000000, "new": 10090000000}
    rows: list[dict] = []
    while len(rows) < ROW_COUNTS["addresses"]:
        street = rng.choice(streets)
        number = street.setdefault("next_number", 1)
        street["next_number"] = number + rng.choice([1, 2, 2, 2, 4])
        flats = rng.randint(2, 6) if rng.random() < 0.1 else 0
        (e0, e1), (n0, n1) = street["box"]
        # Flats in one building share its postcode and (nearly) its point.
        postcode = rng.choice(street["postcodes"])
        easting = street["easting"] + rng.randint(-250, 250)
        northing = street["northing"] + rng.randint(-250, 250)
        for sao in [f"FLAT {i}" for i in range(1, flats + 1)] or [None]:
            if len(rows) >= ROW_COUNTS["addresses"]:
                break
            status, state = address_status(rng)
            rows.append(
                {
                    "address_id": f"ADR{len(rows) + 1:07d}",
                    "uprn": next_uprn(rng, counters),
                    "usrn": street["usrn"],
                    "sao": sao,
                    "pao_start_number": None if rng.random() < 0.03 else number,
                    "street": street["street"],
                    "locality": street["locality"],
                    "town": street["town"],
                    "postcode": postcode,
                    "easting": min(max(easting + rng.randint(-3, 3), e0), e1),
                    "northing": min(max(northing + rng.randint(-3, 3), n0), n1),
                    "logical_status": status,
                    "blpu_state": state,
                    # OS RPCCode: 1-3 are precise (3: transitional, high accuracy).
                    "rpc": weighted(rng, [("1", 85), ("2", 13), ("3", 2)]),
                    "neighbourhood_code": street["neighbourhood"],
                }
            )
    return rows


# ---------------------------------------------------------------------------
# Clean data: PNC nominals
# ---------------------------------------------------------------------------

AGE_BANDS = [
    ((12, 17), 12),
    ((18, 24), 25),
    ((25, 34), 28),
    ((35, 44), 18),
    ((45, 59), 13),
    ((60, 80), 4),
]


def make_date_of_birth(rng: random.Random) -> dt.date:
    low, high = rng.choices(
        [band for band, _ in AGE_BANDS], weights=[weight for _, weight in AGE_BANDS]
    )[0]
    age = rng.randint(low, high)
    return dt.date(2024 - age, 1, 1) + dt.timedelta(days=rng.randint(0, 364))


def make_forename(rng: random.Random, gender: str) -> str:
    if gender == "M":
        return rng.choice(MALE_FORENAMES)
    if gender == "F":
        return rng.choice(FEMALE_FORENAMES)
    return rng.choice(MALE_FORENAMES + FEMALE_FORENAMES)


def build_nominals(rng: random.Random, postcodes: list[str]) -> list[dict]:
    rows, pnc_serials, cro_serials = [], set(), set()
    for n in range(1, ROW_COUNTS["nominals"] + 1):
        gender = weighted(rng, [("M", 78), ("F", 20), ("U", 2)])
        born = make_date_of_birth(rng)
        pnc_year = rng.randint(max(born.year + 11, 1995), 2024)
        created = random_datetime(
            rng,
            dt.datetime(pnc_year, 1, 1),
            min(dt.datetime(pnc_year, 12, 31, 23, 59, 59), dt.datetime(2024, 12, 20)),
        )
        serial = rng.randint(1, 9_999_999)
        while (pnc_year, serial) in pnc_serials:
            serial = rng.randint(1, 9_999_999)
        pnc_serials.add((pnc_year, serial))
        cro = None
        if rng.random() < 0.7:
            cro_serial = rng.randint(1, 999_999)
            while cro_serial in cro_serials:
                cro_serial = rng.randint(1, 999_999)
            cro_serials.add(cro_serial)
            cro = format_cro_number(cro_serial, rng.randint(pnc_year, min(pnc_year + 2, 2024)))
        rows.append(
            {
                "nominal_ref": f"N{n:07d}",
                "pnc_id": format_pnc_id(pnc_year, serial),
                "cro_number": cro,
                "surname": rng.choice(SURNAMES),
                "forename": make_forename(rng, gender),
                "date_of_birth": born,
                "gender": gender,
                "self_defined_ethnicity": weighted(rng, SELF_DEFINED_ETHNICITY),
                "postcode": None if rng.random() < 0.05 else rng.choice(postcodes),
                "created_at": created,
            }
        )
    return rows


# ---------------------------------------------------------------------------
# Clean data: PNC arrest/summons
# ---------------------------------------------------------------------------


def entry_delay(rng: random.Random) -> dt.timedelta:
    """Time from arrest to PNC entry: mostly hours, a few days late."""
    band = weighted(rng, [("fast", 70), ("slow", 25), ("late", 5)])
    low, high = {"fast": (30, 360), "slow": (360, 1440), "late": (1440, 5760)}[band]
    return minutes(rng.randint(low, high))


def build_arrest_summons(rng: random.Random, nominals: list[dict]) -> list[dict]:
    rows, sequence = [], 400_000
    window_start, window_end = dt.datetime(2016, 1, 1), dt.datetime(2024, 12, 28, 20, 0)
    for n in range(1, ROW_COUNTS["arrest_summons"] + 1):
        nominal = rng.choice(nominals)
        arrested = random_datetime(rng, max(window_start, nominal["created_at"]), window_end)
        force = HOME_FORCE if rng.random() < 0.88 else rng.choice(OTHER_FORCES)
        unit = rng.choice(WMP_ASN_UNITS if force == HOME_FORCE else OTHER_ASN_UNITS)
        system = rng.choice(["01", "01", "01", "05"])
        sequence += rng.randint(1, 40)
        rows.append(
            {
                "as_ref": f"AS{n:07d}",
                "nominal_ref": nominal["nominal_ref"],
                "asn": format_asn(arrested.year, force, unit, system, sequence),
                "arrest_datetime": arrested,
                "pnc_entered_datetime": arrested + entry_delay(rng),
                "offence_code": weighted(rng, OFFENCE_CODES),
                "force_code": force,
                "disposal_code": weighted(rng, DISPOSAL_CODES) or None,
            }
        )
    return rows


# ---------------------------------------------------------------------------
# Clean data: custody records and PACE reviews
# ---------------------------------------------------------------------------


def detention_hours(rng: random.Random, terrorism: bool) -> float:
    if terrorism:
        return rng.uniform(20, 96)
    low, high = rng.choices(
        [(2, 6), (6, 15), (15, 24), (24, 36), (36, 60)], weights=[38, 36, 17, 7, 2]
    )[0]
    return rng.uniform(low, high)


def officer_ethnicity(rng: random.Random, sde: str) -> str:
    return rng.choice(OFFICER_ETHNICITY_FOR[sde[0]])


def appropriate_adult(rng: random.Random, juvenile: bool) -> str | None:
    if juvenile:
        return "Y"
    return weighted(rng, [("N", 85), ("", 10), ("Y", 5)]) or None


def build_custody_records(rng: random.Random, nominals: list[dict]) -> list[dict]:
    rows, sequence = [], 100_000
    for _ in range(ROW_COUNTS["custody_records"]):
        person = rng.choice(nominals)
        arrested = random_datetime(rng, dt.datetime(2024, 1, 1), dt.datetime(2024, 12, 29))
        arrived = arrested + minutes(rng.randint(10, 90))
        authorised = arrived + minutes(rng.randint(5, 60))
        terrorism = rng.random() < 0.01
        released = authorised + dt.timedelta(hours=detention_hours(rng, terrorism))
        released = released.replace(microsecond=0)
        charged = None
        if not terrorism and rng.random() < 0.45:
            charged = authorised + (released - authorised) * rng.uniform(0.6, 0.95)
            charged = charged.replace(microsecond=0)
        age = age_on(person["date_of_birth"], arrived.date())
        sequence += rng.randint(1, 3)
        rows.append(
            {
                "custody_ref": f"WM/C/{sequence:07d}",
                "station_code": rng.choice(CUSTODY_STATIONS),
                "arrest_datetime": arrested,
                "arrival_datetime": arrived,
                "detention_authorised_datetime": authorised,
                "charge_datetime": charged,
                "release_datetime": released,
                "date_of_birth": person["date_of_birth"],
                "surname": person["surname"],
                "forename": person["forename"],
                "age_at_arrival": age,
                "juvenile": "Y" if age < 18 else "N",
                "appropriate_adult": appropriate_adult(rng, age < 18),
                "officer_ethnicity": officer_ethnicity(rng, person["self_defined_ethnicity"]),
                "self_defined_ethnicity": person["self_defined_ethnicity"],
                "detention_reason": TERRORISM_REASON
                if terrorism
                else weighted(rng, DETENTION_REASONS),
                "terrorism_act": "Y" if terrorism else "N",
            }
        )
    return rows


def review_schedule(rng: random.Random, record: dict) -> list[tuple[dt.datetime, str, str]]:
    """(when, type, rank) of each review due while the detainee was held."""
    start, end = record["detention_authorised_datetime"], record["release_datetime"]
    reviews = []
    if record["terrorism_act"] == "Y":
        # Terrorism Act 2000 Sch. 8: first review soon after arrest, later ones 10-11 h
        # apart by the wall clock (12 h is the limit, in real hours), and none once a
        # warrant of further detention is issued (here 46 h after arrest when held > 48 h).
        arrested = record["arrest_datetime"]
        warrant = None
        if police.real_hours(arrested, end) > 48:
            warrant = arrested + dt.timedelta(hours=46)
            reviews.append((warrant, "WARRANT_FURTHER_DETENTION", "SUPT"))
        when = start + minutes(rng.randint(600, 720) // 10)
        while when < (warrant or end):
            rank = "INSP" if when - start < dt.timedelta(hours=24) else "SUPT"
            reviews.append((when, "TACT_REVIEW", rank))
            when += minutes(rng.randint(660, 720) - 60)
        return sorted(reviews)
    # Wall-clock spacing that stays inside PACE in real hours across a clock change:
    # first review 4-5 h after authorisation (due by 6 h), later ones 7-8 h apart (9 h).
    when = start + minutes(rng.randint(240, 300))
    review_type = "PACE_FIRST"
    while when < end:
        reviews.append((when, review_type, "CI" if rng.random() < 0.1 else "INSP"))
        review_type = "PACE_SUBSEQUENT"
        when += minutes(rng.randint(420, 480))
    # Limits run from the relevant time (arrival, or arrest for a voluntary attender)
    # until charge, in real hours.
    relevant = custody_rules.relevant_time(record)
    held = police.real_hours(relevant, record["charge_datetime"] or end)
    if held > 24:
        reviews.append((relevant + minutes(rng.randint(1320, 1380)), "SUPT_EXTENSION", "SUPT"))
    if held > 36:
        reviews.append(
            (relevant + minutes(rng.randint(1980, 2100)), "WARRANT_FURTHER_DETENTION", "SUPT")
        )
    return sorted(reviews)


def build_reviews(rng: random.Random, custody: list[dict]) -> list[dict]:
    rows = []
    for record in custody:
        for when, review_type, rank in review_schedule(rng, record):
            postponed = rng.random() < 0.04
            rows.append(
                {
                    "review_ref": f"WM/R/{len(rows) + 1:07d}",
                    "custody_ref": record["custody_ref"],
                    "review_datetime": when,
                    "review_type": review_type,
                    "reviewing_officer_rank": rank,
                    "postponed": "Y" if postponed else "N",
                    "postponement_reason": rng.choice(POSTPONEMENT_REASONS) if postponed else None,
                }
            )
    return rows


# ---------------------------------------------------------------------------
# Defect injection
# ---------------------------------------------------------------------------


class DefectLog:
    """Collects manifest entries: which key each rule must fail on."""

    def __init__(self) -> None:
        self.entries: list[dict] = []

    def record(
        self,
        dataset_id: str,
        rows: list[dict],
        index: int,
        rule_id: str,
        column: str,
        kind: str,
        suite: str | None = None,
    ) -> None:
        spec = DATASETS[dataset_id]
        self.entries.append(
            {
                "suite": suite or spec["suite"],
                "rule_id": rule_id,
                "system": spec["system"],
                "dataset": spec["dataset"],
                "key": rows[index][spec["key"]],
                "line": index + 2,
                "column": column,
                "kind": kind,
            }
        )

    def sorted_entries(self) -> list[dict]:
        order = {suite: i for i, suite in enumerate(SUITE_ORDER)}
        return sorted(self.entries, key=lambda e: (order[e["suite"]], e["rule_id"], e["line"]))


class Injector:
    """Plants defects in one dataset, never twice on the same row."""

    def __init__(self, log: DefectLog, dataset_id: str, rows: list[dict], rng: random.Random):
        self.log, self.dataset_id, self.rows, self.rng = log, dataset_id, rows, rng
        self.key = DATASETS[dataset_id]["key"]
        self.used: set[int] = set()

    def pick(self, where=None) -> int:
        for _ in range(100_000):
            index = self.rng.randrange(len(self.rows))
            if index not in self.used and (where is None or where(self.rows[index])):
                self.used.add(index)
                return index
        raise RuntimeError(f"no clean row left in {self.dataset_id} for this defect")

    def record(
        self, index: int, rule_id: str, column: str, kind: str, suite: str | None = None
    ) -> None:
        self.log.record(self.dataset_id, self.rows, index, rule_id, column, kind, suite)

    def set_values(self, rule_id: str, column: str, variants, where=None) -> None:
        """variants: (kind, make) pairs; make(row) returns the bad value."""
        for kind, make in variants:
            index = self.pick(where)
            self.rows[index][column] = make(self.rows[index])
            self.record(index, rule_id, column, kind)

    def blank(self, rule_id: str, column: str, count: int, where=None) -> None:
        self.set_values(rule_id, column, [(f"{column} missing", lambda row: None)] * count, where)

    def duplicate(self, rule_id: str, column: str, pairs: int, where=None) -> None:
        """Copy a value onto another row; both rows then fail a uniqueness rule."""
        key = DATASETS[self.dataset_id]["key"]
        for _ in range(pairs):
            first, second = self.pick(where), self.pick(where)
            self.rows[second][column] = self.rows[first][column]
            for this, other in ((first, second), (second, first)):
                self.record(
                    this, rule_id, column, f"duplicate {column} (also on {self.rows[other][key]})"
                )

    def mutate(self, rule_id: str, column: str, kind: str, change, where=None) -> None:
        """change(row) edits the row in place (for multi-column defects)."""
        index = self.pick(where)
        change(self.rows[index])
        self.record(index, rule_id, column, kind)


def uk_style(day: dt.date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def inject_nominals(inj: Injector) -> None:
    has_cro = lambda row: row["cro_number"] is not None  # noqa: E731
    has_postcode = lambda row: row["postcode"] is not None  # noqa: E731
    inj.blank("PNC-NOM-004", "pnc_id", 6)
    inj.duplicate("PNC-NOM-005", "pnc_id", 4)
    inj.set_values(
        "PNC-NOM-006",
        "pnc_id",
        [
            (
                "wrong check character",
                lambda r: r["pnc_id"][:-1] + police.other_letter(r["pnc_id"][-1]),
            ),
            ("six-digit serial", lambda r: r["pnc_id"][:5] + r["pnc_id"][6:]),
            ("eight-digit serial", lambda r: r["pnc_id"][:5] + "0" + r["pnc_id"][5:]),
            ("separator missing", lambda r: r["pnc_id"].replace("/", "")),
            ("lower-case check character", lambda r: r["pnc_id"][:-1] + r["pnc_id"][-1].lower()),
            ("check character outside the alphabet", lambda r: r["pnc_id"][:-1] + "I"),
            ("embedded space", lambda r: r["pnc_id"][:5] + " " + r["pnc_id"][5:]),
        ],
    )
    inj.set_values(
        "PNC-NOM-007",
        "cro_number",
        [
            (
                "seven-digit serial",
                lambda r: (
                    "1"
                    + r["cro_number"].split("/")[0].zfill(6)
                    + "/"
                    + r["cro_number"].split("/")[1]
                ),
            ),
            ("single-digit year", lambda r: r["cro_number"][:-3] + r["cro_number"][-2:]),
            ("hyphen separator", lambda r: r["cro_number"].replace("/", "-")),
            ("CRO prefix keyed into the field", lambda r: "CRO " + r["cro_number"]),
            ("check character missing", lambda r: r["cro_number"][:-1]),
        ],
        where=has_cro,
    )
    inj.set_values(
        "PNC-NOM-008",
        "surname",
        [
            (
                "alias text keyed into surname",
                lambda r: f"{r['surname']} ALSO KNOWN AS {r['forename']} - SEE PNC WARNING MARKERS",
            ),
        ]
        * 3,
    )
    inj.set_values(
        "PNC-NOM-009",
        "date_of_birth",
        [
            ("placeholder date 1900-01-01", lambda r: "1900-01-01"),
            (
                "century keyed wrongly (future)",
                lambda r: r["date_of_birth"].replace(year=r["date_of_birth"].year + 100),
            ),
            ("text instead of a date", lambda r: "not known"),
            ("text instead of a date", lambda r: "UNKNOWN"),
            ("UK-style date, not ISO", lambda r: uk_style(r["date_of_birth"])),
            ("UK-style date, not ISO", lambda r: uk_style(r["date_of_birth"])),
            ("impossible date", lambda r: f"{r['date_of_birth'].year}-02-30"),
            ("zeroed date", lambda r: "00/00/0000"),
        ],
        where=lambda r: not (r["date_of_birth"].month == 2 and r["date_of_birth"].day == 29),
    )
    inj.set_values(
        "PNC-NOM-010",
        "gender",
        [
            ("gender as a word", lambda r: "Male"),
            ("unknown code", lambda r: "X"),
            ("lower-case code", lambda r: "m"),
            ("numeric code", lambda r: "0"),
        ],
    )
    inj.set_values(
        "PNC-NOM-011",
        "self_defined_ethnicity",
        [
            ("officer-defined IC code in the self-defined field", lambda r: "IC1"),
            ("code not in the 18+1 list", lambda r: "W5"),
            ("legacy 16+1 code O1 (Chinese; A4 in the 18+1)", lambda r: "O1"),
            ("free text", lambda r: "white"),
            ("category letter only", lambda r: "A"),
        ],
    )
    inj.set_values(
        "PNC-NOM-012",
        "postcode",
        [
            ("lower-case postcode", lambda r: r["postcode"].lower()),
            ("space missing", lambda r: r["postcode"].replace(" ", "")),
            ("double space", lambda r: r["postcode"].replace(" ", "  ")),
            ("inward code truncated", lambda r: r["postcode"][:-1]),
            ("no fixed abode keyed as postcode", lambda r: "NFA"),
            ("letters not used in inward codes", lambda r: r["postcode"][:-2] + "CI"),
        ],
        where=has_postcode,
    )
    police.inject_nominal_rules(inj)


def inject_arrest_summons(inj: Injector) -> None:
    asn = lambda r: r["asn"]  # noqa: E731
    inj.blank("PNC-AS-004", "nominal_ref", 4)
    inj.blank("PNC-AS-005", "asn", 5)
    inj.duplicate("PNC-AS-006", "asn", 3)
    inj.set_values(
        "PNC-AS-007",
        "asn",
        [
            ("sequence digit missing (19 characters)", lambda r: asn(r)[:8] + asn(r)[9:]),
            ("lower-case check character", lambda r: asn(r)[:-1] + asn(r)[-1].lower()),
            ("letter O keyed for zero", lambda r: asn(r)[:10] + "O" + asn(r)[11:]),
            ("check character outside the alphabet", lambda r: asn(r)[:-1] + "I"),
            ("lower-case unit code", lambda r: asn(r)[:4] + asn(r)[4:6].lower() + asn(r)[6:]),
            ("hyphen in the sequence", lambda r: asn(r)[:8] + "-" + asn(r)[9:]),
        ],
    )
    # Arrest times pushed earlier only, so PNC entry still follows arrest.
    inj.set_values(
        "PNC-AS-008",
        "arrest_datetime",
        [
            ("placeholder datetime 1900-01-01", lambda r: dt.datetime(1900, 1, 1)),
            ("placeholder datetime 1900-01-01", lambda r: dt.datetime(1900, 1, 1)),
            ("epoch default (1970) in local time", lambda r: dt.datetime(1970, 1, 1, 1, 0)),
            (
                "year keyed a decade early",
                lambda r: r["arrest_datetime"].replace(year=r["arrest_datetime"].year - 10),
            ),
        ],
        where=lambda r: (
            r["arrest_datetime"] is not None
            and not (r["arrest_datetime"].month == 2 and r["arrest_datetime"].day == 29)
        ),
    )

    def entered_before_arrest(row: dict) -> None:
        row["pnc_entered_datetime"] = row["arrest_datetime"] - minutes(inj.rng.randint(30, 2880))

    for _ in range(6):
        inj.mutate(
            "PNC-AS-009",
            "pnc_entered_datetime",
            "PNC entry before the arrest",
            entered_before_arrest,
            where=lambda r: r["arrest_datetime"] is not None and r["arrest_datetime"].year >= 2016,
        )
    inj.set_values(
        "PNC-AS-010",
        "offence_code",
        [
            ("digit missing", lambda r: r["offence_code"][:-1]),
            ("lower-case code", lambda r: r["offence_code"].lower()),
            ("embedded space", lambda r: r["offence_code"][:2] + " " + r["offence_code"][2:]),
            ("too long", lambda r: r["offence_code"] + "AB"),
            ("letters missing", lambda r: r["offence_code"][2:]),
        ],
    )
    home = lambda r: r["force_code"] == HOME_FORCE  # noqa: E731
    inj.set_values(
        "PNC-AS-011",
        "force_code",
        [
            ("force initials instead of code", lambda r: "WM"),
            ("leading zero lost in a spreadsheet", lambda r: "2"),
            ("unknown force", lambda r: "99"),
            ("three-digit code", lambda r: "020"),
        ],
        where=home,
    )
    inj.set_values(
        "PNC-AS-012",
        "disposal_code",
        [
            ("disposal as a word", lambda r: "Charged"),
            ("lower-case code", lambda r: "chg"),
            ("Home Office outcome code instead of PNC disposal", lambda r: "OC1"),
            ("unknown code", lambda r: "X"),
            ("code with punctuation", lambda r: "NFA."),
        ],
    )
    police.inject_arrest_summons_rules(inj)


def inject_addresses(inj: Injector) -> None:
    uprn = lambda r: str(r["uprn"])  # noqa: E731
    inj.blank("GAZ-ADR-003", "uprn", 5)
    inj.duplicate("GAZ-ADR-004", "uprn", 3)
    inj.set_values(
        "GAZ-ADR-005",
        "uprn",
        [
            ("spreadsheet scientific notation", lambda r: f"{int(r['uprn']):.4E}"),
            ("13 digits", lambda r: uprn(r) + "0"),
            ("leading zero", lambda r: "0" + uprn(r)),
            ("prefix keyed into the field", lambda r: "UPRN" + uprn(r)),
            ("hyphenated", lambda r: uprn(r)[:6] + "-" + uprn(r)[6:]),
        ],
        where=lambda r: len(str(r["uprn"])) == 12,
    )
    for kind, make, unknown in (
        ("lower-case postcode", lambda r: r["postcode"].lower(), False),
        ("space missing", lambda r: r["postcode"].replace(" ", ""), False),
        ("trailing full stop", lambda r: r["postcode"] + ".", True),
        ("placeholder text", lambda r: "TBC", True),
    ):
        index = inj.pick()
        inj.rows[index]["postcode"] = make(inj.rows[index])
        inj.record(index, "GAZ-ADR-006", "postcode", kind)
        if unknown:  # the directory is searched without case or spaces, not punctuation
            inj.record(index, "GAZ-REF-001", "postcode", kind, suite="gazetteer_address_references")

    def swap_coordinates(row: dict) -> None:
        row["easting"], row["northing"] = row["northing"], row["easting"]

    # A point that is wrong lies outside the force and in no neighbourhood; one that is
    # a number is also far from its postcode (text that is not a number has no distance).
    def log_point(index: int, column: str, kind: str, measurable: bool) -> None:
        inj.record(index, "GAZ-GEO-001", column, kind)
        inj.record(index, "GAZ-GEO-002", column, kind)
        if measurable:
            inj.record(index, "GAZ-REF-002", column, kind, suite="gazetteer_address_references")

    for _ in range(3):
        index = inj.pick()
        swap_coordinates(inj.rows[index])
        log_point(index, "easting", "easting and northing swapped", True)
    for column, kind, make, measurable in (
        ("easting", "zero coordinate", lambda r: 0, True),
        ("easting", "NA text (not a number)", lambda r: "NA", False),
        ("northing", "zero coordinate", lambda r: 0, True),
        (
            "northing",
            "letter O keyed for zero",
            lambda r: str(r["northing"])[:2] + "O" + str(r["northing"])[3:],
            False,
        ),
    ):
        index = inj.pick()
        inj.rows[index][column] = make(inj.rows[index])
        log_point(index, column, kind, measurable)
    inj.set_values(
        "GAZ-ADR-009",
        "logical_status",
        [
            ("code not in the BLPU list", lambda r: "2"),
            ("letter code", lambda r: "A"),
            ("alternative (3): an LPI status, never a BLPU's", lambda r: "3"),
            ("zero-padded code", lambda r: "01"),
        ],
    )
    inj.set_values(
        "GAZ-ADR-011",
        "pao_start_number",
        [
            ("suffix keyed into the number", lambda r: f"{r['pao_start_number']}A"),
            (
                "range keyed into the number",
                lambda r: f"{r['pao_start_number']}-{r['pao_start_number'] + 2}",
            ),
            ("zero", lambda r: "0"),
            ("negative", lambda r: f"-{r['pao_start_number']}"),
            ("NA text (not a number)", lambda r: "NA"),
        ],
        where=lambda r: r["pao_start_number"] is not None,
    )
    small = lambda r: int(r["neighbourhood_code"][2:]) < 10  # noqa: E731
    for kind, make in (
        ("neighbourhood number 00", lambda r: r["neighbourhood_code"][:2] + "00"),
        ("lower-case code", lambda r: r["neighbourhood_code"].lower()),
        (
            "number not zero-padded",
            lambda r: r["neighbourhood_code"][:2] + str(int(r["neighbourhood_code"][2:])),
        ),
        ("unknown area prefix", lambda r: "XX" + r["neighbourhood_code"][2:]),
    ):
        index = inj.pick(small)
        inj.rows[index]["neighbourhood_code"] = make(inj.rows[index])
        inj.record(index, "GAZ-ADR-012", "neighbourhood_code", kind)
        inj.record(index, "GAZ-GEO-002", "neighbourhood_code", kind)  # no such polygon here
    police.inject_gazetteer_rules(inj)


CUSTODY_TIMES = [
    "arrest_datetime",
    "arrival_datetime",
    "detention_authorised_datetime",
    "charge_datetime",
    "release_datetime",
]


def shift_custody_times(row: dict, new_year: int) -> None:
    """Move a whole record to another year (keeps every time in order)."""
    delta = row["arrival_datetime"].replace(year=new_year) - row["arrival_datetime"]
    for column in CUSTODY_TIMES:
        if row[column] is not None:
            row[column] = row[column] + delta


def inject_custody_records(inj: Injector) -> None:
    rng = inj.rng
    mid_year = lambda r: 2 <= r["arrest_datetime"].month <= 11  # noqa: E731

    def arrival_before_arrest(row: dict) -> None:
        row["arrival_datetime"] = row["arrest_datetime"] - minutes(rng.randint(15, 50))

    def release_before_authorised(row: dict) -> None:
        row["release_datetime"] = row["detention_authorised_datetime"] - minutes(
            rng.randint(10, 120)
        )

    def charge_after_release(row: dict) -> None:
        row["charge_datetime"] = row["release_datetime"] + minutes(rng.randint(20, 90))

    # Kept short (and adult) so the planted error trips only the order rules, not the PACE
    # limits, reviews or juvenile rules of the derived custody_pace suite.
    def short(r: dict, hours: float = 20) -> bool:
        held = custody_rules.hours_before_charge(r)
        return held < hours and r["age_at_arrival"] >= 19 and r["voluntary_attendance"] == "N"

    for _ in range(5):
        inj.mutate(
            "CUS-003",
            "arrival_datetime",
            "arrival at custody before the arrest",
            arrival_before_arrest,
            where=lambda r: mid_year(r) and short(r),
        )
    for _ in range(6):
        index = inj.pick(
            lambda r: (
                r["charge_datetime"] is None
                and mid_year(r)
                and r["voluntary_attendance"] == "N"
                and r["terrorism_act"] == "N"
            )
        )
        release_before_authorised(inj.rows[index])
        for rule_id in ("CUS-003", "CUS-004"):
            inj.record(index, rule_id, "release_datetime", "release before detention authorised")
    for _ in range(4):
        inj.mutate(
            "CUS-004",
            "charge_datetime",
            "charge recorded after release",
            charge_after_release,
            where=lambda r: r["charge_datetime"] is not None and mid_year(r) and short(r),
        )
    for new_year, kind in (
        (1900, "migrated record with default year 1900"),
        (1900, "migrated record with default year 1900"),
        (2034, "whole record keyed with year 2034"),
    ):
        # Released before any review fell due: the reviews stay in 2024.
        inj.mutate(
            "CUS-006",
            "arrival_datetime",
            kind,
            lambda row, y=new_year: shift_custody_times(row, y),
            where=lambda r: mid_year(r) and r["arrival_datetime"].month != 2 and short(r, 3.5),
        )
    inj.set_values(
        "CUS-007",
        "date_of_birth",
        [
            ("text instead of a date", lambda r: "not known"),
            ("text instead of a date", lambda r: "not known"),
            ("UK-style date, not ISO", lambda r: uk_style(r["date_of_birth"])),
            ("impossible date", lambda r: f"{r['date_of_birth'].year}-02-30"),
            ("placeholder date before 1910", lambda r: "1899-12-31"),
            ("date of birth in the future", lambda r: r["date_of_birth"].replace(year=2031)),
        ],
        where=lambda r: not (r["date_of_birth"].month == 2 and r["date_of_birth"].day == 29),
    )
    adult = lambda r: r["juvenile"] == "N"  # noqa: E731
    juvenile = lambda r: r["juvenile"] == "Y"  # noqa: E731
    inj.set_values(
        "CUS-008",
        "age_at_arrival",
        [
            ("impossible age", lambda r: "250"),
            ("text instead of a number", lambda r: "unknown"),
            ("age below criminal responsibility", lambda r: "4"),
            ("negative age", lambda r: "-1"),
            ("letter O keyed for zero", lambda r: "3O"),
        ],
        where=adult,
    )
    # Age at arrival is derived from date of birth in the custody_pace suite.
    for rule_id, value, kind, count in (
        ("PACE-008", "N", "juvenile detained without an appropriate adult", 4),
        ("PACE-009", None, "appropriate adult not recorded for a juvenile", 3),
    ):
        for _ in range(count):
            index = inj.pick(juvenile)
            inj.rows[index]["appropriate_adult"] = value
            inj.record(index, rule_id, "appropriate_adult", kind, suite="custody_pace")
    inj.set_values(
        "CUS-011",
        "officer_ethnicity",
        [
            ("self-defined code in the officer-defined field", lambda r: "W1"),
            ("code not in IC0-IC6", lambda r: "IC7"),
            ("embedded space", lambda r: "IC 1"),
            ("lower-case code", lambda r: "ic1"),
        ],
    )
    inj.set_values(
        "CUS-012",
        "detention_reason",
        [
            ("free text reason", lambda r: "questioning"),
            ("catch-all code", lambda r: "OTHER"),
            ("free text reason", lambda r: "SEE CUSTODY RECORD"),
            ("free text reason", lambda r: "Secure evidence"),
        ],
        where=lambda r: r["terrorism_act"] == "N",
    )
    custody_rules.inject_custody_flags(inj)


def inject_reviews(inj: Injector) -> None:
    ref = lambda r: r["custody_ref"]  # noqa: E731
    # Reviews that cannot be linked, dated or typed are planted on Terrorism Act reviews,
    # which the PACE rules exclude, so they trip only the rule they target.
    tact = lambda r: r["review_type"] == "TACT_REVIEW"  # noqa: E731
    inj.blank("CUS-REV-003", "custody_ref", 4, where=tact)
    inj.set_values(
        "CUS-REV-004",
        "custody_ref",
        [
            ("separators missing", lambda r: ref(r).replace("/", "")),
            ("lower-case prefix", lambda r: ref(r).lower()),
            ("eight-digit number", lambda r: ref(r)[:5] + "0" + ref(r)[5:]),
            ("hyphen separators", lambda r: ref(r).replace("/", "-")),
        ],
        where=tact,
    )
    inj.blank("CUS-REV-005", "review_datetime", 3, where=tact)
    inj.set_values(
        "CUS-REV-006",
        "review_datetime",
        [
            ("text instead of a date", lambda r: "not known"),
            (
                "UK-style datetime, not ISO",
                lambda r: r["review_datetime"].strftime("%d/%m/%Y %H:%M"),
            ),
            ("impossible month", lambda r: r["review_datetime"].strftime("%Y-13-%d %H:%M:%S")),
            ("impossible date", lambda r: r["review_datetime"].strftime("%Y-02-30 %H:%M:%S")),
            ("year keyed as 2204", lambda r: r["review_datetime"].replace(year=2204)),
            ("placeholder datetime 1900-01-01", lambda r: dt.datetime(1900, 1, 1)),
        ],
        where=lambda r: (
            tact(r) and not (r["review_datetime"].month == 2 and r["review_datetime"].day == 29)
        ),
    )
    inj.set_values(
        "CUS-REV-007",
        "review_type",
        [
            ("type not in the code list", lambda r: "PACE"),
            ("free text type", lambda r: "FIRST REVIEW"),
            ("lower-case code", lambda r: r["review_type"].lower()),
        ],
        where=tact,
    )
    inj.set_values(
        "CUS-REV-008",
        "reviewing_officer_rank",
        [
            ("review by a sergeant", lambda r: "PS"),
            ("review by a sergeant", lambda r: "SGT"),
            ("rank as a word", lambda r: "Inspector"),
            ("lower-case rank", lambda r: "insp"),
            ("review by a constable", lambda r: "PC"),
        ],
        where=lambda r: r["review_type"] not in ("SUPT_EXTENSION", "WARRANT_FURTHER_DETENTION"),
    )
    inj.set_values(
        "CUS-REV-009",
        "postponed",
        [
            ("lower-case flag", lambda r: r["postponed"].lower()),
            ("flag as a word", lambda r: "Yes" if r["postponed"] == "Y" else "No"),
            ("numeric flag", lambda r: "1" if r["postponed"] == "Y" else "0"),
        ],
    )
    inj.set_values(
        "CUS-REV-010",
        "postponement_reason",
        [("postponed review without a reason", lambda r: None)] * 5,
        where=lambda r: r["postponed"] == "Y",
    )


# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------


def write_csv(path: pathlib.Path, columns: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(row[column]) for column in columns])


def write_fixed_width(path: pathlib.Path, rows: list[dict]) -> None:
    lines = []
    for row in rows:
        fields = []
        for name, width, _ in ARREST_SUMMONS_LAYOUT:
            text = cell(row[name])
            if len(text) > width or text != text.strip():
                raise ValueError(f"{name}={text!r} does not survive a {width}-wide field")
            fields.append(text.ljust(width))
        lines.append("".join(fields) + "\n")
    path.write_text("".join(lines), encoding="utf-8", newline="")


def write_layout(path: pathlib.Path) -> None:
    record_length = sum(width for _, width, _ in ARREST_SUMMONS_LAYOUT)
    lines = [
        "# Fixed-width layout of pnc/arrest_summons.dat, a mainframe-style PNC",
        "# arrest/summons extract holding the same records as pnc/arrest_summons.csv.",
        "# One record per line (\\n), no header, UTF-8, every field left-aligned and",
        f"# padded with spaces; record length {record_length}. start is 1-based.",
        "# An all-space field is empty (null). Datetimes are YYYY-MM-DD HH:MM:SS,",
        "# Europe/London local time. Record N is line N+1 of the CSV.",
        "# Written by sample_data/generate.py; do not edit by hand.",
        "fields:",
    ]
    start = 1
    for name, width, kind in ARREST_SUMMONS_LAYOUT:
        lines.append(f"  - {{name: {name}, start: {start}, width: {width}, type: {kind}}}")
        start += width
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")


def write_manifest(
    path: pathlib.Path,
    datasets: dict[str, list[dict]],
    log: DefectLog,
    directory_rows: int,
    months: list[dict] | None = None,
) -> None:
    manifest = {"seed": SEED, "datasets": {}, "defects": log.sorted_entries()}
    for dataset_id, rows in datasets.items():
        spec = DATASETS[dataset_id]
        manifest["datasets"][dataset_id] = {
            "path": spec["path"],
            "key": spec["key"],
            "rows": len(rows),
        }
        if spec.get("reference"):  # read by a derivation, not audited by a suite of its own
            manifest["datasets"][dataset_id]["reference"] = True
    manifest["datasets"]["pnc/arrest_summons"]["fixed_width"] = {
        "path": "pnc/arrest_summons.dat",
        "layout": "pnc/arrest_summons.layout.yml",
    }
    manifest["datasets"]["gazetteer/postcode_directory"] = {
        "path": "gazetteer/postcode_directory.csv",
        "key": "PC",
        "rows": directory_rows,
        "header": False,
        "columns": DIRECTORY_COLUMNS,
        "reference": True,
    }
    # One defect per line keeps the manifest short and readable in a diff.
    head = json.dumps(
        {"seed": manifest["seed"], "datasets": manifest["datasets"]}, indent=2, ensure_ascii=False
    )[:-2]
    defects = ",\n".join(
        "    " + json.dumps(entry, ensure_ascii=False) for entry in manifest["defects"]
    )
    text = f'{head},\n  "defects": [\n{defects}\n  ]\n}}\n'
    if months:  # one entry per month of the demo's history (sample_data/history.py)
        listed = ",\n".join("    " + json.dumps(m, ensure_ascii=False) for m in months)
        text = text[: -len("\n}\n")] + f',\n  "months": [\n{listed}\n  ]\n}}\n'
    json.loads(text)  # the hand-assembled text must still be valid JSON
    path.write_text(text, encoding="utf-8", newline="")


# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------


def build_clean() -> dict[str, list[dict]]:
    addresses = build_addresses(dataset_rng("addresses"))
    police.assign_neighbourhoods(addresses, neighbourhood_cells())
    postcodes = sorted({row["postcode"] for row in addresses})
    nominals = build_nominals(dataset_rng("nominals"), postcodes)
    police.add_ni_numbers(nominals, dataset_rng("nominals:ni"))
    arrests = build_arrest_summons(dataset_rng("arrest_summons"), nominals)
    pnc_timeliness.add_summonses(arrests, dataset_rng("arrest_summons:summons"))
    court = pnc_timeliness.build_court_results(arrests, dataset_rng("court_results"))
    custody = build_custody_records(dataset_rng("custody_records"), nominals)
    custody_rules.add_custody_columns(custody, dataset_rng("custody_records:pace"))
    reviews = build_reviews(dataset_rng("reviews"), custody)
    custody_rules.move_off_clock_change(custody, reviews)
    return {
        "pnc/nominals": nominals,
        "pnc/arrest_summons": arrests,
        "pnc/court_results": court,
        "gazetteer/addresses": addresses,
        "custody/custody_records": custody,
        "custody/reviews": reviews,
    }


INJECTORS = {
    "pnc/nominals": inject_nominals,
    "pnc/arrest_summons": inject_arrest_summons,
    "pnc/court_results": pnc_timeliness.inject_court_results,
    "gazetteer/addresses": inject_addresses,
    "custody/custody_records": inject_custody_records,
    "custody/reviews": inject_reviews,
}


def neighbourhood_cells() -> dict[tuple[int, int], str]:
    return police.neighbourhood_cells(TOWNS, area_prefix)


def generate(out_dir: pathlib.Path) -> None:
    """Write every extract, the fixed-width copy, its layout, the references and the manifest."""
    out_dir = pathlib.Path(out_dir)
    datasets = build_clean()
    directory = police.postcode_directory(datasets["gazetteer/addresses"])
    build_audit_datasets(datasets, directory)
    log = DefectLog()
    injectors = {}
    for dataset_id, inject in INJECTORS.items():
        inj = Injector(log, dataset_id, datasets[dataset_id], dataset_rng(f"defects:{dataset_id}"))
        inj.directory, inj.cells = directory, neighbourhood_cells()
        inject(inj)
        injectors[dataset_id] = inj
    # Rules across tables and over the final data come last, so nothing above moves.
    custody, reviews = injectors["custody/custody_records"], injectors["custody/reviews"]
    custody_rules.inject_pace(custody, reviews)
    custody_rules.inject_tact(custody, reviews)
    custody_rules.check_clock_change(custody.rows, reviews.rows, planted=1)
    custody_rules.log_tact(custody, reviews)
    pnc_timeliness.log_arrest_summons(injectors["pnc/arrest_summons"])
    pnc_timeliness.log_court_results(injectors["pnc/court_results"])
    police.log_address_references(injectors["gazetteer/addresses"])
    police.log_duplicate_addresses(injectors["gazetteer/addresses"])
    inject_audit_datasets(datasets, directory, log)
    for dataset_id, rows in datasets.items():
        write_csv(out_dir / DATASETS[dataset_id]["path"], COLUMNS[dataset_id], rows)
    write_fixed_width(out_dir / "pnc" / "arrest_summons.dat", datasets["pnc/arrest_summons"])
    write_layout(out_dir / "pnc" / "arrest_summons.layout.yml")
    police.write_references(out_dir, directory, neighbourhood_cells())
    places.write_references(out_dir, generator(), police)
    months = history.month_entries(
        build_clean(),
        datasets,
        log.sorted_entries(),
        COLUMNS,
        cell,
        lambda defect: f"{defect['system']}/{defect['dataset']}",
    )
    write_manifest(out_dir / "manifest.json", datasets, log, len(directory), months)


def generator():
    """This module's helpers for the audit_* modules (it is not always in sys.modules)."""
    return types.SimpleNamespace(**globals())


def build_audit_datasets(datasets: dict[str, list[dict]], directory: list[dict]) -> None:
    """The clean datasets of the issue-12 audits, from the clean older ones."""
    GENERATOR = generator()
    nominals = datasets["pnc/nominals"]
    current, previous = places.build_policeuk(GENERATOR)
    datasets["policeuk/street"], datasets["policeuk/street_previous"] = current, previous
    addresses = datasets["gazetteer/addresses"]
    datasets["incidents/incidents"] = places.build_incidents(
        GENERATOR, police, addresses, directory
    )
    datasets["gazetteer/police_stations"] = places.stations()
    cases, reports = records.build_cases(GENERATOR, nominals)
    datasets["casework/cases"], datasets["pnc/wanted_missing"] = cases, reports
    convictions, samples = records.build_convictions(GENERATOR, nominals)
    datasets["pnc/convictions"], datasets["pnc/dna_samples"] = convictions, samples
    custody = datasets["custody/custody_records"]
    datasets["custody/detainees"] = records.build_detainees(GENERATOR, nominals, custody)


def inject_audit_datasets(datasets: dict[str, list[dict]], directory: list[dict], log) -> None:
    """Their planted defects, then the integrity failures the final data shows."""
    GENERATOR = generator()

    def injector(dataset_id: str) -> Injector:
        return Injector(log, dataset_id, datasets[dataset_id], dataset_rng(f"defects:{dataset_id}"))

    places.inject_policeuk(
        GENERATOR, injector("policeuk/street"), datasets["policeuk/street_previous"]
    )
    incidents = injector("incidents/incidents")
    places.inject_incidents(GENERATOR, police, incidents, directory)
    places.plant_unknown_uprns(incidents)
    records.inject_cases(GENERATOR, log, datasets, Injector)
    records.inject_convictions(GENERATOR, log, datasets, Injector)
    records.inject_detainees(GENERATOR, log, datasets, Injector)
    places.log_final(GENERATOR, log, datasets)
    records.log_final(GENERATOR, log, datasets)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out",
        type=pathlib.Path,
        default=pathlib.Path(__file__).resolve().parent,
        help="folder to write into (default: the folder this script is in)",
    )
    args = parser.parse_args(argv)
    generate(args.out)


if __name__ == "__main__":
    main()
