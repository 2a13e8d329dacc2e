"""``suite lint``: every problem of a suite at once, and approval and ``audit run`` held to it."""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml

from dqaudit.errors import InputError
from dqaudit.expectations.suite import collect_suite, suite_from_dict
from tests.conftest import invoke, rule, try_approve, write_suite

CUSTODY = {"system": "custody", "dataset": "custody_records", "likelihood": 3, "impact": 4}


def lint(folder: Path, suite: str, *extra: str) -> Any:
    return invoke("suite", "lint", suite, "-w", str(folder), *extra)


def lint_json(folder: Path, suite: str) -> dict[str, Any]:
    result = lint(folder, suite, "--json")
    document = json.loads(result.stdout)
    document["exit_code"] = result.exit_code
    return document


def problem(document: dict[str, Any], text: str) -> dict[str, Any]:
    found = [p for p in document["problems"] if text in p["message"]]
    assert len(found) == 1, (text, document["problems"])
    return found[0]


def many_problems_suite(folder: Path) -> Path:
    """One suite with a problem of every kind, each in its own expectation."""
    return write_suite(
        folder / "suites" / "troubled.json",
        [
            rule("expect_column_values_to_not_be_nul", "T-1", column="custody_ref"),
            rule("expect_column_values_to_be_unique", "T-2", column="Custody_Ref"),
            rule("expect_column_values_to_not_be_null", "T-3", column="station_cod"),
            rule(
                "expect_column_values_to_not_be_null",
                "T-4",
                column="surname",
                row_condition='station code == "BW"',
                condition_parser="pandas",
            ),
            rule("expect_column_values_to_be_in_set", "T-5", column="station_code", value_set=7),
            rule(
                "expect_column_values_to_be_in_code_list",
                "T-6",
                column="station_code",
                code_list="lists/stations.csv",
            ),
            rule(
                "expect_column_values_to_match_regex",
                "T-7",
                meta={"dimension": "Validity"},
                column="surname",
                regex="^[A-Z]+$",
            ),
            rule(
                "expect_column_value_lengths_to_be_between",
                "T-8",
                meta={"dimension": "validty"},
                column="surname",
                min_value=1,
            ),
            rule(
                "expect_column_values_to_not_be_null",
                "T-9",
                meta={"likelihood": 7},
                column="date_of_birth",
            ),
            rule("expect_column_values_to_not_be_null", None, column="release_datetime"),
        ],
        **CUSTODY,
    )


def test_lint_lists_every_problem_at_once_with_file_rule_setting_and_suggestions(
    template_workspace: Path,
) -> None:
    many_problems_suite(template_workspace)
    result = lint(template_workspace, "troubled")
    assert result.exit_code == 1
    text = result.stdout
    assert "did you mean 'expect_column_values_to_not_be_null'?" in text
    assert "a column name with spaces must be in backticks: `Crime type`" in text
    assert text.strip().splitlines()[-1].startswith(str(template_workspace / "suites"))

    document = lint_json(template_workspace, "troubled")
    assert document["exit_code"] == 1 and document["clean"] is False
    assert document["version"] == 1 and document["suite"] == "troubled"
    assert document["columns_checked_against"].endswith("custody_records.csv")
    unknown = problem(document, "unknown expectation type 'expect_column_values_to_not_be_nul'")
    assert (unknown["expectation"], unknown["rule_id"], unknown["setting"]) == (1, "T-1", "type")
    assert unknown["suggestions"] == ["expect_column_values_to_not_be_null"]
    assert unknown["file"].endswith("troubled.json") and unknown["severity"] == "error"
    cased = problem(document, "reads column 'Custody_Ref'")
    assert (cased["expectation"], cased["setting"], cased["suggestions"]) == (
        2,
        "kwargs.column",
        ["custody_ref"],
    )
    misspelt = problem(document, "reads column 'station_cod'")
    assert misspelt["suggestions"] == ["station_code"] and misspelt["rule_id"] == "T-3"
    condition = problem(document, "row_condition")
    assert (condition["expectation"], condition["setting"]) == (4, "kwargs.row_condition")
    kwargs = problem(document, "invalid kwargs: value_set")
    assert (kwargs["expectation"], kwargs["setting"]) == (5, "kwargs.value_set")
    missing_file = problem(document, "code_list file not found")
    assert (missing_file["expectation"], missing_file["setting"]) == (6, "kwargs.code_list")
    case = problem(document, "dimension 'Validity' is read as 'validity'")
    assert case["severity"] == "warning" and case["expectation"] == 7
    dimension = problem(document, "'validty' is not a DAMA dimension")
    assert dimension["suggestions"] == ["validity"] and dimension["rule_id"] == "T-8"
    risk = problem(document, "likelihood is 7")
    assert (risk["expectation"], risk["setting"]) == (9, "meta.dqaudit.likelihood")
    no_id = problem(document, "has no meta.dqaudit.rule_id")
    assert no_id["expectation"] == 10
    assert document["counts"] == {"error": 9, "to be set": 0, "warning": 1}
    numbers = [p["expectation"] for p in document["problems"]]
    assert numbers == sorted(numbers)  # in file order


def test_a_clean_suite_lints_clean_and_exits_0(template_workspace: Path) -> None:
    result = lint(template_workspace, "custody_records")
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 to be set, 0 warning(s); columns checked against" in result.stdout


def test_the_risk_matrix_of_the_workspace_bounds_likelihood(template_workspace: Path) -> None:
    config = template_workspace / "dqaudit.yml"
    settings = yaml.safe_load(config.read_text())
    settings["risk"]["matrix"] = 4
    config.write_text(yaml.safe_dump(settings))
    document = lint_json(template_workspace, "custody_records")
    too_high = [p for p in document["problems"] if "impact is 5" in p["message"]]
    assert [p["rule_id"] for p in too_high] == ["CUS-002", "CUS-005"]
    assert all("a whole number from 1 to 4" in p["message"] for p in too_high)
    assert document["exit_code"] == 1


def test_an_unknown_suite_name_is_bad_input_with_a_suggestion(template_workspace: Path) -> None:
    result = lint(template_workspace, "custody_record")
    assert result.exit_code == 2
    assert "no suite named 'custody_record'" in result.stderr
    assert "did you mean 'custody_records'?" in result.stderr


def test_a_suite_file_outside_any_workspace_is_linted_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DQAUDIT_WORKSPACE", raising=False)
    path = write_suite(
        tmp_path / "alone.json",
        [rule("expect_column_values_to_not_be_null", "A-1", column="x")],
        system="s",
        dataset="d",
        likelihood=2,
        impact=2,
    )
    result = invoke("suite", "lint", str(path))
    assert result.exit_code == 0, result.output
    assert "no workspace (dqaudit.yml)" in result.stdout and "columns not checked" in result.stdout


def test_an_unreadable_extract_leaves_columns_unchecked_with_a_warning(
    template_workspace: Path,
) -> None:
    (template_workspace / "data" / "custody_records.csv").unlink()
    document = lint_json(template_workspace, "custody_records")
    assert document["exit_code"] == 0 and document["columns_checked_against"] is None
    warning = problem(document, "not checked: cannot read its header")
    assert warning["severity"] == "warning" and "file not found" in warning["message"]


def test_a_binding_to_an_unknown_dataset_suggests_the_right_one(template_workspace: Path) -> None:
    write_suite(
        template_workspace / "suites" / "stray.json",
        [rule("expect_column_values_to_not_be_null", "S-1", column="custody_ref")],
        **{**CUSTODY, "dataset": "custody_record"},
    )
    found = problem(lint_json(template_workspace, "stray"), "has no dataset 'custody_record'")
    assert found["setting"] == "meta.dqaudit.dataset"
    assert found["suggestions"] == ["custody_records"]


def test_derivation_inputs_and_their_columns_are_checked(template_workspace: Path) -> None:
    config = template_workspace / "dqaudit.yml"
    settings = yaml.safe_load(config.read_text())
    datasets = settings["systems"]["custody"]["datasets"]
    datasets["reviews"] = {"connector": "csv", "options": {"path": "data/reviews.csv"}}
    config.write_text(yaml.safe_dump(settings))
    (template_workspace / "data" / "reviews.csv").write_text(
        "custody_ref,review_time,review_type\nWM/C/0000001,2026-03-01 16:00:00,PACE_FIRST\n"
    )
    pace = {"kind": "pace_detentions", "inputs": {"reviews": "reviews"}}
    write_suite(
        template_workspace / "suites" / "pace.json",
        [rule("expect_column_values_to_be_between", "P-1", column="first_review_h", max_value=6)],
        **CUSTODY,
        derivation=pace,
    )
    document = lint_json(template_workspace, "pace")
    messages = [p["message"] for p in document["problems"]]
    # the custody extract lacks columns PACE needs; the reviews input lacks two more
    assert any("needs column 'arrival_datetime' in the dataset" in m for m in messages)
    assert any("needs column 'review_datetime' in input 'reviews'" in m for m in messages)
    assert any("needs column 'postponed' in input 'reviews'" in m for m in messages)
    reviewed = problem(document, "needs column 'review_datetime'")
    assert reviewed["suggestions"] == ["review_time"]
    # a derived column is a column: first_review_h is not reported missing
    assert not any("first_review_h" in m for m in messages)

    write_suite(
        template_workspace / "suites" / "pace.json",
        [rule("expect_column_values_to_be_between", "P-1", column="first_review_h", max_value=6)],
        **CUSTODY,
        derivation={**pace, "inputs": {"reviews": "review"}},
    )
    wrong = problem(lint_json(template_workspace, "pace"), "names dataset 'review'")
    assert wrong["setting"] == "meta.dqaudit.derivation.inputs"


def sqlite_workspace(folder: Path, mode: str) -> Path:
    database = folder / "records.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE detentions (ref TEXT, held_from TEXT, held_to TEXT)")
        connection.execute("INSERT INTO detentions VALUES ('R1', '2026-01-01', '2026-01-02')")
    config = {
        "systems": {
            "custody": {
                "owner": {"name": "Owner", "email": "owner@example.police.uk"},
                "datasets": {
                    "detentions": {
                        "connector": "sql",
                        "options": {
                            "url": f"sqlite:///{database}",
                            "table": "detentions",
                            "mode": mode,
                        },
                        "key": ["ref"],
                    }
                },
            }
        }
    }
    (folder / "suites").mkdir()
    (folder / "dqaudit.yml").write_text(yaml.safe_dump(config))
    write_suite(
        folder / "suites" / "held.json",
        [
            rule("expect_column_values_to_not_be_null", "H-1", column="reff"),
            rule(
                "expect_column_values_to_be_increasing",
                "H-2",
                meta={"value_type": "datetime"},
                column="held_from",
            ),
        ],
        system="custody",
        dataset="detentions",
        likelihood=2,
        impact=2,
    )
    return folder


@pytest.mark.parametrize("mode", ["pull", "pushdown"])
def test_a_database_table_is_checked_by_its_columns_and_its_engine(
    tmp_path: Path, mode: str
) -> None:
    folder = sqlite_workspace(tmp_path, mode)
    document = lint_json(folder, "held")
    assert "table detentions" in document["columns_checked_against"]
    assert problem(document, "reads column 'reff'")["suggestions"] == ["ref"]
    order = [p for p in document["problems"] if "no row order" in p["message"]]
    assert len(order) == (1 if mode == "pushdown" else 0)  # pull reads into pandas


def test_collecting_loader_keeps_going_and_strict_loading_raises_the_first() -> None:
    document = {
        "name": "s",
        "expectations": [
            "not an object",
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}},
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}},
            {"kwargs": {"column": "b"}},
        ],
        "meta": {"dqaudit": {"impact": 9, "draft": "yes"}},
    }
    load = collect_suite(copy.deepcopy(document), source="s.json")
    messages = [p.message for p in load.problems]
    assert len(messages) == 5, messages
    assert "expectation #1 must be a JSON object" in messages[0]
    assert "expectation #4 has no expectation 'type'" in messages[1]
    assert "expectation #3 (expect_column_values_to_not_be_null) repeats" in messages[2]
    assert "impact is 9" in messages[3] and "draft must be true or false" in messages[4]
    assert load.suite is not None and [r.position for r in load.suite.rules] == [1, 2]
    with pytest.raises(InputError, match="expectation #1 must be a JSON object"):
        suite_from_dict(document, source="s.json")


def test_a_dimension_in_any_case_is_stored_lower_case_and_hashes_alike() -> None:
    def suite(dimension: str) -> Any:
        kind = "expect_column_values_to_not_be_null"
        return suite_from_dict(
            {"name": "s", "expectations": [rule(kind, "R-1", {"dimension": dimension}, column="a")]}
        )

    shouted, plain = suite(" Completeness"), suite("completeness")
    assert shouted.rules[0].dimension == "completeness"
    assert shouted.hash == plain.hash


def many_problems_run_setup(folder: Path) -> None:
    # exactly the case: an unknown expectation type and a missing column
    write_suite(
        folder / "suites" / "unrunnable.json",
        [
            rule("expect_column_values_to_be_valid_pnc_idd", "U-1", column="custody_ref"),
            rule("expect_column_values_to_not_be_null", "U-2", column="no_such_column"),
        ],
        **CUSTODY,
    )


def test_approval_is_refused_while_any_error_remains_and_nothing_is_recorded(
    template_workspace: Path,
) -> None:
    many_problems_run_setup(template_workspace)
    result = try_approve(template_workspace, "unrunnable")
    assert result.exit_code == 2
    assert "suite unrunnable cannot be approved: 2 problem(s)" in result.stderr
    assert "unknown expectation type 'expect_column_values_to_be_valid_pnc_idd'" in result.stderr
    assert "reads column 'no_such_column'" in result.stderr
    status = invoke("suite", "status", "-w", str(template_workspace))
    assert "unrunnable" in status.stdout and "never approved" in status.stdout
    trail = invoke("trail", "-w", str(template_workspace))
    assert "unrunnable" not in trail.stdout


def test_audit_run_refuses_a_suite_with_errors_lists_them_and_runs_the_others(
    template_workspace: Path,
) -> None:
    many_problems_run_setup(template_workspace)
    result = invoke("audit", "run", "-w", str(template_workspace), "--allow-draft")
    assert result.exit_code == 2
    assert "Error: suite unrunnable was not run: 2 error(s):" in result.stderr
    assert "unknown expectation type" in result.stderr and "no_such_column" in result.stderr
    assert "INVALID unrunnable" in result.stdout
    assert "custody_records" in result.stdout and "run " in result.stdout
    listing = invoke("audit", "list", "-w", str(template_workspace))
    assert "custody_records" in listing.stdout and "unrunnable" not in listing.stdout


def test_audit_run_of_only_a_bad_suite_names_it(template_workspace: Path) -> None:
    many_problems_run_setup(template_workspace)
    result = invoke("audit", "run", "-w", str(template_workspace), "--suite", "unrunnable")
    assert result.exit_code == 2
    assert "nothing run" in result.stdout
    assert "Error: suite unrunnable was not run" in result.stderr
