"""The csv connector's options: on_bad_row, declared types, and bad rows kept with the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dqaudit.connectors.base import BadRow
from dqaudit.connectors.csv_file import read_csv
from dqaudit.connectors.file_records import column_types
from dqaudit.connectors.registry import get_connector
from dqaudit.errors import InputError
from tests.conftest import invoke, realdata, rule, write_suite

RAGGED = "ref,code,age\nA,20,30\nB,20\nC,20,31,extra\nD,99,32\n"


def write(tmp_path: Path, text: str, name: str = "extract.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "quoted"])
@pytest.mark.parametrize("policy", ["skip", "report"])
def test_ragged_rows_are_left_out_and_listed_with_their_lines(
    tmp_path: Path, policy: str, quoted: bool
) -> None:
    text = RAGGED.replace("D,99", '"D",99') if quoted else RAGGED
    extract = read_csv(write(tmp_path, text), on_bad_row=policy)
    assert extract.frame["ref"].tolist() == ["A", "D"]
    assert extract.line_numbers.tolist() == [2, 5]
    assert list(extract.bad_rows) == [
        BadRow(3, "2 fields, expected 3 (ragged row)"),
        BadRow(4, "4 fields, expected 3 (ragged row)"),
    ]
    assert extract.bad_row_policy == policy


def test_ragged_rows_are_an_error_by_default(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="line 3 has 2 fields but the header has 3"):
        read_csv(write(tmp_path, RAGGED))


def test_declared_types_convert_and_a_bad_value_is_a_bad_row(tmp_path: Path) -> None:
    path = write(tmp_path, "ref,age,seen\nA,30,2024-01-02 10:00:00\nB,x,2024-01-03\nC,31,soon\n")
    types = column_types({"age": "integer", "seen": {"type": "datetime"}}, "test")
    with pytest.raises(InputError, match="line 3: column 'age' is not a valid integer"):
        read_csv(path, types=types)
    extract = read_csv(path, types=types, on_bad_row="skip")
    assert extract.frame["ref"].tolist() == ["A"]
    assert str(extract.frame["age"].dtype) == "Int64"
    assert str(extract.frame["seen"].dtype) == "datetime64[ns]"
    assert [row.line for row in extract.bad_rows] == [3, 4]
    assert extract.bad_rows[1].reason == "column 'seen' is not a valid datetime"


def test_undeclared_columns_stay_text(tmp_path: Path) -> None:
    path = write(tmp_path, "ref,code\n007,01\n")
    extract = read_csv(path, types=column_types({"code": "text"}, "test"))
    assert extract.frame.iloc[0].tolist() == ["007", "01"]


@pytest.mark.parametrize(
    "types, message",
    [
        ({"age": "float"}, "unknown type 'float'"),
        ({"missing": "integer"}, "'types' names column 'missing'"),
        ({"age": {"type": "date", "fmt": "%d"}}, "unknown setting 'fmt'"),
    ],
)
def test_bad_type_declarations_are_clear_errors(tmp_path: Path, types: dict, message: str) -> None:
    connector = get_connector("csv")
    path = write(tmp_path, "ref,age\nA,1\n")
    with pytest.raises(InputError, match=message):
        connector.extract({"path": str(path), "types": types}, base_dir=tmp_path)


def test_every_record_bad_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="every record is a bad row"):
        read_csv(write(tmp_path, "a,b\n1\n2\n"), on_bad_row="skip")


def test_an_unknown_policy_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="'on_bad_row' must be one of error, skip, report"):
        get_connector("csv").extract(
            {"path": str(write(tmp_path, "a\n1\n")), "on_bad_row": "ignore"}, base_dir=tmp_path
        )


def _suite(tmp_path: Path) -> Path:
    return write_suite(
        tmp_path / "codes.json",
        [rule("expect_column_values_to_be_in_set", "COD-1", column="code", value_set=["20"])],
        system="records",
        dataset="extract",
    )


def test_check_lists_bad_rows_and_report_fails_the_run(tmp_path: Path) -> None:
    path = write(tmp_path, RAGGED.replace("D,99", "D,20"))
    suite = _suite(tmp_path)
    skipped = invoke(
        "check", str(path), "--suite", str(suite), "--option", "on_bad_row=skip", "--json"
    )
    assert skipped.exit_code == 0, skipped.output  # the rules pass on the good rows
    document = json.loads(skipped.stdout)
    assert set(document) == {
        "document_version",
        "status",
        "suite",
        "rows",
        "key_source",
        "key_columns",
        "error",
        "results",
    }
    assert "bad row: line 3: 2 fields, expected 3 (ragged row) (skipped)" in skipped.stderr
    assert "bad row: line 4: 4 fields, expected 3 (ragged row) (skipped)" in skipped.stderr
    assert "2 bad row(s) left out of the audit" in skipped.stderr
    reported = invoke(
        "check", str(path), "--suite", str(suite), "--option", "on_bad_row=report", "--json"
    )
    assert reported.exit_code == 1  # a malformed record is a finding
    assert json.loads(reported.stdout)["status"] == "failed"
    clean = invoke("check", str(write(tmp_path, "code\n20\n", "ok.csv")), "--suite", str(suite))
    assert clean.exit_code == 0


def test_audit_run_stores_bad_rows_with_their_lines(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "suites").mkdir(parents=True)
    write(workspace, RAGGED, "extract.csv")
    _suite(workspace / "suites")
    (workspace / "dqaudit.yml").write_text(
        "systems:\n"
        "  records:\n"
        "    owner: {name: Owner, email: owner@example.police.uk}\n"
        "    datasets:\n"
        "      extract:\n"
        "        options: {path: extract.csv, on_bad_row: report}\n"
        "        key: [ref]\n",
        encoding="utf-8",
    )
    run = invoke("audit", "run", "-w", str(workspace), "--allow-draft")
    assert run.exit_code == 1, run.output
    run_id = run.stdout.split(" run ")[1].split()[0].split(";")[0]
    document = json.loads(invoke("audit", "show", run_id, "-w", str(workspace), "--json").stdout)
    assert document["run"]["bad_rows"] == [
        {"line": 3, "reason": "2 fields, expected 3 (ragged row)", "action": "reported"},
        {"line": 4, "reason": "4 fields, expected 3 (ragged row)", "action": "reported"},
    ]
    assert {r["rule_id"]: r["failing_keys"] for r in document["results"]} == {"COD-1": ["D"]}


def test_real_file_with_a_ragged_last_row_loads_with_skip() -> None:
    path = realdata("policeuk_LucianRadulescu-testsamples", "2018-01-avon-and-somerset-street.csv")
    extract = read_csv(path, on_bad_row="skip")
    assert extract.fingerprint.rows == 5
    assert list(extract.bad_rows) == [BadRow(7, "11 fields, expected 12 (ragged row)")]
    assert extract.frame.columns[0] == "Crime ID"


def test_real_police_uk_files_load() -> None:
    for name in ("2018-01-bedfordshire-outcomes.csv", "2018-01-avon-and-somerset-outcomes.csv"):
        extract = read_csv(realdata("policeuk_LucianRadulescu-testsamples", name))
        assert extract.fingerprint.rows == 5
        assert extract.frame.columns[-1] == "Outcome type"
