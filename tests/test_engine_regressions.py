"""Regression tests for the defects the audit plan removed (issue 10), on pandas.

The cross-backend versions are in test_conformance_backends.py; these cover what only
one path could get wrong: a derivation keeping the extract's bad-row policy, the one
answer to "which columns does a rule read", and a hostile row condition reaching no
command that reads a suite.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dqaudit.connectors.base import BadRow, BadRowPolicy, Fingerprint, FrameExtract
from dqaudit.engine import derivation
from dqaudit.engine.run import run_suite
from dqaudit.expectations.suite import suite_from_dict
from tests.conftest import invoke, rule, write_suite

PANDAS = {"condition_parser": "pandas"}
GX = {"condition_parser": "great_expectations"}
HOSTILE: list[tuple[str | dict[str, Any], dict[str, str]]] = [
    ("(@pd.io.common.os.system('touch {marker}') == 0) | (id == id)", PANDAS),
    ("id.__class__.__init__.__globals__['os'].system('touch {marker}') == 0", PANDAS),
    ("__import__('os').system('touch {marker}') == 0", PANDAS),
    ("(lambda: __import__('os').system('touch {marker}'))() == 0", PANDAS),
    ("id == id.str.cat(__import__('os').system('touch {marker}'))", PANDAS),
    # GX's parser once ignored trailing text: the second half must be read, and refused
    ('col("id")=="C1" and __import__("os").system("touch {marker}")==0', GX),
    ('col("id").__class__.__init__.__globals__["os"].system("touch {marker}")==0', GX),
    ('col("id")=="C1") or (@pd.io.common.os.system("touch {marker}")==0', GX),
    ('col(__import__("os").system("touch {marker}"))==0', GX),
    # the dict form's pass_through holds pandas-parser text, alone or nested
    (
        {
            "type": "pass_through",
            "pass_through_filter": "(@pd.io.common.os.system('touch {marker}') == 0) | (id == id)",
        },
        {},
    ),
    (
        {
            "type": "and",
            "conditions": [
                {"type": "nullity", "column": {"name": "id"}, "is_null": False},
                {
                    "type": "pass_through",
                    "pass_through_filter": "(lambda: __import__('os').system('touch {marker}'))()",
                },
            ],
        },
        {},
    ),
]


def _filled(value: Any, marker: Path) -> Any:
    """The payload with the marker file's path in every text."""
    if isinstance(value, str):
        return value.replace("{marker}", str(marker))
    if isinstance(value, dict):
        return {k: _filled(v, marker) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, marker) for v in value]
    return value


def test_a_derivation_keeps_the_extract_bad_row_policy() -> None:
    """With on_bad_row: report the plain run failed and the derived run passed, because
    the derivation rebuilt the extract positionally and dropped the policy."""
    frame = pd.DataFrame(
        {
            "uprn": ["1", "2"],
            "sao": [None, None],
            "pao_start_number": ["1", "2"],
            "street": ["High St", "Low St"],
            "town": ["B", "B"],
            "postcode": ["B1 1AA", "B1 1AB"],
        },
        dtype="str",
    )
    extract = FrameExtract(
        frame,
        Fingerprint("a.csv", "-", 2, list(frame.columns)),
        np.array([2, 4]),
        bad_rows=(BadRow(3, "2 fields, expected 6 (ragged row)"),),
        bad_row_policy=BadRowPolicy.REPORT,
    )
    document = {
        "name": "dup",
        "meta": {"dqaudit": {"derivation": {"kind": "duplicate_addresses"}}},
        "expectations": [rule("expect_column_values_to_not_be_null", "U", column="uprn")],
    }
    suite = suite_from_dict(document)
    derived = derivation.derive(suite, extract, lambda name: extract).extract
    assert isinstance(derived, FrameExtract)
    assert derived.bad_row_policy is BadRowPolicy.REPORT
    assert derived.bad_rows == extract.bad_rows
    assert run_suite(derived, suite, key="uprn").status == "failed"
    assert run_suite(extract, suite_from_dict({**document, "meta": {}}), key="uprn").status == (
        "failed"
    )


def test_columns_a_rule_reads_come_from_parsing_its_condition() -> None:
    """The condition names "idx"; "id" is only a substring of it and is not read."""
    suite = suite_from_dict(
        {
            "name": "r",
            "expectations": [
                rule(
                    "expect_column_values_to_not_be_null",
                    "R",
                    column="val",
                    row_condition='idx == "1" and `x y` != "z"',
                    condition_parser="pandas",
                )
            ],
        }
    )
    assert suite.rules[0].reads == ("val", "idx", "x y")


def test_values_stored_with_a_failing_record_are_the_columns_the_rule_reads() -> None:
    frame = pd.DataFrame(
        {"id": ["1", "2"], "idx": ["1", "1"], "val": [None, "x"], "secret": ["s", "t"]},
        dtype="str",
    )
    records: list = []
    run_suite(
        frame,
        {
            "name": "r",
            "expectations": [
                rule(
                    "expect_column_values_to_not_be_null",
                    "R",
                    column="val",
                    row_condition='idx == "1"',
                    condition_parser="pandas",
                )
            ],
        },
        key="id",
        sink=lambda _position, _first, batch: records.extend(batch),
    )
    assert [(r.key, r.values) for r in records] == [("1", {"val": None, "idx": "1"})]


@pytest.mark.parametrize(("template", "parser"), HOSTILE)
def test_no_command_that_reads_a_suite_runs_a_hostile_condition(
    template: str | dict[str, Any], parser: dict[str, str], tmp_path: Path, template_workspace: Path
) -> None:
    marker = tmp_path / "pwned"
    condition = _filled(template, marker)
    expectations = [
        rule(
            "expect_column_values_to_not_be_null",
            "EVIL",
            column="custody_ref",
            row_condition=condition,
            **parser,
        )
    ]
    data = tmp_path / "d.csv"
    data.write_text("custody_ref,id\nC1,1\n", encoding="utf-8")
    loose = write_suite(tmp_path / "evil.json", expectations)
    suites = template_workspace / "suites"
    bound = json.loads((suites / "custody_records.json").read_text(encoding="utf-8"))
    bound["expectations"] = expectations
    (suites / "evil.json").write_text(json.dumps({**bound, "name": "evil"}), encoding="utf-8")
    ws = str(template_workspace)
    commands = [
        ("check", str(data), "--suite", str(loose), "--json"),
        ("suite", "hash", str(loose)),
        ("suite", "approve", "evil", "-w", ws, "--by", "A", "--board", "SIMB", "--minute", "M1"),
        ("suite", "status", "-w", ws),
        ("audit", "run", "-w", ws, "--allow-draft"),
        ("suite", "lint", str(loose)),
        ("suite", "lint", "evil", "-w", ws),
    ]
    for command in commands:
        result = invoke(*command)
        linting = command[:2] == ("suite", "lint")  # lint lists problems: exit 1
        assert result.exit_code == (1 if linting else 2), (command, result.output)
        assert "row_condition" in (result.stdout if linting else result.stderr), command
        assert "Traceback" not in result.stderr
        assert not marker.exists(), command


@pytest.mark.parametrize("where", ["file", "sqlite pushdown"])
def test_a_catastrophic_regex_returns_at_once(where: str, tmp_path: Path) -> None:
    """``^(a+)+$`` on 'a'*34+'!' never returned under Python's re (GX's str.contains):
    regex rules run with RE2, on files and on SQLite (whose REGEXP is Python's re)."""
    import sqlalchemy as sa

    from dqaudit.connectors.registry import get_connector

    frame = pd.DataFrame({"id": ["1", "2"], "v": ["a" * 34 + "!", "aaa"]}, dtype="str")
    suite = {
        "name": "redos",
        "expectations": [
            rule("expect_column_values_to_match_regex", "R", column="v", regex="^(a+)+$")
        ],
    }
    if where == "file":
        data: object = frame
    else:
        url = f"sqlite:///{tmp_path / 'r.db'}"
        engine = sa.create_engine(url)
        frame.to_sql("t", engine, index=False)
        engine.dispose()
        data = get_connector("sql").extract(
            {"url": url, "table": "t", "mode": "pushdown"}, base_dir=tmp_path
        )
    result = run_suite(data, suite, key="id")
    assert result.results[0].failing_keys == ["1"]


def test_a_regex_re2_cannot_run_is_an_input_error_naming_the_rule() -> None:
    from dqaudit.errors import InputError

    suite = {
        "name": "look",
        "expectations": [
            rule("expect_column_values_to_match_regex", "LOOK", column="v", regex="(?=a)a")
        ],
    }
    with pytest.raises(InputError, match=r"rule LOOK.*RE2 syntax.*invalid perl operator"):
        run_suite(pd.DataFrame({"v": ["a"]}, dtype="str"), suite)
