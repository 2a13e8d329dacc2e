"""``extract profile``: shapes, identifiers by content, bounded memory, sensitive columns."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from dqaudit.commands.progress import progress_bar
from dqaudit.connectors.csv_file import read_csv
from dqaudit.connectors.registry import get_connector
from dqaudit.profiling import identifiers, profile
from dqaudit.profiling.profile import profile_extract
from dqaudit.profiling.shapes import shape_of, shape_regex
from tests.conftest import invoke


@pytest.mark.parametrize(
    "value, shape, regex",
    [
        ("B1 1AY", "A9 9AA", "^[A-Za-z][0-9] [0-9][A-Za-z]{2}$"),
        ("WM/C/0100003", "AA/A/9999999", "^[A-Za-z]{2}/[A-Za-z]/[0-9]{7}$"),
        ("a.b(1)", "A.A(9)", r"^[A-Za-z]\.[A-Za-z]\([0-9]\)$"),
        ("x" * 30, "A" * 24 + "…", None),
    ],
)
def test_shapes_and_their_regexes(value: str, shape: str, regex: str | None) -> None:
    assert shape_of(value) == shape
    assert shape_regex(shape) == regex
    if regex is not None:
        assert pd.Series([value]).str.fullmatch(regex).all()


def count(values: list[str]) -> dict[str, int]:
    series = pd.Series(values, dtype="string")
    return identifiers.count_valid(series, np.ones(len(values), dtype=np.int64))


def test_identifiers_are_recognised_by_content_and_check_characters() -> None:
    # published examples (see the rule library's catalogue), and a wrong check letter
    assert count(["2001/0171310W", "2008/0056560Z", "2001/0171310X"]) == {"pnc_id": 2}
    assert count(["45123/08Y", "SF95/1234C"]) == {"cro_number": 2}
    assert count(["1101ZD0100000448754K"]) == {"asn": 1}
    assert count(["B1 1AY", "EC1A 1BB", "b1 1ay"]) == {"uk_postcode": 2}
    assert count(["AB123456C", "GB123456A"]) == {"ni_number": 1}
    assert count(["MD71101", "COML025"]) == {"cjs_offence_code": 2}
    assert count(["AB12 CDE", "ABC 123D"]) == {"uk_vrm": 2}
    assert count(["100070000001", "10090000204"]) == {"uprn": 2}


def test_codes_that_are_well_formed_by_accident_are_not_identifiers() -> None:
    assert count(["A1", "W1", "B2"]) == {}  # ethnicity codes: dateless VRMs of 2 characters
    assert count(["27005717", "27006356"]) == {}  # USRNs: whole numbers, but 8 digits


CSV = (
    "ref,pnc_id,age,seen,gender,surname\n"
    "R1,2001/0171310W,20,2024-01-01,M,SMITH\n"
    "R2,2008/0056560Z,35,2024-02-03,F,JONES\n"
    "R3,79/163001B,,2024-03-09 10:00:00,M,SMITH\n"
    "R4,2001/0171310X,41,not a date,U,\n"
)


def small_extract(tmp_path: Path) -> Any:
    path = tmp_path / "nominals.csv"
    path.write_text(CSV)
    return read_csv(path)


def test_a_profile_counts_shapes_ranges_and_identifiers(tmp_path: Path) -> None:
    result = profile_extract(small_extract(tmp_path), sensitive=["surname"], key=["ref"])
    assert result.rows == 4 and result.key == ["ref"]
    ref, pnc, age, seen, gender, surname = result.columns
    assert ref.unique and ref.distinct == 4 and ref.top_shapes() == [("A9", 4)]
    assert pnc.identifiers == {"pnc_id": 3} and pnc.identifier_shares() == {"pnc_id": 0.75}
    assert (age.nulls, age.numbers, age.number_min, age.number_max) == (1, 3, 20.0, 41.0)
    assert age.integers
    assert seen.datetimes == 3 and str(seen.datetime_max) == "2024-03-09 10:00:00"
    assert not seen.date_only
    assert gender.values == {"M": 2, "F": 1, "U": 1} and not gender.unique
    assert surname.sensitive and surname.nulls == 1


def test_sensitive_values_are_never_shown(tmp_path: Path) -> None:
    result = profile_extract(small_extract(tmp_path), sensitive=["surname", "seen"])
    document = json.dumps(result.to_dict())
    text = result.describe()
    for secret in ("SMITH", "JONES", "2024-03-09"):
        assert secret not in document and secret not in text
    surname = result.to_dict()["columns"][5]
    assert surname["top_values"] is None and surname["shapes"] == [{"shape": "AAAAA", "count": 3}]
    assert "surname (sensitive: values masked)" in text
    assert "M (2), F (1), U (1)" in text  # gender is not sensitive


def test_chunks_give_the_same_profile_as_one_pass(tmp_path: Path) -> None:
    extract = small_extract(tmp_path)
    whole = profile_extract(extract).to_dict()
    chunked = profile_extract(extract, chunk_rows=1).to_dict()
    whole.pop("profiled_at"), chunked.pop("profiled_at")
    assert chunked == whole


def test_memory_stays_bounded_on_distinct_values_shapes_and_key_hashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(profile, "MAX_DISTINCT", 10)
    monkeypatch.setattr(profile, "MAX_SHAPES", 3)
    rows = [f"K{n:05d},{'x' * (n % 7 + 1)},{n // 2}" for n in range(500)]
    path = tmp_path / "wide.csv"
    path.write_text("key,text,pairs\n" + "\n".join(rows) + "\n")
    extract = read_csv(path)
    result = profile_extract(extract, key=["key"], chunk_rows=50)
    key, text, pairs = result.columns
    assert key.values is None and key.distinct == 500 and key.unique  # from the hashes
    assert text.values is not None and len(text.values) == 7  # within MAX_DISTINCT: kept
    assert len(text.shapes) == 3 and text.other_shapes == 500 - sum(text.shapes.values())
    assert pairs.unique is None  # 2 of each: no longer a key candidate, hashes given up
    monkeypatch.setattr(profile, "MAX_KEY_HASHES", 100)
    capped = profile_extract(extract, chunk_rows=50)
    assert capped.columns[0].unique is None  # could not be held: not determined


def test_a_pushdown_table_is_streamed_in_chunks(tmp_path: Path) -> None:
    database = tmp_path / "records.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE nominals (ref TEXT, uprn INTEGER)")
        connection.executemany(
            "INSERT INTO nominals VALUES (?, ?)",
            [(f"N{n}", 100070000000 + n) for n in range(120)] + [("N999", None)],
        )
    options = {"url": f"sqlite:///{database}", "table": "nominals", "mode": "pushdown"}
    extract = get_connector("sql").extract(options, base_dir=tmp_path)
    seen: list[tuple[int, int]] = []
    result = profile_extract(extract, chunk_rows=50, progress=lambda *done: seen.append(done))
    assert seen == [(50, 121), (100, 121), (121, 121)]
    uprn = result.columns[1]
    assert (uprn.rows, uprn.nulls, uprn.unique) == (121, 1, True)
    assert uprn.identifier_shares() == {"uprn": 1.0}


def test_extract_profile_cli_text_and_json(template_workspace: Path) -> None:
    text = invoke("extract", "profile", "custody", "custody_records", "-w", str(template_workspace))
    assert text.exit_code == 0, text.output
    assert "custody/custody_records" in text.stdout and "station_code" in text.stdout
    assert "surname (sensitive: values masked)" in text.stdout
    result = invoke(
        "extract", "profile", "custody", "custody_records", "-w", str(template_workspace), "--json"
    )
    document = json.loads(result.stdout)
    assert document["version"] == 1 and document["key"] == ["custody_ref"]
    columns = {c["name"]: c for c in document["columns"]}
    assert columns["custody_ref"]["unique"] is True
    assert columns["surname"]["top_values"] is None
    missing = invoke("extract", "profile", "custody", "nope", "-w", str(template_workspace))
    assert missing.exit_code == 2 and "has no dataset 'nope'" in missing.stderr


def test_the_progress_bar_shows_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    piped = Console(file=io.StringIO(), force_terminal=False)
    with progress_bar("reading", console=piped) as update:
        assert update is None
    monkeypatch.setenv("NO_COLOR", "1")
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=80)
    with progress_bar("reading", console=terminal) as update:
        assert update is not None
        update(50, 100)
    drawn = screen.getvalue()
    assert "reading" in drawn and "50/100" in drawn
    colours = [c for c in drawn.split("\x1b[")[1:] if c[:2] in ("31", "32", "33", "35", "90", "91")]
    assert colours == []  # NO_COLOR: the bar, without colour
