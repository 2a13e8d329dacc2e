"""The demo finds exactly the defects the sample-data manifest lists: no more, no fewer."""

from __future__ import annotations

import filecmp
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import invoke


def expected_keys(sample_data: Path) -> dict[tuple[str, str], set[str]]:
    manifest = json.loads((sample_data / "manifest.json").read_text())
    expected: dict[tuple[str, str], set[str]] = defaultdict(set)
    for defect in manifest["defects"]:
        expected[(defect["suite"], defect["rule_id"])].add(defect["key"])
    return expected


def test_demo_finds_exactly_the_manifest_defects(sample_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "demo-output"
    result = invoke("demo", "--out", str(out), "--sample-data", str(sample_data))
    assert result.exit_code == 0, result.output
    suites = len(list((sample_data / "workspace" / "suites").glob("*.json")))
    assert suites == 8  # PNC, gazetteer and custody, from the rule library's templates
    assert f"dqaudit demo: {suites} audit(s) run" in result.stdout
    assert "FAILED  custody_records" in result.stdout
    assert str(out / "audit.db") in result.stdout
    plans = sorted((out / "actions").glob("*.xlsx"))
    owners = {"pnc-bureau", "gazetteer", "custody-systems"}
    assert len(plans) == 3 and all(any(o in p.name for o in owners) for p in plans)
    assert (out / "simb-summary.html").read_text().count("OFFICIAL-SENSITIVE") >= 2

    expected = expected_keys(sample_data)
    found: dict[tuple[str, str], set[str]] = {}
    documents = sorted((out / "results").glob("*.json"))
    assert len(documents) == suites
    for path in documents:
        document = json.loads(path.read_text())
        assert document["run"]["status"] == "complete"
        assert document["key_source"] == "column"
        for rule in document["results"]:
            assert rule["error"] is None, rule
            keys = rule["failing_keys"] or []
            assert len(keys) == len(set(keys))
            found[(document["suite"], rule["rule_id"])] = set(keys)
            if rule["success"] is False and rule["failing_keys"] is None:
                found[(document["suite"], rule["rule_id"])] = {"<table-level failure>"}
    planted = {rule: keys for rule, keys in expected.items() if keys}
    reported = {rule: keys for rule, keys in found.items() if keys}
    assert reported == planted
    assert sum(len(keys) for keys in planted.values()) == len(
        json.loads((sample_data / "manifest.json").read_text())["defects"]
    )


def test_demo_output_is_a_workspace_the_cli_can_read(
    sample_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from another folder with no --sample-data: the installed sample data is used."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "demo-output"
    result = invoke("demo", "--out", str(out))
    assert result.exit_code in (0, 1), result.output
    listing = invoke("audit", "list", "-w", str(out))
    assert listing.exit_code == 0
    suites = len(list((sample_data / "workspace" / "suites").glob("*.json")))
    assert len(listing.stdout.strip().splitlines()) == 1 + 2 * suites  # two batches: trends


def test_demo_without_sample_data_is_a_clear_error(tmp_path: Path) -> None:
    result = invoke("demo", "--out", str(tmp_path / "o"), "--sample-data", str(tmp_path))
    assert result.exit_code == 2
    assert "dqaudit.yml not found" in result.stderr


def test_the_sample_data_is_packaged_with_dqaudit() -> None:
    """An installed dqaudit ships its sample data as dqaudit.sample_data (setup.py)."""
    import setuptools

    from dqaudit.demo import installed_sample_data

    assert (installed_sample_data() / "workspace" / "dqaudit.yml").is_file()
    setup = (Path(__file__).parent.parent / "setup.py").read_text(encoding="utf-8")
    assert 'package_dir={SAMPLE: "sample_data"}' in setup
    assert "workspace.suites" in setuptools.find_namespace_packages(
        str(Path(__file__).parent.parent / "sample_data")
    )


def test_generator_is_deterministic(sample_data: Path, tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(sample_data / "generate.py"), "--out", str(tmp_path)], check=True
    )
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert Path("manifest.json") in generated and len(generated) >= 8
    for relative in generated:
        assert filecmp.cmp(tmp_path / relative, sample_data / relative, shallow=False), relative
