"""The demo finds exactly the defects the sample-data manifest lists: no more, no fewer."""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from dqaudit.demo_history import expected_defects, load_months, restore_cells
from dqaudit.store import AuditStore, FindingStatus
from dqaudit.workspace.config import load_workspace
from tests.conftest import copy_tree, invoke


def found_keys(folder: Path) -> dict[tuple[str, str], set[str]]:
    """Each rule's failing keys in one month's JSON results."""
    found: dict[tuple[str, str], set[str]] = {}
    for path in sorted(folder.glob("*.json")):
        document = json.loads(path.read_text())
        assert document["run"]["status"] == "complete"
        assert document["key_source"] == "column"
        for rule in document["results"]:
            assert rule["error"] is None, rule
            keys = rule["failing_keys"] or []
            assert len(keys) == len(set(keys))
            if keys:
                found[(document["suite"], rule["rule_id"])] = set(keys)
    return found


def test_demo_finds_exactly_each_months_defects(
    demo_output: tuple[Path, Any], sample_data: Path
) -> None:
    out, result = demo_output
    assert result.exit_code == 0, result.output  # failing checks are the demo's point
    suites = len(list((sample_data / "workspace" / "suites").glob("*.json")))
    # PNC, gazetteer, custody, police.uk, incidents and casework, from the library's templates
    assert suites == 16
    assert f"dqaudit demo: 3 monthly audit(s) of {suites} suite(s)" in result.stdout
    assert "FAILED  custody_records" in result.stdout
    assert str(out / "audit.db") in result.stdout
    plans = sorted((out / "actions").glob("*.xlsx"))
    owners = {"pnc-bureau", "gazetteer", "custody-systems", "geospatial", "contact-systems"}
    owners |= {"missing-persons"}
    assert len(plans) == 6 and all(any(o in p.name for o in owners) for p in plans)
    assert (out / "simb-summary.html").read_text().count("OFFICIAL-SENSITIVE") >= 2

    months = load_months(sample_data)
    assert [m.months_before_latest for m in months] == [2, 1, 0]
    manifest = json.loads((sample_data / "manifest.json").read_text())
    assert len(manifest["months"]) == 3  # one entry per month
    for month in months:
        expected: dict[tuple[str, str], set[str]] = defaultdict(set)
        for defect in expected_defects(sample_data, month):
            expected[(defect["suite"], defect["rule_id"])].add(defect["key"])
        documents = sorted((out / "results" / month.folder).glob("*.json"))
        assert len(documents) == suites
        assert found_keys(out / "results" / month.folder) == dict(expected), month.label
    # months differ: some defects fixed, some new
    first, last = (found_keys(out / "results" / m.folder) for m in (months[0], months[-1]))
    assert ("pnc_nominals", "PNC-NOM-010") in first and ("pnc_nominals", "PNC-NOM-010") not in last
    assert ("pnc_nominals", "PNC-NOM-013") not in first and ("pnc_nominals", "PNC-NOM-013") in last


def test_demo_history_shows_movement(demo_output: tuple[Path, Any]) -> None:
    """Owners answered the first month's plans; later months verified the fixes."""
    out, _result = demo_output
    store = AuditStore(load_workspace(out).store_url)
    try:
        findings = {f.rule_id: f for f in store.findings.ranked()}
        runs = store.list_runs(limit=100)
    finally:
        store.close()
    assert findings["PNC-NOM-010"].status is FindingStatus.VERIFIED  # agreed, then fixed
    assert findings["CUS-011"].status is FindingStatus.VERIFIED
    assert findings["GAZ-ADR-013"].status is FindingStatus.VERIFIED  # resolved, then passed
    assert findings["GAZ-ADR-010"].status is FindingStatus.NOT_ACCEPTED
    improving = findings["PNC-NOM-007"]
    assert (improving.previous_failing_count, improving.failing_count) == (8, 3)
    assert improving.status is FindingStatus.IN_PROGRESS
    assert findings["GAZ-ADR-014"].previous_failing_count is None  # new this month
    started = sorted({run.started_at.date() for run in runs})
    assert len(started) == 3 and (started[-1] - started[0]).days >= 56  # monthly
    html = (out / "simb-summary.html").read_text()
    systems = len(load_workspace(out).config.systems)
    assert html.count('<svg role="img"') == systems  # a trend per system
    workbook = openpyxl.load_workbook(next((out / "actions").glob("*pnc-bureau*.xlsx")))
    sheet = workbook["Findings"]
    titles = [c.value for c in sheet[1]]
    trends = {
        row[titles.index("Rule ID")]: row[titles.index("Trend")]
        for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert trends["PNC-NOM-007"] == "8 → 3"


def test_demo_output_is_a_workspace_the_cli_can_read(
    demo_output: tuple[Path, Any], sample_data: Path
) -> None:
    out, _result = demo_output
    listing = invoke("audit", "list", "-w", str(out))
    assert listing.exit_code == 0
    suites = len(list((sample_data / "workspace" / "suites").glob("*.json")))
    assert len(listing.stdout.strip().splitlines()) == 1 + 3 * suites  # three months
    pages = sorted((out / "pages").glob("*.html"))
    assert len(pages) == suites
    again = invoke("demo", "--out", str(out))
    assert again.exit_code == 2 and "already holds a demo audit store" in again.stderr


def test_restoring_nothing_rewrites_an_extract_byte_for_byte(
    sample_data: Path, tmp_path: Path
) -> None:
    for name in ("pnc/nominals.csv", "gazetteer/addresses.csv", "custody/custody_records.csv"):
        copy = tmp_path / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes((sample_data / name).read_bytes())
        restore_cells(copy, [], "test")
        assert copy.read_bytes() == (sample_data / name).read_bytes(), name


def test_a_malformed_history_is_a_clear_error(sample_data: Path, tmp_path: Path) -> None:
    folder = copy_tree(sample_data, tmp_path / "sample")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["months"][0]["restore"][0]["cells"] = {"no_such_column": "x"}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    result = invoke("demo", "--out", str(tmp_path / "o"), "--sample-data", str(folder))
    assert result.exit_code == 2
    assert "month 1" in result.stderr and "has no column 'no_such_column'" in result.stderr


def test_demo_without_sample_data_is_a_clear_error(tmp_path: Path) -> None:
    result = invoke("demo", "--out", str(tmp_path / "o"), "--sample-data", str(tmp_path))
    assert result.exit_code == 2
    assert "dqaudit.yml not found" in result.stderr


def test_the_sample_data_is_packaged_with_dqaudit(tmp_path: Path) -> None:
    """An installed dqaudit (a wheel, not this checkout) ships every sample file as
    dqaudit.sample_data, and the demo finds them there (setup.py)."""
    repo = Path(__file__).parent.parent
    source = tmp_path / "source"  # build from a copy: pip's build/ stays out of the checkout
    tracked = (
        subprocess.run(["git", "ls-files", "-z"], cwd=repo, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    if not tracked or tracked == [""]:
        pytest.skip("not a git checkout: cannot tell which files a wheel must hold")
    for name in filter(None, tracked):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    wheels, target = tmp_path / "wheels", tmp_path / "installed"
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(source)]
    subprocess.run(build, check=True, capture_output=True)
    (wheel,) = wheels.glob("dqaudit-*.whl")
    install = [*pip, "install", "--no-deps", "--target", str(target), str(wheel)]
    subprocess.run(install, check=True, capture_output=True)
    found = subprocess.run(
        [sys.executable, "-c", "from dqaudit.demo import installed_sample_data as s; print(s())"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(found) == target / "dqaudit" / "sample_data"
    sample_files = [n for n in tracked if n.startswith("sample_data/")]
    assert len(sample_files) > 40
    missing = [
        n for n in sample_files if not (Path(found) / n.removeprefix("sample_data/")).is_file()
    ]
    assert not missing, missing


def test_generator_is_deterministic(sample_data: Path, tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(sample_data / "generate.py"), "--out", str(tmp_path)], check=True
    )
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert Path("manifest.json") in generated and len(generated) >= 8
    for relative in generated:
        assert filecmp.cmp(tmp_path / relative, sample_data / relative, shallow=False), relative
