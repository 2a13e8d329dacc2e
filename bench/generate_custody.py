"""Generate a synthetic custody-records CSV for the dqaudit benchmark.

Why: the benchmark needs a large, realistic and *reproducible* input whose
defects are known in kind and spread over every rule of
``bench/custody_suite.json``, so that the engine has real failing rows to
collect keys for.  Everything is drawn with numpy from a fixed seed, column by
column (no per-row Python loop), so a million rows take a few seconds.

Defects (roughly 1% of rows in total, about 0.1% per rule):
nulls in required columns, codes outside their lists, out-of-range or
non-numeric ages, unparseable or out-of-range datetimes ("not known",
"31/02/2024"), release before detention was authorised, malformed and
duplicated custody references.

The ``half_flag`` column ("A" or "B", 50/50) exists only for the
failing-half-of-the-rows measurement (``rule_pass.json`` vs
``rule_half_fail.json``).

Usage: ``python bench/generate_custody.py OUT.csv [--size N] [--seed S]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_SIZE = 1_000_000
DEFAULT_SEED = 20240611
DEFECT_RATE = 0.001  # per rule; ten rules give about 1% of rows

# fmt: off
SDE_CODES = [
    "W1", "W2", "W3", "W4", "W9", "M1", "M2", "M3", "M9",
    "A1", "A2", "A3", "A4", "A9", "B1", "B2", "B9", "O2", "O9", "NS",
]
# fmt: on
OFFICER_CODES = [f"IC{i}" for i in range(7)]
STATIONS = [f"WM{i:02d}" for i in range(1, 25)]
PACE_REASONS = [
    "To secure or preserve evidence",
    "To obtain evidence by questioning",
    "Charged - awaiting court",
    "Charged - for own protection",
    "Breach of bail",
    "Warrant",
]
TACT_REASON = "TACT s41 - pending investigation"

PERIOD_START = np.datetime64("2021-01-01T00:00:00", "s")
PERIOD_SECONDS = int((np.datetime64("2025-01-01T00:00:00", "s") - PERIOD_START).astype(int))
MINUTE = np.timedelta64(60, "s")

# fmt: off
COLUMNS = [
    "custody_ref", "station_code", "arrest_datetime", "arrival_datetime",
    "detention_authorised_datetime", "release_datetime", "age_at_arrival",
    "appropriate_adult", "officer_ethnicity", "self_defined_ethnicity",
    "terrorism_act", "detention_reason", "half_flag",
]
# fmt: on


def pick_rows(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    """Return distinct row indices, about ``rate * n`` of them (at least one)."""
    k = min(n, max(1, round(n * rate)))
    return rng.choice(n, size=k, replace=False)


def inject(rng: np.random.Generator, column: np.ndarray, rate: float, values: list[object]) -> None:
    """Overwrite a random ``rate`` share of ``column`` with draws from ``values``."""
    rows = pick_rows(rng, len(column), rate)
    column[rows] = rng.choice(np.array(values, dtype=object), size=len(rows))


def format_datetimes(values: np.ndarray) -> np.ndarray:
    """Format datetime64[s] values as ``YYYY-MM-DD HH:MM:SS`` (object array)."""
    text = np.datetime_as_string(values, unit="s")  # "YYYY-MM-DDTHH:MM:SS"
    text.view("U1").reshape(len(text), -1)[:, 10] = " "
    return text.astype(object)


def custody_refs(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unique ``WM/C/0000001`` refs, then some malformed and some duplicated.

    Malformed refs come from injective rewrites of the row's own number so that
    they stay unique; duplicates copy another row's ref so that both rows fail
    the uniqueness rule.
    """
    digits = np.char.zfill(np.arange(1, n + 1).astype(str), 7)
    refs = np.char.add("WM/C/", digits).astype(object)
    bad = pick_rows(rng, n, DEFECT_RATE)
    kind = rng.integers(0, 4, size=len(bad))
    rewrites = [
        lambda d: "WMC" + d,
        lambda d: "wm/c/" + d,
        lambda d: "WM/C/" + d + "X",
        lambda d: "WM-C-" + d,
    ]
    for k, rewrite in enumerate(rewrites):
        rows = bad[kind == k]
        refs[rows] = [rewrite(d) for d in digits[rows]]
    pairs = pick_rows(rng, n, DEFECT_RATE)  # even count: first half copies second
    half = len(pairs) // 2
    refs[pairs[:half]] = refs[pairs[half : 2 * half]]
    return refs


def timeline(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Arrest -> arrival -> authorisation -> release, with datetime defects."""
    arrest = PERIOD_START + rng.integers(0, PERIOD_SECONDS, size=n).astype("timedelta64[s]")
    arrival = arrest + rng.integers(5, 180, size=n) * MINUTE
    authorised = arrival + rng.integers(2, 60, size=n) * MINUTE
    release = authorised + rng.integers(30, 36 * 60, size=n) * MINUTE
    early = pick_rows(rng, n, DEFECT_RATE)  # released before authorisation
    release[early] = authorised[early] - rng.integers(1, 600, size=len(early)) * MINUTE

    cols = {
        "arrest_datetime": format_datetimes(arrest),
        "arrival_datetime": format_datetimes(arrival),
        "detention_authorised_datetime": format_datetimes(authorised),
        "release_datetime": format_datetimes(release),
    }
    bad_arrests = ["not known", "31/02/2024", "2024-02-30 10:00:00", "2024-13-01 00:00:00"]
    bad_arrests += ["2019-12-31 23:00:00", "2026-01-05 10:00:00"]  # parse, out of range
    inject(rng, cols["arrest_datetime"], DEFECT_RATE, bad_arrests)
    inject(rng, cols["release_datetime"], DEFECT_RATE / 4, ["not known", "31/02/2024"])
    inject(rng, cols["detention_authorised_datetime"], DEFECT_RATE / 4, ["not known", "TBC"])
    inject(rng, cols["release_datetime"], 0.005, [None])  # still in custody: not a defect
    inject(rng, cols["detention_authorised_datetime"], 0.001, [None])  # refused: not a defect
    return cols


def people(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Age, appropriate adult and the two ethnicity codes, with defects."""
    juvenile = rng.random(n) < 0.08
    age = np.where(juvenile, rng.integers(10, 18, size=n), rng.integers(18, 91, size=n))
    adult_juv = np.where(rng.random(n) < 0.9, "Y", "N")
    adult_other = np.where(rng.random(n) < 0.03, "N", "")
    aa = np.where(juvenile, adult_juv, adult_other).astype(object)
    aa[aa == ""] = None
    cols = {
        "age_at_arrival": age.astype(str).astype(object),
        "appropriate_adult": aa,
        "officer_ethnicity": rng.choice(np.array(OFFICER_CODES, dtype=object), size=n),
        "self_defined_ethnicity": rng.choice(np.array(SDE_CODES, dtype=object), size=n),
    }
    inject(rng, cols["age_at_arrival"], DEFECT_RATE, ["-1", "7", "150", "999", "unknown", "4O"])
    inject(rng, cols["age_at_arrival"], 0.001, [None])
    inject(rng, cols["appropriate_adult"], DEFECT_RATE, ["X", "yes", "y", "1"])
    inject(rng, cols["officer_ethnicity"], DEFECT_RATE, ["IC7", "IC9", "I1", "ic1"])
    inject(rng, cols["officer_ethnicity"], 0.001, [None])
    inject(rng, cols["self_defined_ethnicity"], DEFECT_RATE, ["W5", "XX", "w1", "White", "99"])
    inject(rng, cols["self_defined_ethnicity"], 0.002, [None])
    return cols


def detention(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Station, Terrorism Act flag and detention reason, with defects.

    Terrorism Act rows carry a reason outside the PACE list on purpose: the
    conditional rule (``terrorism_act == "N"``) must not count them.
    """
    tact = np.where(rng.random(n) < 0.005, "Y", "N").astype(object)
    reason = rng.choice(np.array(PACE_REASONS, dtype=object), size=n)
    reason[tact == "Y"] = TACT_REASON
    station = rng.choice(np.array(STATIONS, dtype=object), size=n)
    inject(rng, station, DEFECT_RATE, [None])
    inject(rng, reason, DEFECT_RATE, ["Unknown", "OTHER", "to obtain evidence by questioning"])
    inject(rng, reason, 0.001, [None])
    inject(rng, tact, 0.0005, [None])  # unknown flag: the condition filters these out
    return {"station_code": station, "terrorism_act": tact, "detention_reason": reason}


def build_frame(size: int, seed: int) -> pd.DataFrame:
    """Build the whole table; the draw order is fixed, so a seed fixes the data."""
    rng = np.random.default_rng(seed)
    cols: dict[str, np.ndarray] = {"custody_ref": custody_refs(rng, size)}
    cols.update(timeline(rng, size))
    cols.update(people(rng, size))
    cols.update(detention(rng, size))
    cols["half_flag"] = np.where(rng.random(size) < 0.5, "A", "B").astype(object)
    return pd.DataFrame({name: cols[name] for name in COLUMNS})


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write atomically (temp file then rename) so a crash leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    frame.to_csv(tmp, index=False)  # None -> empty cell
    tmp.replace(path)


def generate(path: Path, size: int = DEFAULT_SIZE, seed: int = DEFAULT_SEED) -> float:
    """Generate ``size`` rows into ``path``; return the seconds it took."""
    start = time.perf_counter()
    write_csv(build_frame(size, seed), path)
    return time.perf_counter() - start


def dataset_path(directory: Path, size: int) -> Path:
    """``custody_1m.csv``, ``custody_50k.csv``, ``custody_1234.csv``..."""
    if size % 1_000_000 == 0:
        label = f"{size // 1_000_000}m"
    elif size % 1_000 == 0:
        label = f"{size // 1_000}k"
    else:
        label = str(size)
    return directory / f"custody_{label}.csv"


def _fingerprint(size: int, seed: int) -> dict[str, object]:
    """What the data depends on: size, seed and this generator's source."""
    source = Path(__file__).read_bytes()
    return {"size": size, "seed": seed, "generator_sha256": hashlib.sha256(source).hexdigest()}


def ensure_dataset(path: Path, size: int = DEFAULT_SIZE, seed: int = DEFAULT_SEED) -> float | None:
    """Generate ``path`` unless it exists with the same fingerprint.

    Returns the generation time in seconds, or None when the cached file was
    reused.  The fingerprint sits beside the CSV as ``<name>.meta.json``.
    """
    meta = path.with_name(path.name + ".meta.json")
    wanted = _fingerprint(size, seed)
    if path.exists() and meta.exists() and json.loads(meta.read_text()) == wanted:
        return None
    meta.unlink(missing_ok=True)
    seconds = generate(path, size, seed)
    meta.write_text(json.dumps(wanted, indent=2) + "\n")
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="CSV file to write")
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help="number of rows")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    args = parser.parse_args(argv)
    seconds = generate(args.path, args.size, args.seed)
    print(f"wrote {args.size:,} rows to {args.path} in {seconds:.1f} s")


if __name__ == "__main__":
    main()
