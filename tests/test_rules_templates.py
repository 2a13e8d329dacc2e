"""Suite templates, the demo's use of them, ``dqaudit rules list``, and run references."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from dqaudit.expectations.rules.catalogue import RULES
from dqaudit.expectations.rules.derivation_catalogue import DERIVATIONS
from dqaudit.expectations.suite import load_suite
from dqaudit.expectations.suite_model import DIMENSIONS
from dqaudit.store import AuditStore
from tests.conftest import REPO, invoke

TEMPLATES = REPO / "dqaudit" / "expectations" / "templates"
FIELDS = ("rule_id", "dimension", "likelihood", "impact", "rationale", "remediation")


def load_sample(sample_data: Path, relative: str) -> pd.DataFrame:
    return pd.read_csv(sample_data / relative, dtype=str, keep_default_na=False, na_values=[""])


def template_paths() -> list[Path]:
    return sorted(TEMPLATES.glob("*.json"))


def test_templates_cover_pnc_gazetteer_and_custody() -> None:
    names = {path.stem for path in template_paths()}
    assert {"pnc_nominals", "pnc_arrest_summons", "gazetteer_addresses", "custody_pace"} <= names
    systems = {load_suite(path).system for path in template_paths()}
    assert systems == {"pnc", "gazetteer", "custody", "policeuk", "incidents", "casework"}


@pytest.mark.parametrize("path", template_paths(), ids=lambda p: p.stem)
def test_template_is_a_valid_gx_suite_with_full_governance_meta(path: Path) -> None:
    from dqaudit.expectations import gx_adapter

    gx = gx_adapter.load_gx()
    gx_adapter.register_library()  # the templates name the library's expectations
    document = json.loads(path.read_text(encoding="utf-8"))
    with gx_adapter.quiet_gx():  # GX 1.9+ deprecates the string row conditions suites use
        suite = gx.ExpectationSuite(**document)  # GX itself accepts and serialises it
    assert len(suite.expectations) == len(document["expectations"])
    assert json.loads(json.dumps(suite.to_json_dict()))["name"] == document["name"]
    loaded = load_suite(path)
    loaded.require_governance()
    for rule in loaded.rules:
        meta = rule.meta["dqaudit"]
        assert all(meta.get(field) for field in FIELDS), (rule.label, meta)
        assert meta["dimension"] in DIMENSIONS
        assert 1 <= meta["likelihood"] <= 5 and 1 <= meta["impact"] <= 5
        assert gx_adapter.is_known_expectation(rule.expectation_type)


def test_every_library_rule_is_used_by_a_template_or_listed_with_an_example() -> None:
    used = {rule.expectation_type for path in template_paths() for rule in load_suite(path).rules}
    for rule in RULES:
        assert rule.example, rule.expectation_type
    assert {r.expectation_type for r in RULES if r.family != "identifier"} <= used | {
        "expect_column_values_to_be_valid_uk_vrm"
    }
    derivations = set()
    for path in template_paths():
        spec = load_suite(path).meta["dqaudit"].get("derivation")
        steps = spec if isinstance(spec, list) else [spec] if spec else []
        derivations |= {step["kind"] for step in steps}
    assert derivations == {d.kind for d in DERIVATIONS}


def test_the_demo_suites_are_the_templates(sample_data: Path) -> None:
    demo = sorted((sample_data / "workspace" / "suites").glob("*.json"))
    assert [p.name for p in demo] == [p.name for p in template_paths()]
    for path in demo:
        assert path.read_bytes() == (TEMPLATES / path.name).read_bytes(), path.name


def test_rules_list_shows_every_rule_with_engines_and_example() -> None:
    result = invoke("rules", "list")
    assert result.exit_code == 0
    for rule in RULES:
        assert rule.expectation_type in result.stdout
    assert "engines:  pandas, postgresql, sqlite, mariadb, spark" in result.stdout
    assert "engines:  pandas, spark\n" in result.stdout  # timing and geometry: UDFs on Spark
    assert "engines:  pandas\n" in result.stdout
    assert '"kwargs": {"column": "pnc_id"}' in result.stdout
    assert "pace_detentions" in result.stdout and "self_defined_ethnicity" in result.stdout


def test_check_with_a_template_reads_boundaries_beside_the_suite(sample_data: Path) -> None:
    result = invoke(
        "check",
        str(sample_data / "gazetteer" / "addresses.csv"),
        "--suite",
        str(sample_data / "workspace" / "suites" / "gazetteer_addresses.json"),
        "--key",
        "address_id",
        "--json",
    )
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    by_rule = {r["rule_id"]: r for r in document["results"]}
    assert by_rule["GAZ-GEO-001"]["error"] is None and by_rule["GAZ-GEO-001"]["failing_keys"]
    # the kwargs echo the suite as written, not the resolved path
    assert by_rule["GAZ-GEO-001"]["kwargs"]["boundary"] == "../reference/force_boundary.geojson"


def test_audit_run_records_the_reference_files_it_used(sample_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert invoke("demo", "--out", str(out), "--sample-data", str(sample_data)).exit_code == 0
    store = AuditStore(f"sqlite:///{out / 'audit.db'}")
    try:
        runs = {run.suite_name: run.run_id for run in reversed(store.list_runs())}
        gazetteer = store.run_references(runs["gazetteer_addresses"])
        sources = {Path(r.source).name: r for r in gazetteer}
        assert set(sources) == {"force_boundary.geojson", "neighbourhoods.geojson"}
        import hashlib

        boundary = sample_data / "workspace" / "reference" / "force_boundary.geojson"
        assert (
            sources["force_boundary.geojson"].sha256
            == hashlib.sha256(boundary.read_bytes()).hexdigest()
        )
        derived = store.run_references(runs["gazetteer_address_references"])
        assert [r.role for r in derived] == ["derivation input postcode_directory"]
        assert derived[0].row_count == 565
        pace = store.run_references(runs["custody_pace"])
        assert [r.role for r in pace] == ["derivation input reviews"]
        assert store.run_references(runs["pnc_nominals"]) == []  # built-in code lists only
    finally:
        store.close()
    assert store.schema_version() >= 3
