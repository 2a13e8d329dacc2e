"""``dqaudit check``: exit codes, the JSON document, and one-line errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import invoke, realdata, rule, write_suite

CSV = "ref,station,age\nA1,BW,34\nA2,XX,17\nA3,CV,abc\nA4,BW,\n"


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "custody.csv"
    data.write_text(CSV, encoding="utf-8")
    suite = write_suite(
        tmp_path / "custody.json",
        [
            rule(
                "expect_column_values_to_be_in_set", "STN", column="station", value_set=["BW", "CV"]
            ),
            rule(
                "expect_column_values_to_be_between",
                "AGE",
                column="age",
                min_value=10,
                max_value=100,
            ),
            rule("expect_column_values_to_not_be_null", "AGE-NN", column="age"),
            rule("expect_table_row_count_to_be_between", "ROWS", min_value=1),
        ],
    )
    return data, suite


def test_failing_checks_exit_1_with_the_documented_json(files: tuple[Path, Path]) -> None:
    data, suite = files
    result = invoke("check", str(data), "--suite", str(suite), "--key", "ref", "--json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["status"] == "failed"
    assert document["suite"] == "custody" and document["rows"] == 4
    assert document["key_source"] == "column" and document["error"] is None
    keys = {r["rule_id"]: r["failing_keys"] for r in document["results"]}
    assert keys == {"STN": ["A2"], "AGE": ["A3"], "AGE-NN": ["A4"], "ROWS": None}
    assert [r["unexpected_count"] for r in document["results"]] == [1, 1, 1, None]
    assert document["results"][1]["kwargs"] == {"column": "age", "min_value": 10, "max_value": 100}


def test_a_real_process_leaves_with_its_exit_code_and_all_its_output(tmp_path: Path) -> None:
    """The console script leaves with os._exit (cli.main): stdout through a pipe must still
    be complete, and the exit status the command's."""
    rows = "".join(f"R{n},XX,{n % 90}\n" for n in range(20_000))  # 20,000 failing keys
    data = tmp_path / "many.csv"
    data.write_text("ref,station,age\n" + rows, encoding="utf-8")
    suite = write_suite(
        tmp_path / "many.json",
        [rule("expect_column_values_to_be_in_set", "STN", column="station", value_set=["BW"])],
    )
    command = [sys.executable, "-m", "dqaudit.cli", "check", str(data), "--suite", str(suite)]
    done = subprocess.run(
        [*command, "--key", "ref", "--json"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1, done.stderr
    document = json.loads(done.stdout)
    assert len(document["results"][0]["failing_keys"]) == 20_000
    assert document["results"][0]["failing_keys"][-1] == "R19999"


def test_passing_checks_exit_0(tmp_path: Path) -> None:
    data = tmp_path / "ok.csv"
    data.write_text("ref,v\n1,x\n", encoding="utf-8")
    suite = write_suite(
        tmp_path / "ok.json", [rule("expect_column_values_to_not_be_null", "V", column="v")]
    )
    result = invoke("check", str(data), "--suite", str(suite), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["status"] == "passed"


def test_line_numbers_identify_rows_without_a_key(files: tuple[Path, Path]) -> None:
    data, suite = files
    document = json.loads(invoke("check", str(data), "--suite", str(suite), "--json").stdout)
    assert document["key_source"] == "line"
    assert document["results"][0]["failing_keys"] == ["3"]


def test_out_writes_the_same_document(files: tuple[Path, Path], tmp_path: Path) -> None:
    data, suite = files
    out = tmp_path / "result.json"
    result = invoke("check", str(data), "--suite", str(suite), "--key", "ref", "--out", str(out))
    assert result.exit_code == 1
    assert "FAIL  STN" in result.stdout
    assert json.loads(out.read_text())["results"][0]["failing_keys"] == ["A2"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"data": "missing.csv"}, "file not found"),
        ({"suite": "missing.json"}, "suite file not found"),
        ({"key": "nope"}, "key column 'nope' is not in"),
        ({"suite_text": "{not json"}, "malformed suite JSON at line 1, column 2"),
        (
            {"suite_rules": [rule("expect_column_values_to_not_be_null", "X", column="absent")]},
            "rule X, expect_column_values_to_not_be_null) reads column 'absent'",
        ),
        (
            {"suite_rules": [rule("expect_column_values_to_be_fabulous", "F", column="ref")]},
            "unknown expectation type 'expect_column_values_to_be_fabulous'",
        ),
        ({"data_text": "ref,station,age\nA1,BW\n"}, "line 2 has 2 fields but the header has 3"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line_and_json(
    files: tuple[Path, Path], tmp_path: Path, change: dict, message: str
) -> None:
    data, suite = files
    if "data" in change:
        data = tmp_path / change["data"]
    if "data_text" in change:
        data.write_text(change["data_text"], encoding="utf-8")
    if "suite" in change:
        suite = tmp_path / change["suite"]
    if "suite_text" in change:
        suite.write_text(change["suite_text"], encoding="utf-8")
    if "suite_rules" in change:
        write_suite(suite, change["suite_rules"])
    args = ["check", str(data), "--suite", str(suite), "--json", "--key", change.get("key", "ref")]
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    document = json.loads(result.stdout)
    assert document["status"] == "error" and message in document["error"]
    assert document["results"] == []


def test_gx_errors_exit_3_and_are_never_a_pass(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("ref,v\n1,x\n2,y\n", encoding="utf-8")
    suite = write_suite(
        tmp_path / "s.json",
        [  # GX takes the mean of text values and raises inside its metric
            rule(
                "expect_column_value_z_scores_to_be_less_than",
                "C",
                column="v",
                threshold=3,
                double_sided=True,
            )
        ],
    )
    result = invoke("check", str(data), "--suite", str(suite), "--json")
    assert result.exit_code == 3
    document = json.loads(result.stdout)
    assert document["status"] == "error"
    assert document["results"][0]["success"] is None and document["results"][0]["error"]


def test_debug_shows_the_traceback_in_a_real_process(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "dqaudit.cli",
        "check",
        str(tmp_path / "x.csv"),
        "--suite",
        "s.json",
    ]
    plain = subprocess.run(command, capture_output=True, text=True, check=False)
    assert plain.returncode == 2
    assert "Traceback" not in plain.stderr and "suite file not found" in plain.stderr
    debug = subprocess.run(
        [*command[:3], "--debug", *command[3:]], capture_output=True, text=True, check=False
    )
    assert debug.returncode == 2
    assert "Traceback" in debug.stderr


def test_police_uk_conditional_rule_on_real_data(tmp_path: Path) -> None:
    """Crime ID must be present except on anti-social behaviour rows, which have none."""
    data = realdata("policeuk_nilips70-city-of-london", "2019-01-city-of-london-street.csv")
    suite = write_suite(
        tmp_path / "street.json",
        [
            rule(
                "expect_column_values_to_not_be_null",
                "CID",
                column="Crime ID",
                row_condition='`Crime type` != "Anti-social behaviour"',
                condition_parser="pandas",
            ),
            rule("expect_column_values_to_not_be_null", "CID-ALL", column="Crime ID"),
        ],
    )
    result = invoke("check", str(data), "--suite", str(suite), "--key", "Crime ID", "--json")
    document = json.loads(result.stdout)
    conditional, unconditional = document["results"]
    assert conditional["success"] is True and conditional["failing_keys"] == []
    assert unconditional["unexpected_count"] == 93
    # Rows keep their Crime ID; only ASB rows, whose key is blank, are named by their line
    assert document["key_source"] == "column"
    assert unconditional["failing_keys"][0] == "2"
    assert "blank on 93 row(s)" in result.stderr


def test_an_unwritable_out_still_prints_the_json_document(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    data, suite = files
    out = tmp_path / "no-such-folder" / "r.json"
    result = invoke("check", str(data), "--suite", str(suite), "--json", "--out", str(out))
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["status"] == "error" and "cannot write" in document["error"]
    assert document["suite"] == "custody"
