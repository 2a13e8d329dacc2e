"""One truth, continued: every other template suite, and row conditions, on every backend.

test_conformance_backends.py runs five template suites; this runs every other suite of
the demo workspace on the first rows of its dataset, read from its file (pandas) and
from the same rows loaded as text into SQLite, PostgreSQL and MariaDB, pulled into
memory and validated in the database (pushdown). A suite that derives its dataset reads
its inputs the same way (the files, or the same database, pulled). Pull must give the
file's document; pushdown gives it too, or, where it lacks a rule (derivations,
geometry, timing), the same exit-2 error naming it on every database. The documents
here include the run warnings, which must agree as well.

Then row conditions on every backend: ``in``/``not in``, blank tests, string tests and
date comparisons, with the warnings for values a condition cannot read and for a
condition that selects no row.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from dqaudit.connectors.base import Extract, Fingerprint, FrameExtract
from dqaudit.connectors.registry import get_connector
from dqaudit.engine import derivation
from dqaudit.engine.run import run_suite
from dqaudit.errors import DqauditError
from dqaudit.expectations.suite import load_suite, suite_from_dict
from dqaudit.expectations.suite_model import Suite
from dqaudit.workspace.config import load_workspace
from tests.conftest import SAMPLE_DATA, rule
from tests.test_conformance_backends import (
    CASE_COLUMNS,
    CASE_ROWS,
    SUITES,
    TEMPLATES,
    _without_source,
    case_frame,
    case_suite,
    databases,
    first_rows,
    frame_rows,
    result_document,
    unsupported_rule,
)

__all__ = ["databases"]  # the fixture, shared with test_conformance_backends

WORKSPACE = SAMPLE_DATA / "workspace"
KINDS = ["sqlite", "postgresql", "mariadb"]
TIMEZONE = "Europe/London"
# Few rows keep the test quick; enough to hold planted defects of most rules.
ROWS_PER_TEMPLATE = 300
OTHERS = sorted(path.stem for path in SUITES.glob("*.json") if path.stem not in TEMPLATES)


def full_document(
    extract: Extract, suite: Suite, key: list[str] | None, load: Any = None
) -> dict[str, Any]:
    """test_conformance_backends.document, with the run's warnings (the suite's and each
    rule's), after the suite's derivation where it has one."""
    try:
        if derivation.declared(suite) is not None:
            extract = derivation.derive(suite, extract, load, TIMEZONE).extract
        result = run_suite(extract, suite, key=key, timezone=TIMEZONE)
    except DqauditError as exc:
        return {"exit": int(exc.exit_code), "error": exc.message}
    return result_document(result, warnings=True)


# --- every other template suite ------------------------------------------------------------


def dataset_of(name: str) -> tuple[str, str, list[str]]:
    """(system, dataset, key) of a template suite, from the workspace it ships in."""
    suite = load_suite(SUITES / f"{name}.json")
    assert suite.system and suite.dataset, name
    config = load_workspace(WORKSPACE).config
    return (
        suite.system,
        suite.dataset,
        list(config.systems[suite.system].datasets[suite.dataset].key),
    )


def read_dataset(system: str, dataset: str) -> FrameExtract:
    """A dataset read from its file by its own connector, as ``audit run`` reads it."""
    workspace = load_workspace(WORKSPACE)
    config = workspace.config.systems[system].datasets[dataset]
    options = config.resolved_options(workspace.config_path, system, dataset)
    extract = get_connector(config.connector).extract(options, base_dir=WORKSPACE)
    assert isinstance(extract, FrameExtract)
    return extract


def input_names(suite: Suite) -> list[tuple[str, str]]:
    """Every (system, dataset) the suite's derivation reads, in the order it names them."""
    found: dict[tuple[str, str], None] = {}
    for step in derivation.steps(suite):
        for name in step.inputs.values():
            system, dataset = derivation.input_dataset(suite.system, name)
            found[(system or "", dataset)] = None
    return list(found)


def loader(suite: Suite, extracts: dict[tuple[str, str], Extract]) -> Any:
    def load(name: str) -> Extract:
        system, dataset = derivation.input_dataset(suite.system, name)
        return extracts[(system or "", dataset)]

    return load


def test_every_other_template_is_covered() -> None:
    assert len(OTHERS) + len(TEMPLATES) == len(list(SUITES.glob("*.json")))
    assert len(OTHERS) >= 11, OTHERS


@pytest.mark.parametrize("name", OTHERS)
def test_every_other_template_gives_one_document_on_every_backend(
    name: str, databases: Any
) -> None:
    suite = load_suite(SUITES / f"{name}.json")
    system, dataset, key = dataset_of(name)
    data = first_rows(read_dataset(system, dataset), ROWS_PER_TEMPLATE)
    inputs = {named: read_dataset(*named) for named in input_names(suite)}
    expected = full_document(data, suite, key, loader(suite, inputs))
    assert expected["exit"] in (0, 1), expected  # the sample data audits cleanly
    assert any(r["failing_keys"] for r in expected["results"]) or expected["exit"] == 0

    rows, columns = frame_rows(data)
    refusals = {}
    for kind in KINDS:
        extracts = databases(kind, rows, columns)
        # each input loaded into the same database, read the way the dataset is read
        input_extracts = {
            named: databases(kind, *frame_rows(extract)) for named, extract in inputs.items()
        }
        load = loader(suite, {named: e["pull"] for named, e in input_extracts.items()})
        pulled = full_document(extracts["pull"], suite, key, load)
        assert pulled == expected, f"{kind} pull differs from the file"
        load = loader(suite, {named: e["pushdown"] for named, e in input_extracts.items()})
        pushed = full_document(extracts["pushdown"], suite, key, load)
        if pushed["exit"] == 2:
            refusals[kind] = pushed
        else:
            assert pushed == expected, f"{kind} pushdown differs from the file"
    if refusals:
        # a rule (or a derivation) that runs in memory only: refused by name, before
        # reading data, by every database alike
        assert sorted(refusals) == sorted(KINDS), refusals
        errors = {
            _without_source(re.sub(rf"\b{kind}\b", "<engine>", r["error"]))
            for kind, r in refusals.items()
        }
        assert len(errors) == 1, refusals
        error = refusals["sqlite"]["error"]
        if derivation.declared(suite) is not None:
            assert "meta.dqaudit.derivation" in error and "pull" in error, error
        else:
            assert unsupported_rule(error), error
        the_rest_in_the_database(name, data, inputs, key, databases)


def the_rest_in_the_database(
    name: str,
    data: FrameExtract,
    inputs: dict[tuple[str, str], Extract],
    key: list[str],
    databases: Any,
) -> None:
    """What pushdown can run of a suite it refuses: its rules but those it lacks, over the
    dataset as derived in memory (loaded as text), give the file's document there too."""
    document = json.loads((SUITES / f"{name}.json").read_text(encoding="utf-8"))
    suite = load_suite(SUITES / f"{name}.json")
    if derivation.declared(suite) is not None:
        data = derivation.derive(suite, data, loader(suite, inputs), TIMEZONE).extract
        del document["meta"]["dqaudit"]["derivation"]
    data = as_text(data)
    rows, columns = frame_rows(data)
    pushdown = {kind: databases(kind, rows, columns)["pushdown"] for kind in KINDS}
    dropped: list[str] = []
    for _ in document["expectations"]:
        suite = suite_from_dict(document)
        refused = full_document(pushdown["sqlite"], suite, key)
        lacking = unsupported_rule(refused.get("error") or "") if refused["exit"] == 2 else None
        if lacking is None:
            break
        dropped.append(lacking)
        document["expectations"] = [
            e for e in document["expectations"] if e["meta"]["dqaudit"].get("rule_id") != lacking
        ]
    if not document["expectations"]:
        return  # every rule runs in memory only (incidents_boundaries: geometry)
    expected = full_document(data, suite, key)
    assert expected["exit"] in (0, 1), expected
    for kind in KINDS:
        assert full_document(pushdown[kind], suite, key) == expected, (
            f"{kind} pushdown differs from the file on {name} without {dropped}"
        )


def as_text(extract: FrameExtract) -> FrameExtract:
    """Every value as the text a file would hold (derived columns are numbers)."""
    frame = extract.frame.astype(object)
    text = frame.where(frame.isna(), frame.map(str)).where(frame.notna(), None)
    return dataclasses.replace(extract, frame=text.astype("str"))


# --- row conditions on every backend -------------------------------------------------------
#
# CASE_ROWS: id 1..5; s4 "1".."5"; val "5", "-1", "x", "7", blank; code "A", "B", "zz",
# blank, "A"; when "2024-03-01", "2024-03-02", "not a date", "2024-02-30", blank.

CONDITION_ROWS = [
    {**row, "name": name}
    for row, name in zip(CASE_ROWS, ["Ann", "ann", "b_%x", "Bob", ""], strict=True)
]
CONDITION_COLUMNS = [*CASE_COLUMNS, "name"]


def every_backend(suite: Suite, databases: Any) -> dict[str, dict[str, Any]]:
    frame = case_frame()
    frame = FrameExtract(
        frame.frame.assign(name=pd.Series([r["name"] for r in CONDITION_ROWS], dtype="str")),
        frame.fingerprint,
        frame.line_numbers,
    )
    documents = {"file": full_document(frame, suite, ["id"])}
    for kind in KINDS:
        for mode, extract in databases(kind, CONDITION_ROWS, CONDITION_COLUMNS).items():
            documents[f"{kind} {mode}"] = full_document(extract, suite, ["id"])
    return documents


def same_everywhere(documents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The file's document, after checking every other is the same; a difference names
    the backend and the rules that differ."""
    first = documents["file"]
    differ: dict[str, Any] = {}
    for name, found in documents.items():
        if found == first:
            continue
        rules = [
            (mine, theirs)
            for mine, theirs in zip(
                first.get("results", []), found.get("results", []), strict=False
            )
            if mine != theirs
        ]
        top = {
            k: (first.get(k), v) for k, v in found.items() if k != "results" and first.get(k) != v
        }
        differ[name] = {"document": top, "rules (file, backend)": rules}
    assert not differ, differ
    return first


def condition_rule(rule_id: str, condition: Any, parser: str | None) -> dict[str, Any]:
    """A rule that fails exactly the rows the condition selects: ``id`` is never blank."""
    kwargs: dict[str, Any] = {"row_condition": condition}
    if parser is not None:
        kwargs["condition_parser"] = parser
    return rule("expect_column_values_to_be_null", rule_id, column="id", **kwargs)


# (condition, parser, the ids it selects)
CONDITIONS: list[tuple[Any, str | None, list[str]]] = [
    ('code in ["A", "B"]', "pandas", ["1", "2", "5"]),
    ('col("code") not in ["A", "B"]', "great_expectations", ["3", "4"]),
    (
        {
            "type": "comparison",
            "column": {"name": "code"},
            "operator": "IN",
            "parameter": ["zz"],
        },
        None,
        ["3"],
    ),
    ("s4 in [1, 3.0]", "pandas", ["1", "3"]),
    ("s4 not in (2, 4)", "pandas", ["1", "3", "5"]),
    ("val in [5, 7]", "pandas", ["1", "4"]),
    ("val not in [5, 7]", "pandas", ["2", "5"]),  # "x" cannot be read: never selected
    (
        {
            "type": "comparison",
            "column": {"name": "val"},
            "operator": "NOT_IN",
            "parameter": [-1],
        },
        None,
        ["1", "4", "5"],
    ),
    ('val not in ["5", "x"]', "pandas", ["2", "4", "5"]),
    ("code.isnull()", "pandas", ["4"]),
    ('col("val").isnull()', "great_expectations", ["5"]),
    ("name.isna()", "pandas", ["5"]),  # an empty text is blank too
    (
        {"type": "nullity", "column": {"name": "code"}, "is_null": False},
        None,
        ["1", "2", "3", "5"],
    ),
    ("~code.notnull()", "pandas", ["4"]),
    ('name.str.startswith("A")', "pandas", ["1"]),  # case counts (SQLite's LIKE ignores it)
    ('col("name").str.startswith("a")', "great_expectations", ["2"]),
    ('name.str.endswith("N")', "pandas", []),
    ('name.str.contains("n")', "pandas", ["1", "2"]),
    ('name.str.contains("_%")', "pandas", ["3"]),  # plain text, not a LIKE pattern
    ('name.str.startswith("b_")', "pandas", ["3"]),
    ('name.str.contains("%x")', "pandas", ["3"]),
    ('not name.str.startswith("B")', "pandas", ["1", "2", "3", "5"]),
    ('name > "B"', "pandas", ["2", "3", "4"]),  # text order is by code point
    ('name < "a"', "pandas", ["1", "4"]),
    ('when == date("2024-03-01")', "pandas", ["1"]),
    ('when >= date("2024-03-02")', "pandas", ["2"]),
    ('col("when")<datetime("2024-03-01 12:00")', "great_expectations", ["1"]),
    ('when != date("2024-03-01")', "pandas", ["2", "5"]),  # unreadable: never selected
    ('date("2024-03-01") < when', "pandas", ["2"]),
    ('when == "not a date"', "pandas", ["3"]),
    ('when < date("2024-03-02") or code.isnull()', "pandas", ["1", "4"]),
    ("force == 1", "pandas", ["5"]),  # "01" read as a number
    ('force == "1"', "pandas", []),  # text compares exactly
    ("force in [20, 1]", "pandas", ["1", "2", "5"]),
    ("val < 1e300", "pandas", ["1", "2", "4"]),
    ("val > -1e300", "pandas", ["1", "2", "4"]),
    ("val >= 7.0", "pandas", ["4"]),
    ("val < -0.5", "pandas", ["2"]),
    ('name == "Ann"', "pandas", ["1"]),
    ('name != "Ann"', "pandas", ["2", "3", "4", "5"]),
    ('name == ""', "pandas", []),  # an empty text is blank: it equals nothing
    ('when > datetime("2024-03-01T23:59:59")', "pandas", ["2"]),
    ('when <= datetime("2024-03-01 00:00:00+00:00")', "pandas", ["1"]),
    (
        {
            "type": "and",
            "conditions": [
                {"type": "pass_through", "pass_through_filter": 'when > date("2024-01-01")'},
                {
                    "type": "comparison",
                    "column": {"name": "s4"},
                    "operator": ">",
                    "parameter": 1,
                },
            ],
        },
        None,
        ["2"],
    ),
]


def test_conditions_select_the_same_rows_on_every_backend(databases: Any) -> None:
    """Every case as one rule of one suite, so the rows are loaded once per database."""
    suite = case_suite(
        *[condition_rule(f"C{i}", c, parser) for i, (c, parser, _) in enumerate(CONDITIONS)]
    )
    found = same_everywhere(every_backend(suite, databases))
    selected = {r["rule_id"]: [key for key, _ in r["failing_keys"]] for r in found["results"]}
    expected = {f"C{i}": ids for i, (_, _, ids) in enumerate(CONDITIONS)}
    wrong = {
        f"{rule_id} {CONDITIONS[int(rule_id[1:])][0]!r}": (selected[rule_id], ids)
        for rule_id, ids in expected.items()
        if selected.get(rule_id) != ids
    }
    assert not wrong, wrong  # condition: (selected, expected)


@pytest.mark.parametrize(
    ("kind", "collation"),
    [("postgresql", 'COLLATE "und-x-icu"'), ("sqlite", "COLLATE NOCASE")],
)
def test_text_conditions_compare_by_code_point_whatever_the_collation(
    kind: str, collation: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A linguistic collation (PostgreSQL's ICU, as databases made with a locale have)
    sorts "ann" before "Bob", and SQLite's NOCASE makes "ann" equal "Ann": the grammar
    compares text by code point on every backend, as pandas does."""
    cases = [
        ('name > "B"', ["2", "3", "4"]),
        ('name < "a"', ["1", "4"]),
        ('name == "ann"', ["2"]),
        ('name in ["ANN", "bob"]', []),
        ('name.str.startswith("a")', ["2"]),
        ('name.str.endswith("OB")', []),
        ('name.str.contains("N")', []),
    ]
    suite = case_suite(*[condition_rule(f"C{i}", c, "pandas") for i, (c, _) in enumerate(cases)])
    url = (
        f"sqlite:///{tmp_path / 'collated.db'}"
        if kind == "sqlite"
        else str(request.getfixturevalue("pg_url"))
    )
    table = f"conf_{uuid.uuid4().hex[:10]}"
    columns = ", ".join(f'"{c}" TEXT {collation if c == "name" else ""}' for c in CONDITION_COLUMNS)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f"CREATE TABLE {table} ({columns})"))
        connection.execute(
            sa.text(
                f"INSERT INTO {table} VALUES ({', '.join(':' + c for c in CONDITION_COLUMNS)})"
            ),
            CONDITION_ROWS,
        )
        # the collation does what the test says it does
        linguistic = connection.execute(
            sa.text(f"SELECT count(*) FROM {table} WHERE name < 'B' OR name = 'ANN'")
        ).scalar()
        assert linguistic != 2
    try:
        extract = get_connector("sql").extract(
            {"url": url, "table": table, "mode": "pushdown"}, base_dir=tmp_path
        )
        found = full_document(extract, suite, ["id"])
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP TABLE {table}"))
        engine.dispose()
    selected = [[key for key, _ in r["failing_keys"]] for r in found["results"]]
    assert selected == [ids for _, ids in cases], found


def test_condition_warnings_are_the_same_on_every_backend(databases: Any) -> None:
    suite = case_suite(
        condition_rule("UNREAD", 'val > 0 or when < date("2024-12-31")', "pandas"),
        rule(
            "expect_column_values_to_be_null",
            "NONE",
            column="id",
            row_condition={
                "type": "comparison",
                "column": {"name": "s4"},
                "operator": ">",
                "parameter": 5,
            },
        ),
    )
    found = same_everywhere(every_backend(suite, databases))
    unread, none = found["results"]
    assert [k for k, _ in unread["failing_keys"]] == ["1", "2", "4"]
    assert unread["warnings"] == [
        "row_condition: 1 value(s) of val (numbers) could not be read, so those rows are "
        "not selected",
        "row_condition: 2 value(s) of when (datetimes) could not be read, so those rows are "
        "not selected",
    ]
    assert none["success"] is True and none["failing_keys"] == []
    assert none["warnings"] == ["row_condition selects no row, so the rule checked nothing"]
    assert [
        re.sub(r"^expectation #\d \(rule (\w+).*?\): ", r"\1: ", w) for w in found["warnings"]
    ] == [
        f"UNREAD: {unread['warnings'][0]}",
        f"UNREAD: {unread['warnings'][1]}",
        f"NONE: {none['warnings'][0]}",
    ]


def test_a_duplicate_key_is_a_warning_on_every_backend(databases: Any) -> None:
    rows = [dict(r) for r in CONDITION_ROWS]
    rows[1]["id"] = "1"
    frame = pd.DataFrame(rows, dtype="str")
    extract = FrameExtract(
        frame, Fingerprint("cases.csv", "-", len(frame), CONDITION_COLUMNS), np.arange(2, 7)
    )
    suite = case_suite(rule("expect_column_values_to_not_be_null", "C", column="code"))
    documents = {"file": full_document(extract, suite, ["id"])}
    for kind in KINDS:
        for mode, found in databases(kind, rows, CONDITION_COLUMNS).items():
            documents[f"{kind} {mode}"] = full_document(found, suite, ["id"])
    found = same_everywhere(documents)
    assert found["warnings"] == [
        "key column(s) id are not unique: 2 rows share a key with another row"
    ]
    # With a uniqueness rule over exactly the key, PostgreSQL takes the number from GX's
    # count of that rule instead of a GROUP BY of its own: the same warning everywhere.
    suite = case_suite(
        rule("expect_column_values_to_not_be_null", "C", column="code"),
        rule("expect_column_values_to_be_unique", "U", column="id"),
    )
    documents = {"file": full_document(extract, suite, ["id"])}
    for kind in KINDS:
        for mode, found in databases(kind, rows, CONDITION_COLUMNS).items():
            documents[f"{kind} {mode}"] = full_document(found, suite, ["id"])
    found = same_everywhere(documents)
    assert found["warnings"] == [
        "key column(s) id are not unique: 2 rows share a key with another row"
    ]


# Values at the edges of the grammar by which text is read as a number or a datetime.
NUMBERS = [" 5 ", "5e2", "1,000", "+3", ".5", "5.", "-0", "NaN", "inf", "0x10", "١٢", "５"]
NUMBERS += ["1e400", "1_0", "  ", "\t7\n", "0005"]
DATETIMES = ["2024-03-01 09:00", "2024-03-01T09:00:00+01:00", "2024-03-01T23:30:00Z"]
DATETIMES += ["2024-03-01 09:00:00.5", " 2024-03-01 ", "2024-3-1", "01/03/2024"]
DATETIMES += ["2024-03-01T09", "20240301", "2024-03-01 24:00", "2024-03-01T09:00:00.123456"]
DATETIMES += ["2024-03-31 01:30", "2024-10-27 01:30", "2024-03-01T09:00:00-0130"]
DATETIMES += ["2024-03-01 09:00:00 +01:00", "2024-03-01t09:00", "2024-03-01T09:00:00+14:00"]
EDGE_ROWS = [
    {"id": str(i + 1), "v": number, "w": stamp}
    for i, (number, stamp) in enumerate(zip(NUMBERS, DATETIMES, strict=True))
]


def test_numbers_and_datetimes_at_the_edges_are_read_alike(databases: Any) -> None:
    """Fractions of a second once vanished on MariaDB (CAST AS DATETIME): 09:00:00.5 was
    not after 09:00 there, on every other backend it was."""
    suite = case_suite(
        condition_rule("GT", "v > 0", "pandas"),
        condition_rule("EQ", "v == 5", "pandas"),
        condition_rule("EQ8", 'w == datetime("2024-03-01 08:00")', "pandas"),
        condition_rule("AFTER", 'w > datetime("2024-03-01 09:00")', "pandas"),
        condition_rule(
            "BEFORE", 'col("w")<datetime("2024-03-01 09:00:00.3")', "great_expectations"
        ),
        rule(
            "expect_column_values_to_be_between",
            "BETWEEN",
            column="w",
            min_value="2024-03-01 09:00:00.1",
            max_value="2024-12-31",
        ),
    )
    columns = ["id", "v", "w"]
    frame = pd.DataFrame(EDGE_ROWS, dtype="str")
    extract = FrameExtract(
        frame, Fingerprint("cases.csv", "-", len(frame), columns), np.arange(2, len(frame) + 2)
    )
    documents = {"file": full_document(extract, suite, ["id"])}
    for kind in KINDS:
        for mode, found in databases(kind, EDGE_ROWS, columns).items():
            documents[f"{kind} {mode}"] = full_document(found, suite, ["id"])
    found = same_everywhere(documents)
    keys = {
        r["rule_id"]: sorted((k for k, _ in r["failing_keys"]), key=int) for r in found["results"]
    }
    assert keys["GT"] == ["1", "2", "4", "5", "6", "17"]  # " 5 ", 5e2, +3, .5, 5., 0005
    assert keys["EQ"] == ["1", "6", "17"]
    assert keys["EQ8"] == ["2"]  # 09:00+01:00 is 08:00 UTC
    assert keys["AFTER"] == ["3", "4", "11", "12", "13", "14"]
    assert keys["BEFORE"] == ["1", "2", "5", "11", "17"]  # " 2024-03-01 " is midnight
    assert "4" not in keys["BETWEEN"] and "1" in keys["BETWEEN"]
