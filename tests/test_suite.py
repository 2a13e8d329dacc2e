"""Suite loading and the suite hash that approvals are bound to."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from dqaudit.errors import InputError
from dqaudit.expectations.suite import load_suite, suite_from_dict

BASE = {
    "name": "custody_records",
    "id": "4b1d6f0e-0000-0000-0000-000000000001",
    "notes": "first draft",
    "meta": {
        "great_expectations_version": "1.24.1",
        "dqaudit": {"system": "custody", "dataset": "records", "likelihood": 3, "impact": 4},
    },
    "expectations": [
        {
            "type": "expect_column_values_to_not_be_null",
            "id": "aaaaaaaa-0000-0000-0000-000000000001",
            "kwargs": {"column": "custody_ref"},
            "meta": {
                "dqaudit": {
                    "rule_id": "CUS-001",
                    "dimension": "completeness",
                    "rationale": "Every detention needs a reference.",
                    "remediation": "Fill it in.",
                }
            },
        },
        {
            "type": "expect_column_values_to_be_in_set",
            "kwargs": {"column": "station", "value_set": ["BW", "CV"]},
            "meta": {"dqaudit": {"rule_id": "CUS-002", "dimension": "validity", "impact": 5}},
        },
    ],
}


def suite_hash(document: dict) -> str:
    return suite_from_dict(copy.deepcopy(document)).hash


def changed(path: list, value: object) -> dict:
    document = copy.deepcopy(BASE)
    target = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return document


@pytest.mark.parametrize(
    "path, value",
    [
        (["id"], "another-id"),
        (["notes"], "reworded"),
        (["meta", "great_expectations_version"], "1.99.0"),
        (["expectations", 0, "id"], "regenerated"),
        (["expectations", 0, "meta", "dqaudit", "rationale"], "Reworded rationale."),
        (["expectations", 0, "meta", "dqaudit", "remediation"], "Reworded remediation."),
        (["expectations", 0, "notes"], "a note"),
    ],
)
def test_hash_ignores_ids_versions_and_wording(path: list, value: object) -> None:
    assert suite_hash(changed(path, value)) == suite_hash(BASE)


@pytest.mark.parametrize(
    "path, value",
    [
        (["name"], "renamed"),
        (["expectations", 0, "type"], "expect_column_values_to_be_unique"),
        (["expectations", 1, "kwargs", "value_set"], ["BW", "CV", "DY"]),
        (["expectations", 0, "meta", "dqaudit", "rule_id"], "CUS-009"),
        (["expectations", 0, "meta", "dqaudit", "dimension"], "validity"),
        (["expectations", 1, "meta", "dqaudit", "impact"], 2),
        (["expectations", 0, "meta", "dqaudit", "likelihood"], 5),
        (["meta", "dqaudit", "impact"], 1),  # inherited by CUS-001, so its risk changes
        (["meta", "dqaudit", "dataset"], "other_table"),
    ],
)
def test_hash_changes_with_any_rule_or_risk_change(path: list, value: object) -> None:
    assert suite_hash(changed(path, value)) != suite_hash(BASE)


def test_hash_ignores_expectation_order_and_whitespace(tmp_path: Path) -> None:
    reordered = copy.deepcopy(BASE)
    reordered["expectations"].reverse()
    spaced = tmp_path / "spaced.json"
    spaced.write_text(json.dumps(BASE, indent=4), encoding="utf-8")
    assert suite_hash(reordered) == suite_hash(BASE) == load_suite(spaced).hash
    assert len(suite_hash(BASE)) == 64


def test_governance_metadata_is_read() -> None:
    suite = suite_from_dict(copy.deepcopy(BASE))
    assert (suite.system, suite.dataset, suite.likelihood, suite.impact) == (
        "custody",
        "records",
        3,
        4,
    )
    first, second = suite.rules
    assert first.rule_id == "CUS-001" and first.dimension == "completeness"
    assert suite.effective_risk(first) == (3, 4)
    assert suite.effective_risk(second) == (3, 5)


@pytest.mark.parametrize(
    "document, message",
    [
        (
            changed(["expectations", 0, "meta", "dqaudit", "dimension"], "freshness"),
            "not a DAMA dimension",
        ),
        (
            changed(["expectations", 1, "meta", "dqaudit", "rule_id"], "CUS-001"),
            "rule_id 'CUS-001' is used by both",
        ),
        (changed(["expectations", 0, "meta", "dqaudit", "likelihood"], 6), "from 1 to 5"),
        (changed(["meta", "dqaudit", "impact"], 0), "suite meta.dqaudit.impact"),
        (changed(["expectations", 0, "kwargs"], ["column"]), "'kwargs' must be a JSON object"),
        ({"expectation_suite_name": "old", "expectations": []}, "GX 1.x suites use 'name'"),
        (
            {"name": "old", "expectations": [{"expectation_type": "expect_x", "kwargs": {}}]},
            "GX 1.x suites use 'type'",
        ),
    ],
)
def test_bad_suites_are_errors_naming_the_expectation(document: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        suite_from_dict(document, source="s.json")


def test_duplicate_expectations_are_an_error_not_silently_dropped() -> None:
    document = copy.deepcopy(BASE)
    twin = copy.deepcopy(document["expectations"][0])
    twin["meta"]["dqaudit"]["rule_id"] = "CUS-003"
    document["expectations"].append(twin)
    with pytest.raises(InputError, match=r"expectation #3 .* repeats expectation #1"):
        suite_from_dict(document)


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "name": "x",\n  "expectations": [,]\n}', encoding="utf-8")
    with pytest.raises(InputError, match=r"broken.json: malformed suite JSON at line 3, column 20"):
        load_suite(path)


def test_missing_suite_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="suite file not found"):
        load_suite(tmp_path / "absent.json")


def test_a_plain_gx_suite_loads_unchanged(tmp_path: Path) -> None:
    """A suite exactly as GX 1.x writes it, with no dqaudit metadata at all."""
    document = {
        "name": "plain",
        "id": "0f1e2d3c-aaaa-bbbb-cccc-000000000000",
        "expectations": [
            {
                "type": "expect_column_values_to_match_regex",
                "kwargs": {"column": "postcode", "regex": "^[A-Z]"},
                "meta": {},
                "id": "11111111-aaaa-bbbb-cccc-000000000000",
                "severity": "critical",
            }
        ],
        "meta": {"great_expectations_version": "1.24.1"},
        "notes": None,
    }
    path = tmp_path / "plain.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    suite = load_suite(path)
    assert suite.name == "plain"
    assert suite.rules[0].rule_id is None
    with pytest.raises(InputError, match=r"meta\.dqaudit\.system is missing"):
        suite.require_governance()
