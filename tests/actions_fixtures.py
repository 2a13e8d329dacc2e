"""A small custody workspace for the action-plan tests, with known keys and defects."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.conftest import approve, invoke, rule

HEADER = "custody_ref,station,surname,date_of_birth,note\n"
ROWS = [
    "C001,BW,SMITH,1990-01-01,ok",
    'C002,XX,JONES,1985-02-02,=HYPERLINK("http://evil")',
    "C003,CV,,1970-03-03,ok",
    "C004,ZZ,PATEL,1999-04-04,+44 7700 900123",
    "C005,BW,O'BRIEN,2001-05-05,ok",
]


def write_data(folder: Path, rows: list[str]) -> None:
    (folder / "data" / "custody.csv").write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")


def make_workspace(folder: Path, rows: list[str] | None = None) -> Path:
    (folder / "data").mkdir(parents=True)
    (folder / "suites").mkdir()
    write_data(folder, ROWS if rows is None else rows)
    settings = {
        "systems": {
            "custody": {
                "description": "Custody",
                "owner": {"name": "Custody Owner", "email": "custody.owner@example.police.uk"},
                "datasets": {
                    "records": {
                        "connector": "csv",
                        "options": {"path": "data/custody.csv"},
                        "key": ["custody_ref"],
                        "sensitive": ["surname", "date_of_birth"],
                    }
                },
            }
        },
        "suites": "suites",
        "store": "sqlite:///audit.db",
        "actions": {"protective_marking": "OFFICIAL-SENSITIVE", "masking": {"keep_start": 1}},
    }
    (folder / "dqaudit.yml").write_text(yaml.safe_dump(settings, sort_keys=False))
    suite = {
        "name": "custody",
        "meta": {
            "dqaudit": {"system": "custody", "dataset": "records", "likelihood": 3, "impact": 3}
        },
        "expectations": [
            rule(
                "expect_column_values_to_be_in_set",
                "STN",
                {
                    "dimension": "validity",
                    "likelihood": 4,
                    "impact": 5,
                    "remediation": "Use a real station.",
                },
                column="station",
                value_set=["BW", "CV"],
            ),
            rule(
                "expect_column_values_to_not_be_null",
                "NAME",
                {"dimension": "completeness", "remediation": "Record the surname."},
                column="surname",
            ),
            rule(
                "expect_column_values_to_match_regex",
                "NOTE",
                {"dimension": "validity", "likelihood": 1, "impact": 2},
                column="note",
                regex="^ok$",
            ),
            rule(
                "expect_column_value_lengths_to_be_between",
                "SURNAME-LEN",
                {"dimension": "validity", "likelihood": 2, "impact": 2},
                column="surname",
                min_value=1,
                max_value=5,
            ),
        ],
    }
    (folder / "suites" / "custody.json").write_text(json.dumps(suite, indent=2))
    approve(folder, "custody")
    return folder


def run(folder: Path, *extra: str) -> int:
    return invoke("audit", "run", "-w", str(folder), *extra).exit_code
