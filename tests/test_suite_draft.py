"""``suite draft``: a suite proposed from the data, that the board completes, lints and runs."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from dqaudit.demo import prepare_demo_workspace
from dqaudit.profiling.draft import names_list
from tests.conftest import invoke, try_approve

# The identifier rule each of the demo's identifier columns must get, and the template
# rule whose planted defects (sample_data/manifest.json) it must find.
IDENTIFIERS = {
    ("pnc", "nominals"): {
        "pnc_id": ("expect_column_values_to_be_valid_pnc_id", "PNC-NOM-006"),
        "cro_number": ("expect_column_values_to_be_valid_cro_number", "PNC-NOM-007"),
        "ni_number": ("expect_column_values_to_be_valid_ni_number", "PNC-NOM-013"),
        "postcode": ("expect_column_values_to_be_valid_uk_postcode", "PNC-NOM-012"),
    },
    ("pnc", "arrest_summons"): {
        "asn": ("expect_column_values_to_be_valid_asn", "PNC-AS-007"),
        "offence_code": ("expect_column_values_to_be_valid_cjs_offence_code", "PNC-AS-010"),
    },
    ("gazetteer", "addresses"): {
        "uprn": ("expect_column_values_to_be_valid_uprn", "GAZ-ADR-005"),
        "postcode": ("expect_column_values_to_be_valid_uk_postcode", "GAZ-ADR-006"),
    },
}
IDENTIFIER_TYPES = {kind for rules in IDENTIFIERS.values() for kind, _rule in rules.values()}


@pytest.fixture
def demo_workspace(sample_data: Path, tmp_path: Path) -> Path:
    """The demo's workspace (as 'dqaudit demo' writes it), with its own empty suites folder."""
    folder = prepare_demo_workspace(sample_data, tmp_path / "demo")
    config = folder / "dqaudit.yml"
    settings = yaml.safe_load(config.read_text())
    settings["suites"] = "suites"
    config.write_text(yaml.safe_dump(settings))
    (folder / "suites").mkdir()
    return folder


def planted(sample_data: Path) -> dict[str, set[str]]:
    keys: dict[str, set[str]] = defaultdict(set)
    for defect in json.loads((sample_data / "manifest.json").read_text())["defects"]:
        keys[defect["rule_id"]].add(defect["key"])
    return keys


def draft(folder: Path, system: str, dataset: str, *extra: str) -> Any:
    return invoke("suite", "draft", system, dataset, "-w", str(folder), *extra)


def set_risk(path: Path, likelihood: int = 3, impact: int = 4) -> None:
    document = json.loads(path.read_text())
    document["meta"]["dqaudit"].update(likelihood=likelihood, impact=impact)
    path.write_text(json.dumps(document, indent=2))


def test_drafts_of_the_demo_propose_the_identifier_rules_lint_and_run(
    demo_workspace: Path, sample_data: Path
) -> None:
    drafted = {}
    for (system, dataset), wanted in IDENTIFIERS.items():
        result = draft(demo_workspace, system, dataset)
        assert result.exit_code == 0, result.output
        path = demo_workspace / "suites" / f"{system}_{dataset}_draft.json"
        assert f"wrote draft suite {path.stem}" in result.stdout
        document = json.loads(path.read_text())
        drafted[(system, dataset)] = path
        identifier_rules = {
            e["kwargs"]["column"]: e["type"]
            for e in document["expectations"]
            if e["type"] in IDENTIFIER_TYPES
        }
        # every identifier column gets its rule, and no other column gets one
        assert identifier_rules == {column: kind for column, (kind, _r) in wanted.items()}
        governance = document["meta"]["dqaudit"]
        assert (governance["system"], governance["dataset"]) == (system, dataset)
        assert governance["draft"] is True
        assert governance["likelihood"] is None and governance["impact"] is None
        assert governance["drafted"]["rows"] > 1000 and governance["drafted"]["min_share"] == 0.95
        for expectation in document["expectations"]:
            meta = expectation["meta"]["dqaudit"]
            assert meta["likelihood"] is None and meta["impact"] is None
            assert meta["dimension"] in ("completeness", "uniqueness", "validity")
            assert meta["rationale"] and meta["rule_id"].startswith(system.upper())
            if expectation["type"] in IDENTIFIER_TYPES:
                assert "% of" in meta["rationale"] and "values are valid" in meta["rationale"]

    pnc_path = drafted[("pnc", "nominals")]
    before = invoke("suite", "lint", pnc_path.stem, "-w", str(demo_workspace))
    assert before.exit_code == 1
    assert "suite meta.dqaudit.likelihood is to be set by the board" in before.stdout
    assert "0 error(s), 2 to be set, 1 warning(s)" in before.stdout
    refused = try_approve(demo_workspace, pnc_path.stem)
    assert refused.exit_code == 2 and "cannot be approved" in refused.stderr

    for path in drafted.values():
        set_risk(path)
        checked = invoke("suite", "lint", path.stem, "-w", str(demo_workspace))
        assert checked.exit_code == 0, checked.output
        assert "0 error(s), 0 to be set, 1 warning(s)" in checked.stdout  # the draft mark
    marked = try_approve(demo_workspace, pnc_path.stem)
    assert marked.exit_code == 2 and "marked as a draft" in marked.stderr

    run = invoke("audit", "run", "-w", str(demo_workspace), "--allow-draft")
    assert run.exit_code == 1, run.output  # the drafted rules find the planted defects
    assert run.stdout.count(" DRAFT ") == 3 and "INVALID" not in run.stdout
    assert "Error" not in run.stderr

    keys = planted(sample_data)
    for (system, dataset), wanted in IDENTIFIERS.items():
        result = invoke(
            "check",
            str(_extract(demo_workspace, system, dataset)),
            "--suite",
            str(drafted[(system, dataset)]),
            "--key",
            _key(demo_workspace, system, dataset),
            "--json",
            *_options(demo_workspace, system, dataset),
        )
        document = json.loads(result.stdout)
        assert document["status"] == "failed" and document["error"] is None
        by_type = {
            (r["expectation_type"], r["kwargs"].get("column")): r for r in document["results"]
        }
        for column, (kind, template_rule) in wanted.items():
            found = by_type[(kind, column)]
            assert set(found["failing_keys"]) == keys[template_rule], (column, kind)


def _dataset(folder: Path, system: str, dataset: str) -> dict[str, Any]:
    settings = yaml.safe_load((folder / "dqaudit.yml").read_text())
    return settings["systems"][system]["datasets"][dataset]


def _extract(folder: Path, system: str, dataset: str) -> Path:
    return Path(_dataset(folder, system, dataset)["options"]["path"])


def _key(folder: Path, system: str, dataset: str) -> str:
    return ",".join(_dataset(folder, system, dataset)["key"])


def _options(folder: Path, system: str, dataset: str) -> list[str]:
    options = _dataset(folder, system, dataset)["options"]
    if "layout" not in options:
        return []
    return ["--connector", "fixed_width", "--option", f"layout={options['layout']}"]


def test_a_draft_never_overwrites_and_never_takes_a_suite_name(template_workspace: Path) -> None:
    taken = draft(template_workspace, "custody", "custody_records", "--out", "custody_records.json")
    assert taken.exit_code == 2
    assert "suite 'custody_records' already exists" in taken.stderr
    out = template_workspace / "elsewhere" / "custody_first_look.json"
    first = draft(template_workspace, "custody", "custody_records", "--out", str(out))
    assert first.exit_code == 0, first.output
    assert json.loads(out.read_text())["name"] == "custody_first_look"
    again = draft(template_workspace, "custody", "custody_records", "--out", str(out))
    assert again.exit_code == 2 and "already exists; choose another file" in again.stderr
    bad = draft(template_workspace, "custody", "custody_records", "--min-share", "0.2")
    assert bad.exit_code == 2 and "--min-share" in bad.stderr


def test_sensitive_columns_get_no_rule_that_quotes_their_values(template_workspace: Path) -> None:
    result = draft(template_workspace, "custody", "custody_records")
    assert result.exit_code == 0, result.output
    path = template_workspace / "suites" / "custody_custody_records_draft.json"
    document = json.loads(path.read_text())
    text = path.read_text()
    on = defaultdict(set)
    for expectation in document["expectations"]:
        on[expectation["kwargs"].get("column")].add(expectation["type"])
    for sensitive in ("surname", "date_of_birth"):
        assert not on[sensitive] & {
            "expect_column_values_to_be_in_set",
            "expect_column_values_to_be_between",
        }
    assert "SMITH" not in text and "JONES" not in text and "1990-04-02" not in text
    assert "expect_column_values_to_be_between" in on["age_at_arrival"]  # not sensitive
    lint = invoke("suite", "lint", path.stem, "-w", str(template_workspace))
    assert lint.exit_code == 1 and " error(s)" in lint.stdout and "0 error(s)" in lint.stdout


def test_a_higher_share_proposes_only_what_fits_it(demo_workspace: Path) -> None:
    out = demo_workspace / "strict.json"
    result = draft(demo_workspace, "pnc", "nominals", "--out", str(out), "--min-share", "1")
    assert result.exit_code == 0, result.output
    kinds = {e["type"] for e in json.loads(out.read_text())["expectations"]}
    assert "expect_column_values_to_be_valid_pnc_id" not in kinds  # 99.6% valid, not 100%
    assert "expect_column_values_to_not_be_null" in kinds  # nominal_ref is complete


@pytest.mark.parametrize(
    "column, code_list, named",
    [
        ("rpc", "representative_point_code", True),
        ("logical_status", "blpu_logical_status", True),
        ("disposal_code", "pnc_disposal", True),
        ("pao_start_number", "crime_outcome", False),
        ("status_code", "blpu_logical_status", False),  # generic words name nothing
    ],
)
def test_a_column_of_numeric_codes_takes_a_list_only_by_name(
    column: str, code_list: str, named: bool
) -> None:
    assert names_list(column, code_list) is named
