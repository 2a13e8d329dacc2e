"""``check --connector/--option``, connector choice by extension, and ``extract preview``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dqaudit.commands.connector_options import parse_options
from dqaudit.connectors.adhoc import connector_for
from dqaudit.errors import InputError
from tests.conftest import copy_tree, invoke, realdata, rule, write_suite


def test_option_values_read_like_dqaudit_yml() -> None:
    options = parse_options(
        [
            "header=false",
            "columns=[PC, PQ]",
            "sheet=2",
            "timeout=2.5",
            "delimiter=|",
            "quotechar='",
            "url=postgresql+psycopg://u:p@h:5432/db?sslmode=require",
            "query=SELECT a, 'x: y' FROM t WHERE b = 1",
            "types={age: integer}",
            "sheet_name=Custody: March",
        ]
    )
    assert options == {
        "header": False,
        "columns": ["PC", "PQ"],
        "sheet": 2,
        "timeout": 2.5,
        "delimiter": "|",
        "quotechar": "'",
        "url": "postgresql+psycopg://u:p@h:5432/db?sslmode=require",
        "query": "SELECT a, 'x: y' FROM t WHERE b = 1",
        "types": {"age": "integer"},
        "sheet_name": "Custody: March",
    }


@pytest.mark.parametrize(
    "pairs, message",
    [(["header"], "must look like KEY=VALUE"), (["a=1", "a=2"], "--option a is given twice")],
)
def test_bad_options_are_errors(pairs: list[str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_options(pairs)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("x.csv", "csv"),
        ("x.TXT", "csv"),
        ("x.xlsx", "excel"),
        ("x.ods", "excel"),
        ("x.dat", "fixed_width"),
        ("x.sqlite", "sql"),
    ],
)
def test_connector_by_extension(name: str, expected: str) -> None:
    assert connector_for(Path(name), None) == expected
    assert connector_for(Path(name), "csv") == "csv"


def test_check_needs_a_file_or_a_connector(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "s.json", [rule("expect_table_row_count_to_be_between")])
    result = invoke("check", "--suite", str(suite), "--json")
    assert result.exit_code == 2
    assert "give a file to check, or a connector type with its options" in result.stderr
    assert json.loads(result.stdout)["status"] == "error"


def test_a_file_given_twice_is_an_error(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "s.json", [rule("expect_table_row_count_to_be_between")])
    data = tmp_path / "x.csv"
    data.write_text("a\n1\n", encoding="utf-8")
    result = invoke("check", str(data), "--suite", str(suite), "--option", f"path={data}")
    assert result.exit_code == 2
    assert "either as the file to check or as option 'path', not both" in result.stderr


def test_header_less_code_point_file_through_options(tmp_path: Path) -> None:
    path = realdata("codepoint-open_open-postcode", "wv.csv")
    suite = write_suite(
        tmp_path / "pc.json",
        [rule("expect_column_values_to_match_regex", "PC-1", column="PC", regex="^WV")],
    )
    result = invoke(
        "check",
        str(path),
        "--suite",
        str(suite),
        "--option",
        "header=false",
        "--option",
        "columns=[PC,PQ,EA,NO,CY,RH,LH,CC,DC,WC]",
        "--key",
        "PC",
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"] == 9932


def test_check_a_dat_file_with_its_layout(sample_data: Path) -> None:
    pnc = sample_data / "pnc"
    suite = sample_data / "workspace" / "suites" / "pnc_arrest_summons.json"
    result = invoke(
        "check",
        str(pnc / "arrest_summons.dat"),
        "--suite",
        str(suite),
        "--option",
        f"layout={pnc / 'arrest_summons.layout.yml'}",
        "--key",
        "as_ref",
        "--json",
    )
    assert result.exit_code == 1, result.output
    keys = {r["rule_id"]: r["failing_keys"] for r in json.loads(result.stdout)["results"]}
    manifest = json.loads((sample_data / "manifest.json").read_text())
    planted = [d["key"] for d in manifest["defects"] if d["rule_id"] == "PNC-AS-008"]
    assert len(planted) == 4 and keys["PNC-AS-008"] == sorted(planted)
    missing = invoke("check", str(pnc / "arrest_summons.dat"), "--suite", str(suite))
    assert missing.exit_code == 2
    assert "option 'layout' is required" in missing.stderr


def test_extract_preview_shows_rows_fingerprint_and_masks_sensitive_columns(
    sample_data: Path, tmp_path: Path
) -> None:
    workspace = sample_data / "workspace"
    result = invoke("extract", "preview", "pnc", "nominals", "-w", str(workspace), "--rows", "2")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "pnc/nominals (connector csv)" in out
    assert "rows         2500" in out and "sha256       " in out
    assert "masked       surname, forename, date_of_birth (sensitive)" in out
    assert "N0000001" in out and "N0000003" not in out
    from dqaudit.connectors.csv_file import read_csv

    first = read_csv(sample_data / "pnc" / "nominals.csv").frame.iloc[0]
    assert first["surname"] not in out and "***" in out
    fixed = invoke("extract", "preview", "pnc", "arrest_summons", "-w", str(workspace))
    assert fixed.exit_code == 0
    assert "connector fixed_width" in fixed.stdout and "AS0000010" in fixed.stdout


def test_extract_preview_errors(sample_data: Path, tmp_path: Path) -> None:
    workspace = sample_data / "workspace"
    result = invoke("extract", "preview", "pnc", "nope", "-w", str(workspace))
    assert result.exit_code == 2
    assert "has no dataset 'nope'" in result.stderr
    copy = copy_tree(sample_data, tmp_path / "sd")
    (copy / "pnc" / "nominals.csv").write_text("", encoding="utf-8")
    empty = invoke("extract", "preview", "pnc", "nominals", "-w", str(copy / "workspace"))
    assert empty.exit_code == 2 and "the file is empty" in empty.stderr


def test_option_values_read_variables_from_the_environment(tmp_path, monkeypatch) -> None:
    from dqaudit.commands.connector_options import parse_options
    from dqaudit.errors import InputError

    monkeypatch.setenv("DQ_TEST_DB_URL", "sqlite:///x.db")
    assert parse_options(["url=${DQ_TEST_DB_URL}", "table=t"]) == {
        "url": "sqlite:///x.db",
        "table": "t",
    }
    monkeypatch.delenv("DQ_TEST_DB_URL")
    import pytest

    with pytest.raises(
        InputError, match=r"--option url uses \$\{DQ_TEST_DB_URL\}, but DQ_TEST_DB_URL is not set"
    ):
        parse_options(["url=${DQ_TEST_DB_URL}"])


def test_a_password_with_an_at_sign_is_masked_whole() -> None:
    from dqaudit.store.database import safe_url

    shown = safe_url("postgresql+psycopg://postgres:St@rePW77@127.0.0.1:5432/x")
    assert "rePW77" not in shown and "St@" not in shown
