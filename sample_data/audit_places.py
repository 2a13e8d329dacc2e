"""Sample data for the place audits: the police.uk upload and the incident log.

Loaded by ``generate.py`` (standard library only, deterministic, its own random streams,
so nothing here moves a row of the older datasets). It fabricates:

- ``policeuk/street`` (this month's police.uk upload: crimes of 2024-11 sent again and
  of 2024-12) and ``policeuk/street_previous`` (last month's: 2024-10 and 2024-11), in
  police.uk's CSV layout plus ``Record ref`` (the force's row reference; published files
  have no key), with points inside a fabricated LSOA grid over Birmingham
  (``workspace/reference/lsoa_boundaries.geojson``, WGS84, properties named like ONS's
  ``lsoa21cd``/``lsoa21nm`` but with codes no real LSOA has);
- ``incidents/incidents`` (a command-and-control incident log at gazetteer addresses),
  ``gazetteer/police_stations``, and the dated neighbourhood layer
  ``workspace/reference/neighbourhood_boundaries.geojson``: the older neighbourhood grid,
  with Dudley (DY) re-coded DU and Walsall (WS) merged in pairs as WA from 2024-04-01.

Defects are planted with the generator's ``Injector`` and logged; integrity failures that
follow from other datasets' defects are logged from the final data by ``log_final``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pathlib

FORCE = "West Midlands Police"
LSOA_ORIGIN, LSOA_STEP, LSOA_GRID = (-1.98, 52.40), (0.03, 0.02), (8, 8)
LSOA_MARGIN = 0.002  # degrees kept from cell edges, so a point is never on a line
OUTSIDE_FORCE = [(-2.30, 52.45), (-1.30, 52.50)]
CHANGE_DAY, FIRST_DAY = dt.date(2024, 4, 1), "2015-04-01"
SHARED_POINT = (404010, 286490)
CRIME_TYPES = [
    ("Anti-social behaviour", 18), ("Violence and sexual offences", 30), ("Other theft", 10),
    ("Shoplifting", 8), ("Criminal damage and arson", 7), ("Burglary", 6),
    ("Vehicle crime", 6), ("Public order", 6), ("Drugs", 3), ("Robbery", 2),
    ("Theft from the person", 2), ("Bicycle theft", 1), ("Possession of weapons", 1),
    ("Other crime", 2),
]  # fmt: skip
OUTCOMES = [
    ("Investigation complete; no suspect identified", 45), ("Under investigation", 20),
    ("Unable to prosecute suspect", 15), ("Awaiting court outcome", 5),
    ("Local resolution", 4), ("Offender given a caution", 3),
    ("Status update unavailable", 3), ("Offender given penalty notice", 2),
    ("Court result unavailable", 2), ("Further investigation is not in the public interest", 1),
]  # fmt: skip
STATIONS = [  # code, name, easting, northing (points inside neighbourhood cells)
    ("PBCS", "Perry Barr", 406311, 291517), ("OBCS", "Oldbury", 399203, 289811),
    ("BLCS", "Bloxwich", 400133, 296271), ("CVCS", "Coventry Central", 433307, 278911),
    ("WVCS", "Wolverhampton", 391717, 298613), ("WACS", "Walsall", 401411, 298117),
    ("SHCS", "Solihull", 415219, 279307),
]  # fmt: skip
DATASETS = {
    "policeuk/street": {
        "system": "policeuk", "dataset": "street", "suite": "policeuk_street",
        "path": "policeuk/street.csv", "key": "Record ref",
    },
    "policeuk/street_previous": {
        "system": "policeuk", "dataset": "street_previous", "suite": None,
        "path": "policeuk/street_previous.csv", "key": "Record ref", "reference": True,
    },
    "incidents/incidents": {
        "system": "incidents", "dataset": "incidents", "suite": "incidents_locations",
        "path": "incidents/incidents.csv", "key": "incident_ref",
    },
    "gazetteer/police_stations": {
        "system": "gazetteer", "dataset": "police_stations", "suite": None,
        "path": "gazetteer/police_stations.csv", "key": "station_code", "reference": True,
    },
}  # fmt: skip
STREET_COLUMNS = [
    "Record ref", "Crime ID", "Month", "Reported by", "Falls within", "Longitude",
    "Latitude", "Location", "LSOA code", "LSOA name", "Crime type",
    "Last outcome category", "Context",
]  # fmt: skip
COLUMNS = {
    "policeuk/street": STREET_COLUMNS,
    "policeuk/street_previous": STREET_COLUMNS,
    "incidents/incidents": [
        "incident_ref", "opened_datetime", "location_precision", "easting", "northing",
        "uprn", "postcode", "neighbourhood_code",
    ],
    "gazetteer/police_stations": ["station_code", "station_name", "easting", "northing"],
}  # fmt: skip
SUITES = ["policeuk_street", "incidents_boundaries", "incidents_locations"]


def crime_id(sequence: int) -> str:
    return hashlib.sha256(f"dqaudit-sample-crime:{sequence}".encode()).hexdigest()


# --- police.uk -----------------------------------------------------------------------------


def lsoa(column: int, row: int) -> tuple[str, str]:
    number = row * LSOA_GRID[0] + column + 1
    return f"E0199{number:04d}", f"Sample Birmingham {number:03d}A"


def _lsoa_point(rng, column: int, row: int) -> tuple[float, float]:
    (x0, y0), (dx, dy) = LSOA_ORIGIN, LSOA_STEP
    lon = x0 + column * dx + rng.uniform(LSOA_MARGIN, dx - LSOA_MARGIN)
    lat = y0 + row * dy + rng.uniform(LSOA_MARGIN, dy - LSOA_MARGIN)
    return round(lon, 6), round(lat, 6)


def _crime(gen, rng, ref: str, sequence: int, month: str) -> dict:
    column, row = rng.randrange(LSOA_GRID[0]), rng.randrange(LSOA_GRID[1])
    lon, lat = _lsoa_point(rng, column, row)
    code, name = lsoa(column, row)
    kind = gen.weighted(rng, CRIME_TYPES)
    asb = kind == "Anti-social behaviour"
    street = f"{rng.choice(gen.STREET_NAMES)} {rng.choice(gen.STREET_TYPES)}".title()
    return {
        "Record ref": ref, "Crime ID": None if asb else crime_id(sequence), "Month": month,
        "Reported by": FORCE, "Falls within": FORCE, "Longitude": f"{lon:.6f}",
        "Latitude": f"{lat:.6f}", "Location": f"On or near {street}", "LSOA code": code,
        "LSOA name": name, "Crime type": kind,
        "Last outcome category": None if asb else gen.weighted(rng, OUTCOMES), "Context": None,
        "_cell": (column, row),
    }  # fmt: skip


def build_policeuk(gen) -> tuple[list[dict], list[dict]]:
    """(current, previous) extracts; November is in both, as the force sends it again."""
    rng = gen.dataset_rng("policeuk")
    previous, sequence = [], 0
    for month in ("2024-10", "2024-11"):
        for _ in range(300):
            sequence += 1
            previous.append(_crime(gen, rng, f"PRV{len(previous) + 1:07d}", sequence, month))
    current = []
    for old in previous[300:]:
        row = dict(old, **{"Record ref": f"PUK{len(current) + 1:07d}"})
        if row["Last outcome category"] == "Under investigation" and rng.random() < 0.4:
            row["Last outcome category"] = "Investigation complete; no suspect identified"
        current.append(row)
    for month, count in (("2024-11", 4), ("2024-12", 320)):  # four crimes recorded late
        for _ in range(count):
            sequence += 1
            current.append(_crime(gen, rng, f"PUK{len(current) + 1:07d}", sequence, month))
    return current, previous


def inject_policeuk(gen, inj, previous: list[dict]) -> None:
    december = lambda r: r["Month"] == "2024-12"  # noqa: E731
    crime = lambda r: december(r) and r["Crime ID"] is not None  # noqa: E731
    inj.set_values(
        "PUK-001", "Crime type",
        [("pre-2013 category", lambda r: "Violent crime"),
         ("lower-case category", lambda r: r["Crime type"].lower()),
         ("offence instead of a police.uk category", lambda r: "Theft from a motor vehicle")],
        where=crime,
    )  # fmt: skip
    inj.blank("PUK-002", "Crime ID", 3, where=crime)
    inj.set_values(
        "PUK-003", "Crime ID",
        [("upper-case hash", lambda r: r["Crime ID"].upper()),
         ("hash cut to 63 characters", lambda r: r["Crime ID"][:-1]),
         ("force crime number instead of the hash", lambda r: "20/123456/24")],
        where=crime,
    )  # fmt: skip
    inj.duplicate("PUK-004", "Crime ID", 1, where=crime)
    inj.set_values(
        "PUK-005", "Month",
        [("UK-style month", lambda r: "12/2024"), ("month name", lambda r: "Dec-24")],
        where=december,
    )  # fmt: skip
    for _ in range(3):
        inj.mutate(
            "PUK-006", "Longitude", "no location (coordinates blank)", _no_location, december
        )
    for lon, lat in OUTSIDE_FORCE:
        index = inj.pick(december)
        inj.rows[index].update({"Longitude": f"{lon:.6f}", "Latitude": f"{lat:.6f}"})
        for rule_id in ("PUK-007", "PUK-008", "PUK-009"):
            inj.record(index, rule_id, "Longitude", "point outside the force area")
    for rule_id, field, count in (("PUK-008", 0, 3), ("PUK-009", 1, 2)):
        column = ("LSOA code", "LSOA name")[field]
        for _ in range(count):
            index = inj.pick(december)
            c, r = inj.rows[index]["_cell"]
            inj.rows[index][column] = lsoa((c + 1) % LSOA_GRID[0], r)[field]
            inj.record(index, rule_id, column, f"{column} of the neighbouring LSOA")
    inj.set_values(
        "PUK-010", "Last outcome category",
        [("category renamed in 2014", lambda r: "No further action"),
         ("wrong capitals", lambda r: "Suspect Charged"),
         ("wrong capitals", lambda r: "Under Investigation")],
        where=crime,
    )  # fmt: skip
    resent = lambda r: r["Month"] == "2024-11" and r["Crime ID"] is not None  # noqa: E731
    for n in range(3):
        index = inj.pick(resent)
        inj.rows[index]["Crime ID"] = crime_id(900_000 + n)
        inj.record(index, "PUK-011", "Crime ID", "same crime sent with a new Crime ID")
    october = [row["Crime ID"] for row in previous[:300] if row["Crime ID"]]
    for n in range(2):
        index = inj.pick(crime)
        inj.rows[index]["Crime ID"] = october[n * 7]
        inj.record(index, "PUK-011", "Crime ID", "Crime ID of an October crime reused")


def _no_location(row: dict) -> None:
    row.update({"Longitude": None, "Latitude": None, "Location": "No Location", "LSOA code": None})
    row["LSOA name"] = None


# --- incidents and dated neighbourhoods ---------------------------------------------------


def new_code(code: str) -> str:
    """The code a neighbourhood has from CHANGE_DAY (the same code if it did not change)."""
    prefix, number = code[:2], int(code[2:])
    if prefix == "DY":
        return f"DU{number:02d}"
    if prefix == "WS":
        return f"WA{(number + 1) // 2:02d}"
    return code


def code_on(cells: dict, cell: tuple[int, int], day: dt.date) -> str | None:
    code = cells.get(cell)
    if code is None:
        return None
    return new_code(code) if day >= CHANGE_DAY else code


def build_incidents(gen, police, addresses: list[dict], directory: list[dict]) -> list[dict]:
    rng, cells = gen.dataset_rng("incidents"), gen.neighbourhood_cells()
    fixed = [(e["EA"], e["NO"]) for e in directory] + [(s[2], s[3]) for s in STATIONS]
    rows: list[dict] = []
    while len(rows) < 1200:
        address = rng.choice(addresses)
        easting = address["easting"] + rng.choice([-1, 1]) * rng.randint(2, 9)
        northing = address["northing"] + rng.choice([-1, 1]) * rng.randint(2, 9)
        opened = gen.random_datetime(rng, dt.datetime(2023, 7, 1), dt.datetime(2024, 12, 31))
        code = code_on(cells, police._cell(easting, northing), opened.date())
        near = any(abs(easting - x) <= 2 and abs(northing - y) <= 2 for x, y in fixed)
        if code is None or near or (easting, northing) == SHARED_POINT:
            continue
        precision = gen.weighted(rng, [("ADDRESS", 80), ("STREET", 15), ("GRID", 5)])
        rows.append({
            "incident_ref": f"INC{len(rows) + 1:07d}", "opened_datetime": opened,
            "location_precision": precision, "easting": easting, "northing": northing,
            "uprn": address["uprn"] if precision == "ADDRESS" else None,
            "postcode": address["postcode"], "neighbourhood_code": code,
        })  # fmt: skip
    _edge_of_change(rows, cells, police)
    return rows


def _edge_of_change(rows: list[dict], cells: dict, police) -> None:
    """Two clean incidents either side of the change at local midnight (BST from 31 March):
    00:30 on 1 April is a new-layout day although it is still 31 March in UTC."""
    changed = [r for r in rows if cells[police._cell(r["easting"], r["northing"])][:2] == "DY"]
    for row, when in zip(changed[:2], (dt.datetime(2024, 4, 1, 0, 30), dt.datetime(2024, 3, 31, 23, 30)), strict=True):  # fmt: skip
        row["opened_datetime"] = when
        row["neighbourhood_code"] = code_on(cells, police._cell(row["easting"], row["northing"]), when.date())  # fmt: skip


def inject_incidents(gen, police, inj, directory: list[dict]) -> None:
    cells, rows = gen.neighbourhood_cells(), inj.rows
    centroid = {e["postcode"]: (e["EA"], e["NO"]) for e in directory}
    locations = "incidents_locations"

    def move(index: int, point: tuple[int, int]) -> None:
        row = rows[index]
        row["easting"], row["northing"] = point
        code = code_on(cells, police._cell(*point), row["opened_datetime"].date())
        row["neighbourhood_code"] = code

    for precision, at, rules, count in (
        ("POSTCODE", "postcode", ("INC-LOC-001", "INC-LOC-002"), 3),
        ("STATION", "station", ("INC-LOC-001", "INC-LOC-002"), 2),
        ("POSTCODE", None, ("INC-LOC-001",), 2),
        ("ADDRESS", "postcode", ("INC-LOC-002",), 2),
        ("ADDRESS", "station", ("INC-LOC-002",), 1),
    ):
        for n in range(count):
            index = inj.pick(lambda r: r["location_precision"] == "ADDRESS")
            rows[index]["location_precision"] = precision
            if at == "postcode":
                move(index, centroid[rows[index]["postcode"]])
            elif at == "station":
                move(index, STATIONS[n % len(STATIONS)][2:])
            kind = f"precision {precision}" + (f", point on a {at}" if at else "")
            for rule_id in rules:
                inj.record(index, rule_id, "location_precision", kind, suite=locations)
    for _ in range(30):
        index = inj.pick()
        move(index, SHARED_POINT)
        inj.record(index, "INC-LOC-003", "easting", "31st+ incident at one point", locations)
    _plant_boundaries(inj, cells, police)


def _plant_boundaries(inj, cells: dict, police) -> None:
    rows, suite = inj.rows, "incidents_boundaries"
    old_of = lambda r: cells[police._cell(r["easting"], r["northing"])]  # noqa: E731
    changed = lambda r: new_code(old_of(r)) != old_of(r)  # noqa: E731
    after = lambda r: changed(r) and r["opened_datetime"].date() >= CHANGE_DAY  # noqa: E731
    before = lambda r: changed(r) and r["opened_datetime"].date() < CHANGE_DAY  # noqa: E731
    plants = [
        (after, old_of, "retired code used after the boundary change", 3),
        (before, lambda r: new_code(old_of(r)), "new code used before the change", 2),
        (None, lambda r: "ZZ99", "code of no neighbourhood", 1),
    ]
    for where, code, kind, count in plants:
        for _ in range(count):
            index = inj.pick(where)
            rows[index]["neighbourhood_code"] = code(rows[index])
            for rule_id in ("INC-BND-001", "INC-BND-002"):
                inj.record(index, rule_id, "neighbourhood_code", kind, suite=suite)

    def neighbour(row: dict) -> str | None:
        column, grid_row = police._cell(row["easting"], row["northing"])
        day = row["opened_datetime"].date()
        for cell in ((column + 1, grid_row), (column - 1, grid_row)):
            code = code_on(cells, cell, day)
            if code is not None and code != row["neighbourhood_code"]:
                return code
        return None

    for _ in range(3):
        index = inj.pick(lambda r: neighbour(r) is not None)
        rows[index]["neighbourhood_code"] = neighbour(rows[index])
        inj.record(index, "INC-BND-002", "neighbourhood_code", "code of the next area", suite)


def stations() -> list[dict]:
    return [
        {"station_code": c, "station_name": n, "easting": e, "northing": no}
        for c, n, e, no in STATIONS
    ]


def log_final(gen, log, datasets: dict[str, list[dict]]) -> None:
    """INC-LOC-004: incidents whose UPRN the final gazetteer does not hold."""
    known = {gen.cell(r["uprn"]) for r in datasets["gazetteer/addresses"] if r["uprn"] is not None}
    rows = datasets["incidents/incidents"]
    for index, row in enumerate(rows):
        if row["uprn"] is not None and gen.cell(row["uprn"]) not in known:
            kind = row.pop("_kind", "the gazetteer record's UPRN was changed or removed")
            log.record("incidents/incidents", rows, index, "INC-LOC-004", "uprn", kind, None)


def plant_unknown_uprns(inj) -> None:
    for n in range(3):
        index = inj.pick(lambda r: r["uprn"] is not None)
        inj.rows[index]["uprn"] = 100079990001 + n
        inj.rows[index]["_kind"] = "UPRN the gazetteer has never held"


# --- reference files -------------------------------------------------------------------------


def write_references(out_dir: pathlib.Path, gen, police) -> list[str]:
    reference = out_dir / "workspace" / "reference"
    reference.mkdir(parents=True, exist_ok=True)
    (x0, y0), (dx, dy) = LSOA_ORIGIN, LSOA_STEP
    features = []
    for row in range(LSOA_GRID[1]):
        for column in range(LSOA_GRID[0]):
            w, s = round(x0 + column * dx, 6), round(y0 + row * dy, 6)
            e, n = round(w + dx, 6), round(s + dy, 6)
            code, name = lsoa(column, row)
            features.append(_square({"lsoa21cd": code, "lsoa21nm": name}, w, s, e, n))
    layer = {"type": "FeatureCollection", "features": features}
    police._write_json(reference / "lsoa_boundaries.geojson", layer)
    x0, y0 = police.GRID_ORIGIN
    size, features = police.GRID_CELL, []
    for (column, row), code in sorted(gen.neighbourhood_cells().items(), key=lambda i: i[1]):
        e0, n0 = x0 + column * size, y0 + row * size
        versions = [(code, FIRST_DAY, None)]
        if new_code(code) != code:
            versions = [(code, FIRST_DAY, str(CHANGE_DAY)), (new_code(code), str(CHANGE_DAY), None)]
        for name, start, end in versions:
            properties = {"code": name, "valid_from": start, "valid_to": end}
            features.append(_square(properties, e0, n0, e0 + size, n0 + size))
    layer = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
        "features": features,
    }
    police._write_json(reference / "neighbourhood_boundaries.geojson", layer)
    return [
        "workspace/reference/lsoa_boundaries.geojson",
        "workspace/reference/neighbourhood_boundaries.geojson",
    ]


def _square(properties: dict, w: float, s: float, e: float, n: float) -> dict:
    ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
    return {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon", "coordinates": [ring]}}  # fmt: skip
