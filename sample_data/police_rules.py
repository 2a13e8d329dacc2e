"""Sample-data support for the police rule library: reference files and planted defects.

Loaded by ``generate.py`` (standard library only, deterministic). It writes the fabricated
force boundary (WGS84) and neighbourhood layer (British National Grid, legacy GeoJSON
``crs`` member) that the gazetteer suites test points against, and a postcode directory
in OS Code-Point Open's layout built from the clean addresses. It plants, at known rows,
the defects only the library's rules can see (wrong check characters, postcodes not in
the directory, points outside the force, PACE review gaps and missing authorities, late
PNC entry) and logs every failing key, including those the rules find in the clean data
by design (late PNC entries, which the 90% rule tolerates but still lists).

Durations are measured as the rules measure them: real elapsed hours in Europe/London;
a skipped spring time is read with the offset before the change (GMT), and a repeated
autumn time both ways (the rules flag a record whose verdict depends on the reading).
PACE and Terrorism Act custody defects are in ``custody_rules.py``, PNC timeliness and
court results in ``pnc_timeliness.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import re
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
CHECK_ALPHABET = "ZABCDEFGHJKLMNPQRTUVWXY"

# The sample force area: a rectangle in British National Grid, (387500, 271000) to
# (441500, 302500), at least 3 km outside every town's box, transformed once to WGS84
# with pyproj (EPSG:27700 -> EPSG:4326) and rounded to 5 decimals. Written as GeoJSON,
# WGS84 as RFC 7946 requires; the rule transforms it back to compare with easting/northing.
FORCE_BOUNDARY_WGS84 = [
    (-2.18488, 52.33694), (-2.11884, 52.33702), (-2.05279, 52.33707), (-1.98675, 52.33708),
    (-1.9207, 52.33706), (-1.85466, 52.33699), (-1.78861, 52.33689), (-1.72257, 52.33676),
    (-1.65653, 52.33658), (-1.59048, 52.33637), (-1.52444, 52.33613), (-1.4584, 52.33584),
    (-1.39236, 52.33552), (-1.39181, 52.37598), (-1.39125, 52.41643), (-1.39069, 52.45688),
    (-1.39014, 52.49733), (-1.38958, 52.53779), (-1.38901, 52.57824), (-1.38845, 52.61869),
    (-1.45492, 52.61901), (-1.52138, 52.6193), (-1.58785, 52.61955), (-1.65432, 52.61976),
    (-1.72078, 52.61994), (-1.78725, 52.62008), (-1.85372, 52.62018), (-1.92019, 52.62024),
    (-1.98666, 52.62027), (-2.05313, 52.62025), (-2.1196, 52.62021), (-2.18607, 52.62012),
    (-2.1859, 52.57967), (-2.18573, 52.53921), (-2.18556, 52.49876), (-2.18539, 52.4583),
    (-2.18522, 52.41785), (-2.18505, 52.37739),
]  # fmt: skip
# Neighbourhoods: 2.5 km cells over the towns' boxes; a cell takes the area prefix of the
# town nearest its centre, numbered within each prefix.
GRID_ORIGIN, GRID_CELL, GRID_COLUMNS, GRID_ROWS = (390000, 270000), 2500, 20, 12
MAX_POSTCODE_DISTANCE_M = 600
DISTRICT_CODES = {
    "BIRMINGHAM": "E08000025",
    "SUTTON COLDFIELD": "E08000025",
    "COVENTRY": "E08000026",
    "DUDLEY": "E08000027",
    "WEST BROMWICH": "E08000028",
    "SOLIHULL": "E08000029",
    "WALSALL": "E08000030",
    "WOLVERHAMPTON": "E08000031",
}


# --- time as the rules measure it ---------------------------------------------------------


def instant(local: dt.datetime, fold: int = 0) -> dt.datetime:
    """The UTC instant a local wall-clock time is read as (see the module docstring).

    ``fold=0`` reads a repeated autumn time as its first occurrence (BST), ``fold=1`` as
    its second (GMT); a skipped spring time gets the offset before the change either way
    (PEP 495), as the rules read it.
    """
    return local.replace(tzinfo=LONDON, fold=fold).astimezone(UTC)


def instants(local: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(earliest, latest) readings of a local time: different only in the repeated hour."""
    return instant(local, 0), (instant(local, 1) if is_ambiguous(local) else instant(local, 0))


def is_ambiguous(local: dt.datetime) -> bool:
    """True for a local time in the repeated autumn hour (it happens twice)."""
    first = local.replace(tzinfo=LONDON, fold=0).utcoffset()
    return first != local.replace(tzinfo=LONDON, fold=1).utcoffset() and (
        instant(local, 0).astimezone(LONDON).replace(tzinfo=None) == local
    )


def real_hours(start: dt.datetime, end: dt.datetime) -> float:
    return (instant(end) - instant(start)).total_seconds() / 3600


def minutes(n: int) -> dt.timedelta:
    return dt.timedelta(minutes=n)


# --- identifiers ---------------------------------------------------------------------------


def other_letter(letter: str) -> str:
    """A different letter of the check alphabet: a wrong check character."""
    return CHECK_ALPHABET[(CHECK_ALPHABET.index(letter) + 7) % 23]


def _change_digit(text: str, position: int) -> str:
    digit = text[position]
    return text[:position] + str((int(digit) + 3) % 10) + text[position + 1 :]


NI_PREFIXES = ["AB", "CE", "JK", "NE", "PR", "SW", "WL", "YH", "ZX", "OA", "RT", "HJ"]


def add_ni_numbers(nominals: list[dict], rng) -> None:
    """National Insurance numbers for about two thirds of nominals (own random stream)."""
    for row in nominals:
        if rng.random() < 0.68:
            row["ni_number"] = (
                f"{rng.choice(NI_PREFIXES)}{rng.randint(0, 999999):06d}{rng.choice('ABCD')}"
            )
        else:
            row["ni_number"] = None


def inject_nominal_rules(inj) -> None:
    has_cro = lambda r: r["cro_number"] is not None  # noqa: E731
    has_ni = lambda r: r["ni_number"] is not None  # noqa: E731
    inj.set_values(
        "PNC-NOM-006",
        "pnc_id",
        [
            (
                "serial digit mistyped (check no longer matches)",
                lambda r: _change_digit(r["pnc_id"], 7),
            ),
            ("year mistyped (check no longer matches)", lambda r: _change_digit(r["pnc_id"], 3)),
            ("wrong check character", lambda r: r["pnc_id"][:-1] + other_letter(r["pnc_id"][-1])),
        ],
    )
    inj.set_values(
        "PNC-NOM-007",
        "cro_number",
        [
            (
                "wrong check character",
                lambda r: r["cro_number"][:-1] + other_letter(r["cro_number"][-1]),
            ),
            (
                "serial digit mistyped (check no longer matches)",
                lambda r: _change_digit(r["cro_number"], 0),
            ),
            (
                "wrong check character",
                lambda r: r["cro_number"][:-1] + other_letter(r["cro_number"][-1]),
            ),
        ],
        where=has_cro,
    )
    inj.set_values(
        "PNC-NOM-013",
        "ni_number",
        [
            ("prefix letter never used (D)", lambda r: "D" + r["ni_number"][1:]),
            ("suffix not A-D", lambda r: r["ni_number"][:-1] + "E"),
            ("lower-case", lambda r: r["ni_number"].lower()),
            ("five digits", lambda r: r["ni_number"][:2] + r["ni_number"][3:]),
            ("temporary TN prefix", lambda r: "TN" + r["ni_number"][2:]),
            ("administrative CR prefix (NIM39110)", lambda r: "CR" + r["ni_number"][2:]),
        ],
        where=has_ni,
    )


def inject_arrest_summons_rules(inj) -> None:
    asn = lambda r: r["asn"]  # noqa: E731
    inj.set_values(
        "PNC-AS-007",
        "asn",
        [
            ("wrong check character", lambda r: asn(r)[:-1] + other_letter(asn(r)[-1])),
            (
                "sequence digit mistyped (check no longer matches)",
                lambda r: _change_digit(asn(r), 15),
            ),
            ("force code mistyped (check no longer matches)", lambda r: _change_digit(asn(r), 3)),
            ("wrong check character", lambda r: asn(r)[:-1] + other_letter(asn(r)[-1])),
        ],
        where=lambda r: r["asn"] is not None and r["force_code"] == "20",
    )


# --- gazetteer: neighbourhoods, boundary, postcode directory -------------------------------


def _cell(easting: float, northing: float) -> tuple[int, int]:
    x0, y0 = GRID_ORIGIN
    return int((easting - x0) // GRID_CELL), int((northing - y0) // GRID_CELL)


def neighbourhood_cells(towns, area_prefix) -> dict[tuple[int, int], str]:
    """Code of every grid cell over a town: the prefix of the town nearest its centre."""
    counters: dict[str, int] = {}
    codes = {}
    x0, y0 = GRID_ORIGIN
    for row in range(GRID_ROWS):
        for column in range(GRID_COLUMNS):
            e0, n0 = x0 + column * GRID_CELL, y0 + row * GRID_CELL
            cx, cy = e0 + GRID_CELL / 2, n0 + GRID_CELL / 2
            best, best_distance = None, None
            for _name, _districts, (te0, te1), (tn0, tn1), prefix, _weight in towns:
                if te1 <= e0 or te0 >= e0 + GRID_CELL or tn1 <= n0 or tn0 >= n0 + GRID_CELL:
                    continue  # the town's box does not reach this cell
                dx = max(te0 - cx, 0, cx - te1)
                dy = max(tn0 - cy, 0, cy - tn1)
                distance = dx * dx + dy * dy
                if best_distance is None or distance < best_distance:
                    best, best_distance = prefix, distance
            if best is None:
                continue
            prefix = area_prefix(best, cx)
            counters[prefix] = counters.get(prefix, 0) + 1
            codes[(column, row)] = f"{prefix}{counters[prefix]:02d}"
    if max(counters.values()) > 99:
        raise RuntimeError(f"too many neighbourhoods for one prefix: {counters}")
    return codes


def assign_neighbourhoods(addresses: list[dict], codes: dict[tuple[int, int], str]) -> None:
    """Each address's neighbourhood is the cell its point falls in (geography, no random)."""
    for row in addresses:
        row["neighbourhood_code"] = codes[_cell(row["easting"], row["northing"])]


def postcode_directory(addresses: list[dict]) -> list[dict]:
    """Code-Point Open style rows: each postcode's centroid (mean of its clean addresses)."""
    points: dict[str, list[tuple[int, int, str]]] = {}
    for row in addresses:
        points.setdefault(row["postcode"], []).append(
            (row["easting"], row["northing"], row["town"])
        )
    directory = []
    for postcode in sorted(points):
        spots = points[postcode]
        easting = round(sum(p[0] for p in spots) / len(spots))
        northing = round(sum(p[1] for p in spots) / len(spots))
        outward, inward = postcode.split(" ")
        directory.append(
            {
                "PC": f"{outward:<4}{inward}" if len(outward) < 4 else f"{outward} {inward}",
                "PQ": 10,
                "EA": easting,
                "NO": northing,
                "CY": "E92000001",
                "RH": "E19000001",
                "LH": "E18000005",
                "CC": "",
                "DC": DISTRICT_CODES[spots[0][2]],
                "WC": "",
                "postcode": postcode,
            }
        )
    return directory


def inject_gazetteer_rules(inj) -> None:
    """Defects of the boundary, area, directory, duplicate, positioning and status rules."""
    rows, directory = inj.rows, inj.directory
    references = "gazetteer_address_references"
    known = {entry["postcode"]: entry for entry in directory}

    def point(index: int, easting: int, northing: int, kind: str) -> None:
        rows[index]["easting"], rows[index]["northing"] = easting, northing
        inj.record(index, "GAZ-GEO-001", "easting", kind)
        inj.record(index, "GAZ-GEO-002", "easting", kind)
        inj.record(index, "GAZ-REF-002", "easting", kind, suite=references)

    point(inj.pick(), 445000, 285000, "point outside the force area (east)")
    point(inj.pick(), 395000, 306000, "point outside the force area (north)")

    # Recorded under the neighbourhood of the next cell: the boundary-change audit.
    off_lines = lambda r: r["easting"] % GRID_CELL and r["northing"] % GRID_CELL  # noqa: E731
    for _ in range(3):
        index = inj.pick(off_lines)
        row = rows[index]
        column, grid_row = _cell(row["easting"], row["northing"])
        neighbour = inj.cells.get((column + 1, grid_row)) or inj.cells[(column - 1, grid_row)]
        row["neighbourhood_code"] = neighbour
        inj.record(index, "GAZ-GEO-002", "neighbourhood_code", "code of a neighbouring area")

    # A well-formed postcode the directory does not hold, and one belonging elsewhere.
    for _ in range(3):
        index = inj.pick()
        outward = rows[index]["postcode"].split(" ")[0]
        candidates = [f"{outward} {d}{a}{b}" for d in "98" for a in "ZYX" for b in "ZYX"]
        rows[index]["postcode"] = next(c for c in candidates if c not in known)
        inj.record(
            index, "GAZ-REF-001", "postcode", "postcode not in the directory", suite=references
        )
    for _ in range(3):
        index = inj.pick()
        row = rows[index]
        far = [
            p
            for p, e in sorted(known.items())
            if ((e["EA"] - row["easting"]) ** 2 + (e["NO"] - row["northing"]) ** 2) ** 0.5 > 2000
        ]
        row["postcode"] = far[inj.rng.randrange(len(far))]
        inj.record(
            index,
            "GAZ-REF-002",
            "postcode",
            "postcode of a street over 2 km away",
            suite=references,
        )

    # The same address recorded under two UPRNs: both records fail.
    for _ in range(2):
        first, second = inj.pick(), inj.pick()
        keep = {c: rows[second][c] for c in ("address_id", "uprn")}
        rows[second].update({**rows[first], **keep})
        for this, other in ((first, second), (second, first)):
            inj.record(
                this,
                "GAZ-REF-003",
                "uprn",
                f"same address as {rows[other]['address_id']} under another UPRN",
                suite=references,
            )

    inj.set_values(
        "GAZ-ADR-010",
        "rpc",
        [
            ("low accuracy, marked for priority review (RPC 9)", lambda r: "9"),
            ("approximate position: street location (RPC 4)", lambda r: "4"),
            ("approximate position: postcode unit position (RPC 5)", lambda r: "5"),
        ],
    )
    approved_live = lambda r: r["logical_status"] == "1" and r["blpu_state"] == "2"  # noqa: E731
    for status, kind in (
        ("8", "historical address still in use"),
        ("8", "historical address still in use"),
        ("7", "rejected address still in use"),
    ):
        index = inj.pick(approved_live)
        rows[index]["logical_status"] = status
        inj.record(index, "GAZ-ADR-013", "blpu_state", kind)
    inj.set_values(
        "GAZ-ADR-014",
        "blpu_state",
        [("state code not in DTF 7.3", lambda r: "5"), ("letter code", lambda r: "X")],
        where=lambda r: r["logical_status"] == "1",
    )


def log_address_references(inj) -> None:
    """Directory rules over the final addresses, for keys no planted defect already logged.

    The clean data has a few by nature: two streets that were given the same postcode put
    the postcode's centroid between them, far from both.
    """
    suite = "gazetteer_address_references"
    logged = {(e["rule_id"], e["key"]) for e in inj.log.entries if e["suite"] == suite}
    key = inj.key
    centroids = {e["postcode"].replace(" ", ""): (e["EA"], e["NO"]) for e in inj.directory}
    for index, row in enumerate(inj.rows):
        if row["postcode"] is None:
            continue
        found = centroids.get("".join(str(row["postcode"]).upper().split()))
        if found is None:
            if ("GAZ-REF-001", row[key]) not in logged:
                inj.record(
                    index, "GAZ-REF-001", "postcode", "postcode not in the directory", suite=suite
                )
            continue
        try:
            easting, northing = float(row["easting"]), float(row["northing"])
        except (TypeError, ValueError):
            continue
        distance = round(((easting - found[0]) ** 2 + (northing - found[1]) ** 2) ** 0.5, 1)
        if distance > MAX_POSTCODE_DISTANCE_M and ("GAZ-REF-002", row[key]) not in logged:
            kind = f"{distance:.0f} m from its postcode's centroid (postcode shared by streets)"
            inj.record(index, "GAZ-REF-002", "postcode", kind, suite=suite)


def _normalised(value, squeeze: bool) -> str:
    text = re.sub(r"[^A-Z0-9\- ]", " ", str(value).upper()) if value is not None else ""
    return re.sub(r"\s+", "" if squeeze else " ", text).strip()


def log_duplicate_addresses(inj) -> None:
    """Duplicate-address rule over the final addresses, for keys not already logged.

    A flat recorded with no building number twice on one street is a duplicate by nature.
    """
    suite = "gazetteer_address_references"
    logged = {e["key"] for e in inj.log.entries if e["rule_id"] == "GAZ-REF-003"}
    columns = ("sao", "pao_start_number", "street", "town", "postcode")
    groups: dict[str, list[int]] = {}
    for index, row in enumerate(inj.rows):
        parts = [_normalised(row[c], c == "postcode") for c in columns]
        if (parts[0] or parts[1]) and row["uprn"] is not None:
            groups.setdefault("|".join(parts), []).append(index)
    for indexes in groups.values():
        uprns = {str(inj.rows[i]["uprn"]) for i in indexes}
        if len(uprns) < 2:
            continue
        for index in indexes:
            if inj.rows[index][inj.key] not in logged:
                others = ", ".join(inj.rows[i][inj.key] for i in indexes if i != index)
                kind = f"same address as {others} under another UPRN"
                inj.record(index, "GAZ-REF-003", "uprn", kind, suite=suite)


def write_references(out_dir: pathlib.Path, directory: list[dict], cells: dict) -> list[str]:
    """The boundary, the neighbourhood layer and the postcode directory; their paths."""
    reference = out_dir / "workspace" / "reference"
    reference.mkdir(parents=True, exist_ok=True)
    ring = [[x, y] for x, y in FORCE_BOUNDARY_WGS84] + [list(FORCE_BOUNDARY_WGS84[0])]
    boundary = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Sample force area (fabricated for dqaudit's demo)"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }
    _write_json(reference / "force_boundary.geojson", boundary)
    x0, y0 = GRID_ORIGIN
    features = []
    for (column, row), code in sorted(cells.items(), key=lambda item: item[1]):
        e0, n0 = x0 + column * GRID_CELL, y0 + row * GRID_CELL
        e1, n1 = e0 + GRID_CELL, n0 + GRID_CELL
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[e0, n0], [e1, n0], [e1, n1], [e0, n1], [e0, n0]]],
                },
            }
        )
    layer = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
        "features": features,
    }
    _write_json(reference / "neighbourhoods.geojson", layer)
    lines = []
    for entry in directory:
        lines.append(
            f'"{entry["PC"]}",{entry["PQ"]},{entry["EA"]},{entry["NO"]},"{entry["CY"]}",'
            f'"{entry["RH"]}","{entry["LH"]}","{entry["CC"]}","{entry["DC"]}","{entry["WC"]}"'
        )
    path = out_dir / "gazetteer" / "postcode_directory.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    return [
        "workspace/reference/force_boundary.geojson",
        "workspace/reference/neighbourhoods.geojson",
        "gazetteer/postcode_directory.csv",
    ]


def _write_json(path: pathlib.Path, document: dict) -> None:
    path.write_text(json.dumps(document, separators=(",", ":")) + "\n", encoding="utf-8")
