"""Derivations in the database: ``reference_exists`` on a dataset read with pushdown.

The issue's example end to end, through ``audit run``: custody persons' PNC IDs looked up
in PNC nominals, both tables in one database, give exactly the failing keys of the same
audit read into memory (pull, pandas), on SQLite, PostgreSQL and MariaDB (the servers of
DQAUDIT_TEST_PG_URL / DQAUDIT_TEST_MYSQL_URL; tables named uniquely, so parallel test
processes never meet). Then composite keys and NULLs, the generated SQL against the query
guard, and the refusals: an input in another database, an input read into memory, a kind
with no SQL form.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
import yaml

from dqaudit.connectors.query_guard import check_query
from dqaudit.connectors.registry import get_connector
from dqaudit.engine import derivation
from dqaudit.errors import InputError
from dqaudit.expectations.rules import catalogue, derivation_catalogue, derived_kinds
from dqaudit.expectations.suite import suite_from_dict
from tests.conftest import SAMPLE_DATA, invoke, rule

OWNER = {"name": "Owner", "email": "owner@example.police.uk"}
PNC_LOOKUP = {
    "kind": "reference_exists",
    "inputs": {"reference": "pnc/nominals"},
    "options": {"columns": ["pnc_id"], "result_column": "pnc_id_on_pnc"},
}


class Database:
    """One database (a SQLite file, or a real server) and the tables a test made in it."""

    def __init__(self, kind: str, url: str) -> None:
        self.kind, self.url = kind, url
        self.made: list[str] = []

    def table(self, stem: str, frame: pd.DataFrame) -> str:
        """The frame as a table of text columns (NULL where missing), uniquely named."""
        name = f"dq_{stem}_{uuid.uuid4().hex[:10]}"
        metadata = sa.MetaData()
        table = sa.Table(name, metadata, *[sa.Column(str(c), sa.Text) for c in frame.columns])
        engine = sa.create_engine(self.url)
        try:
            metadata.create_all(engine)
            self.made.append(name)
            rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
            with engine.begin() as connection:
                connection.execute(table.insert(), rows)
        finally:
            engine.dispose()
        return name

    def drop(self) -> None:
        engine = sa.create_engine(self.url)
        try:
            with engine.begin() as connection:
                for name in self.made:
                    connection.execute(sa.text(f"DROP TABLE IF EXISTS {name}"))
        finally:
            engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    kind = request.param
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'records.db'}"
    else:
        url = str(request.getfixturevalue("pg_url" if kind == "postgresql" else "mysql_url"))
    made = Database(kind, url)
    yield made
    made.drop()


def sql_dataset(url_variable: str, table: str, mode: str, key: list[str]) -> dict[str, Any]:
    return {
        "connector": "sql",
        "options": {"url": f"${{{url_variable}}}", "table": table, "mode": mode},
        "key": key,
    }


def workspace(
    folder: Path, systems: dict[str, dict[str, Any]], suite: dict[str, Any], name: str = "s"
) -> Path:
    """A workspace whose systems hold the given datasets, and one suite."""
    folder.mkdir(parents=True)
    (folder / "suites").mkdir()
    config = {
        "systems": {
            system: {"owner": OWNER, "datasets": datasets} for system, datasets in systems.items()
        }
    }
    (folder / "dqaudit.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    document = {"name": name, **suite}
    (folder / "suites" / f"{name}.json").write_text(json.dumps(document), encoding="utf-8")
    return folder


def suite_of(system: str, dataset: str, derivation_: Any, *expectations: dict) -> dict:
    meta = {"system": system, "dataset": dataset, "derivation": derivation_}
    return {"meta": {"dqaudit": meta}, "expectations": list(expectations)}


def audit(folder: Path) -> tuple[Any, dict[str, Any] | None]:
    """``audit run`` (draft), and the stored run's document when it ran."""
    run = invoke("audit", "run", "-w", str(folder), "--allow-draft")
    if " run " not in run.stdout:
        return run, None
    run_id = run.stdout.split(" run ")[1].split()[0].split(";")[0]
    shown = invoke("audit", "show", run_id, "-w", str(folder), "--json")
    assert shown.exit_code == 0, shown.output
    return run, json.loads(shown.stdout)


def failing(document: dict[str, Any]) -> dict[str, list[str]]:
    return {r["rule_id"]: sorted(r["failing_keys"] or []) for r in document["results"]}


# --- the example, through audit run, on every database ------------------------------


def test_pushdown_gives_the_pull_failing_keys_for_custody_persons_on_pnc(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    detainees = pd.read_csv(SAMPLE_DATA / "custody" / "detainees.csv", dtype=str)
    nominals = pd.read_csv(SAMPLE_DATA / "pnc" / "nominals.csv", dtype=str)
    persons_table = database.table("detainees", detainees)
    nominals_table = database.table("nominals", nominals)
    monkeypatch.setenv("RECORDS_DB_URL", database.url)
    suite = suite_of(
        "custody",
        "detainees",
        PNC_LOOKUP,
        rule("expect_column_values_to_be_in_set", "PER-1", column="pnc_id_on_pnc", value_set=["Y"]),
        rule("expect_column_values_to_not_be_null", "PER-2", column="pnc_id_on_pnc"),
    )
    documents = {}
    for mode in ("pull", "pushdown"):
        folder = workspace(
            tmp_path / mode,
            {
                "custody": {
                    "detainees": sql_dataset("RECORDS_DB_URL", persons_table, mode, ["person_ref"])
                },
                "pnc": {
                    "nominals": sql_dataset("RECORDS_DB_URL", nominals_table, mode, ["nominal_ref"])
                },
            },
            suite,
        )
        run, documents[mode] = audit(folder)
        assert run.exit_code == 1, run.output  # the planted defects fail
    pulled, pushed = documents["pull"], documents["pushdown"]
    assert pulled is not None and pushed is not None
    assert failing(pushed) == failing(pulled)
    manifest = json.loads((SAMPLE_DATA / "manifest.json").read_text())
    planted = sorted(d["key"] for d in manifest["defects"] if d["rule_id"] == "CUS-PER-001")
    assert failing(pushed)["PER-1"] == planted
    missing = sorted(detainees.loc[detainees["pnc_id"].isna(), "person_ref"])
    assert failing(pushed)["PER-2"] == missing and missing  # NULL in, NULL out
    assert pushed["rows"] == pulled["rows"] == len(detainees)
    assert pushed["run"]["columns"] == pulled["run"]["columns"]
    # the input is fingerprinted as on pandas: the approval sees what the run read
    roles = {r["role"]: r for r in pushed["run"]["reference_files"]}
    assert roles["derivation input pnc/nominals"]["row_count"] == len(nominals)
    assert {r["role"] for r in pulled["run"]["reference_files"]} == set(roles)


# --- composite keys, NULLs, steps in order, a dataset given as a query ----------------------

EVENTS = pd.DataFrame(
    [
        ("E1", "20", "BE"),
        ("E2", "20", "be"),  # another unit: compared exactly, on MariaDB too
        ("E3", "21", "BE"),  # the unit of force 21 is NULL in the reference: never matched
        ("E4", "20", None),  # part of the value missing: blank, not judged
        ("E5", "99", "BE"),
    ],
    columns=["ref", "force", "unit"],
)
UNITS = pd.DataFrame({"f": ["20", "21"], "u": ["BE", None]})
COMPOSITE = [
    {
        "kind": "reference_exists",
        "inputs": {"reference": "units"},
        "options": {
            "columns": ["force", "unit"],
            "reference_columns": ["f", "u"],
            "result_column": "unit_known",
        },
    },
    {
        "kind": "reference_exists",
        "inputs": {"reference": "units"},
        "options": {"columns": ["force"], "reference_columns": ["f"]},
    },
]
COMPOSITE_RULES = (
    rule("expect_column_values_to_be_in_set", "U-1", column="unit_known", value_set=["Y"]),
    rule("expect_column_values_to_not_be_null", "U-2", column="unit_known"),
    rule("expect_column_values_to_be_in_set", "U-3", column="force_found", value_set=["Y"]),
)


@pytest.mark.parametrize("source", ["table", "query"])
def test_composite_keys_and_nulls_in_the_database_are_the_pandas_answer(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    events = database.table("events", EVENTS)
    units = database.table("units", UNITS)
    monkeypatch.setenv("RECORDS_DB_URL", database.url)
    suite = suite_of("force", "events", COMPOSITE, *COMPOSITE_RULES)
    documents = {}
    for mode in ("pull", "pushdown"):
        dataset = sql_dataset("RECORDS_DB_URL", events, mode, ["ref"])
        if source == "query":  # a colon and a percent sign, as the database reads them
            del dataset["options"]["table"]
            dataset["options"]["query"] = (
                f"SELECT * FROM {events} WHERE ref LIKE 'E%' AND ref <> 'x:y'"
            )
        folder = workspace(
            tmp_path / mode,
            {"force": {"events": dataset, "units": sql_dataset("RECORDS_DB_URL", units, mode, [])}},
            suite,
        )
        run, documents[mode] = audit(folder)
        assert run.exit_code == 1, run.output
    pulled, pushed = documents["pull"], documents["pushdown"]
    assert pulled is not None and pushed is not None
    expected = {"U-1": ["E2", "E3", "E5"], "U-2": ["E4"], "U-3": ["E5"]}
    assert failing(pulled) == expected
    assert failing(pushed) == expected
    assert pushed["run"]["columns"] == [*EVENTS.columns, "unit_known", "force_found"]
    # one input read by two steps is fingerprinted once
    assert [r["role"] for r in pushed["run"]["reference_files"]] == ["derivation input units"]


# --- refusals: another database, an input in memory, a kind with no SQL form ----------------


def two_sqlite_files(tmp_path: Path) -> tuple[str, str, str, str]:
    persons, nominals = Database("sqlite", ""), Database("sqlite", "")
    persons.url = f"sqlite:///{tmp_path / 'custody.db'}"
    nominals.url = f"sqlite:///{tmp_path / 'pnc.db'}"
    frame = pd.DataFrame({"person_ref": ["P1", "P2"], "pnc_id": ["2001/0171310W", "x"]})
    persons_table = persons.table("persons", frame)
    nominals_table = nominals.table("nominals", pd.DataFrame({"pnc_id": ["2001/0171310W"]}))
    return persons.url, persons_table, nominals.url, nominals_table


def pnc_workspace(
    folder: Path, persons_table: str, nominals_table: str, nominals_mode: str = "pushdown"
) -> Path:
    suite = suite_of(
        "custody",
        "persons",
        PNC_LOOKUP,
        rule("expect_column_values_to_be_in_set", "PER-1", column="pnc_id_on_pnc", value_set=["Y"]),
    )
    return workspace(
        folder,
        {
            "custody": {
                "persons": sql_dataset("CUSTODY_DB_URL", persons_table, "pushdown", ["person_ref"])
            },
            "pnc": {"nominals": sql_dataset("PNC_DB_URL", nominals_table, nominals_mode, [])},
        },
        suite,
    )


def test_a_reference_in_another_database_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    custody_url, persons_table, pnc_url, nominals_table = two_sqlite_files(tmp_path)
    monkeypatch.setenv("CUSTODY_DB_URL", custody_url)
    monkeypatch.setenv("PNC_DB_URL", pnc_url)
    run, document = audit(pnc_workspace(tmp_path / "ws", persons_table, nominals_table))
    assert run.exit_code == 2, run.output
    message = " ".join(run.output.split())
    assert "s.json: meta.dqaudit.derivation (reference_exists) input 'reference'" in message
    assert "(pnc/nominals) is in another database" in message
    assert "pnc.db" in message and "custody.db" in message
    assert "sql connector mode: pull" in message
    # the same database under both variables is one database
    monkeypatch.setenv("PNC_DB_URL", custody_url)
    nominals = Database("sqlite", custody_url)
    same = nominals.table("nominals", pd.DataFrame({"pnc_id": ["2001/0171310W"]}))
    run, document = audit(pnc_workspace(tmp_path / "ws2", persons_table, same))
    assert run.exit_code == 1, run.output
    assert document is not None and failing(document) == {"PER-1": ["P2"]}


def test_an_input_read_into_memory_beside_a_pushdown_dataset_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    custody_url, persons_table, _, _ = two_sqlite_files(tmp_path)
    monkeypatch.setenv("CUSTODY_DB_URL", custody_url)
    monkeypatch.setenv("PNC_DB_URL", custody_url)
    nominals = Database("sqlite", custody_url).table("n", pd.DataFrame({"pnc_id": ["x"]}))
    run, _ = audit(pnc_workspace(tmp_path / "ws", persons_table, nominals, "pull"))
    assert run.exit_code == 2, run.output
    message = " ".join(run.output.split())
    assert "input 'reference' (pnc/nominals) is read into memory" in message
    assert "mode: pushdown from the same database" in message


def test_a_kind_without_a_sql_form_on_pushdown_is_refused_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    custody_url, persons_table, _, _ = two_sqlite_files(tmp_path)
    monkeypatch.setenv("CUSTODY_DB_URL", custody_url)
    duplicates = {"kind": "duplicate_addresses", "options": {"uprn": "person_ref"}}
    folder = workspace(
        tmp_path / "ws",
        {
            "custody": {
                "persons": sql_dataset("CUSTODY_DB_URL", persons_table, "pushdown", ["person_ref"])
            }
        },
        suite_of("custody", "persons", duplicates),
    )
    run, _ = audit(folder)
    assert run.exit_code == 2, run.output
    message = " ".join(run.output.split())
    assert "meta.dqaudit.derivation (duplicate_addresses) builds its dataset in memory" in message
    assert "does not run on sqlite (the derivations that do: reference_exists)" in message
    assert "mode: pull" in message


# --- the generated SQL and the query guard ---------------------------------------------------

DIALECTS = {  # database -> (a URL to compile for, the construct its lookup uses)
    "postgresql": ("postgresql+psycopg://auditor@db.example/records", "EXISTS (SELECT"),
    "mysql": ("mysql+pymysql://auditor@db.example/records", "IN (SELECT"),
}


def pushed_extract(url: str, dialect: str, columns: list[str], **source: str) -> Any:
    from dqaudit.connectors.base import DatabaseExtract, DatabaseTarget, Fingerprint

    target = DatabaseTarget(url, url, dialect, url)
    table = source.get("table")
    select_sql = source.get("query") or f"SELECT * FROM {table}"
    fingerprint = Fingerprint(f"{url} {table or 'query'}", "-", 2, columns)
    return DatabaseExtract(target, fingerprint, select_sql, table, None, source.get("query"))


def derived_sql(dialect: str, url: str, derivation_: Any, **source: str) -> Any:
    suite = suite_from_dict(
        {"name": "s", **suite_of("custody", "persons", derivation_)}, source="s.json"
    )
    dataset = pushed_extract(url, dialect, ["person_ref", "pnc_id", "force"], **source)
    nominals = pushed_extract(url, dialect, ["pnc_id", "f"], table="nominals")
    return derivation.derive(suite, dataset, lambda name: nominals)


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_the_generated_select_passes_the_guard_and_keeps_the_query_verbatim(dialect: str) -> None:
    url, construct = DIALECTS[dialect]
    query = "SELECT * FROM persons WHERE person_ref LIKE 'P%' AND pnc_id <> 'a:b'"
    composite = {
        **PNC_LOOKUP,
        "options": {
            "columns": ["pnc_id", "force"],
            "reference_columns": ["pnc_id", "f"],
            "result_column": "on pnc",  # a name that must be quoted
        },
    }
    derived = derived_sql(dialect, url, [PNC_LOOKUP, composite], query=query)
    text = derived.extract.select_sql
    check_query(text, dialect)  # derive ran it too; an audit query like any other
    assert query in text  # the user's text as the database reads it: no %% and no \:
    assert construct in text and "CASE WHEN" in text and "THEN 'Y' ELSE 'N' END" in text
    quote = '"' if dialect == "postgresql" else "`"
    assert f"AS {quote}on pnc{quote}" in text
    assert derived.extract.query == text and derived.extract.fingerprint.columns == [
        "person_ref",
        "pnc_id",
        "force",
        "pnc_id_on_pnc",
        "on pnc",
    ]
    assert derived.extract.column_types == {"pnc_id_on_pnc": "text", "on pnc": "text"}
    assert [r.role for r in derived.references] == ["derivation input pnc/nominals"]


def test_the_generated_select_passes_the_guard_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'records.db'}"
    Database("sqlite", url).table("persons", pd.DataFrame({"person_ref": ["P1"]}))
    options = {"url": url, "table": "x", "mode": "pushdown"}
    target = get_connector("sql")._settings(options, tmp_path)[0]
    dataset = dataclasses_replace(pushed_extract(url, "sqlite", ["pnc_id"], table="p"), target)
    nominals = dataclasses_replace(pushed_extract(url, "sqlite", ["pnc_id"], table="n"), target)
    suite = suite_from_dict(
        {"name": "s", **suite_of("custody", "persons", PNC_LOOKUP)}, source="s.json"
    )
    text = derivation.derive(suite, dataset, lambda name: nominals).extract.select_sql
    check_query(text, "sqlite")
    # computed once: a correlated EXISTS would scan the reference for every row
    assert " IN (SELECT" in text and "EXISTS" not in text
    assert "FROM (SELECT * FROM p) AS dqaudit_derived" in text


def dataclasses_replace(extract: Any, target: Any) -> Any:
    import dataclasses

    return dataclasses.replace(extract, target=target)


@pytest.mark.parametrize(
    ("dialect", "query", "refused"),
    [
        (
            "postgresql",
            "SELECT p.*, CASE WHEN EXISTS (SELECT dblink_exec('host=x', 'DELETE FROM n')) "
            "THEN 'Y' ELSE 'N' END AS found FROM persons p",
            "function dblink_exec is not allowed",
        ),
        (
            "postgresql",
            "WITH gone AS (DELETE FROM nominals RETURNING *) SELECT p.*, CASE WHEN p.pnc_id "
            "IN (SELECT pnc_id FROM gone) THEN 'Y' END FROM persons p",
            "DELETE statement inside the SELECT is not allowed",
        ),
        (
            "mysql",
            "SELECT p.*, CASE WHEN (CAST(p.pnc_id AS BINARY)) IN (SELECT pnc_id FROM n) "
            "THEN 'Y' END AS found FROM persons p INTO OUTFILE '/tmp/x'",
            "INTO",
        ),
        (
            "mysql",
            "SELECT p.*, /*!50000 (SELECT SLEEP(9)) */ 'N' AS found FROM persons p",
            "executable comment",
        ),
        (
            "sqlite",
            "SELECT p.*, CASE WHEN EXISTS (SELECT load_extension('x')) THEN 'Y' END FROM p",
            "function load_extension is not allowed",
        ),
    ],
)
def test_the_guard_still_refuses_what_a_user_could_write_in_those_shapes(
    dialect: str, query: str, refused: str
) -> None:
    with pytest.raises(InputError, match="option 'query'") as error:
        check_query(query, dialect)
    assert refused in error.value.message


def test_each_kind_with_a_sql_form_runs_on_the_sql_engines_in_the_catalogue() -> None:
    for name, kind in derived_kinds.KINDS.items():
        engines = set(derivation_catalogue.derivation_engines(name))
        assert catalogue.PANDAS in engines
        assert (set(catalogue.SQL_ENGINES) <= engines) == (kind.sql is not None), name
        assert (set(catalogue.SQL_ENGINES) & engines == set()) == (kind.sql is None), name
    older = [d for d in derivation_catalogue.DERIVATIONS if d.kind not in derived_kinds.KINDS]
    assert older and all(d.engines in ((catalogue.PANDAS,), catalogue.PANDAS_SPARK) for d in older)
    # the ones built on Spark are exactly those the Spark derivation builds
    from dqaudit.engine.spark_derivation import SPARK_KINDS

    on_spark = {d.kind for d in derivation_catalogue.DERIVATIONS if catalogue.SPARK in d.engines}
    assert on_spark == set(SPARK_KINDS)


@pytest.mark.parametrize(("kind", "problems"), [("reference_exists", 0), ("pace_detentions", 1)])
def test_suite_lint_takes_reference_exists_on_pushdown_and_refuses_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, problems: int
) -> None:
    custody_url, persons_table, _, _ = two_sqlite_files(tmp_path)
    monkeypatch.setenv("CUSTODY_DB_URL", custody_url)
    monkeypatch.setenv("PNC_DB_URL", custody_url)
    nominals = Database("sqlite", custody_url).table("n", pd.DataFrame({"pnc_id": ["x"]}))
    folder = pnc_workspace(tmp_path / "ws", persons_table, nominals)
    if kind == "pace_detentions":
        document = json.loads((folder / "suites" / "s.json").read_text())
        document["meta"]["dqaudit"]["derivation"] = {"kind": kind, "inputs": {"reviews": "x"}}
        (folder / "suites" / "s.json").write_text(json.dumps(document))
    result = invoke("suite", "lint", "s", "-w", str(folder), "--json")
    found = [
        p["message"]
        for p in json.loads(result.stdout)["problems"]
        if "does not run on sqlite" in p["message"]
    ]
    assert len(found) == problems, found


@pytest.mark.parametrize(
    ("persons_mode", "nominals_mode", "found"),
    [
        ("pushdown", "pushdown", None),
        ("pull", "pull", None),
        ("pushdown", "pull", "(pnc/nominals) is read into memory, but the dataset"),
        ("pull", "pushdown", "(pnc/nominals) is read with pushdown, and the dataset is read"),
    ],
)
def test_suite_lint_finds_the_input_reading_a_run_would_refuse(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    persons_mode: str,
    nominals_mode: str,
    found: str | None,
) -> None:
    custody_url, persons_table, _, _ = two_sqlite_files(tmp_path)
    monkeypatch.setenv("CUSTODY_DB_URL", custody_url)
    monkeypatch.setenv("PNC_DB_URL", custody_url)
    nominals = Database("sqlite", custody_url).table("n", pd.DataFrame({"pnc_id": ["x"]}))
    folder = pnc_workspace(tmp_path / "ws", persons_table, nominals, nominals_mode)
    config = yaml.safe_load((folder / "dqaudit.yml").read_text())
    config["systems"]["custody"]["datasets"]["persons"]["options"]["mode"] = persons_mode
    (folder / "dqaudit.yml").write_text(yaml.safe_dump(config))
    result = invoke("suite", "lint", "s", "-w", str(folder), "--json")
    inputs = [
        p
        for p in json.loads(result.stdout)["problems"]
        if p.get("setting") == "meta.dqaudit.derivation.inputs"
    ]
    if found is None:
        assert inputs == []
        assert audit(folder)[0].exit_code == 1  # and the run agrees
    else:
        assert len(inputs) == 1 and found in inputs[0]["message"], inputs
        assert "mode: pull" in inputs[0]["message"]
        run, _ = audit(folder)
        assert run.exit_code == 2 and found in " ".join(run.output.split())


def test_derive_itself_refuses_an_input_in_memory_and_a_kind_with_no_sql_form() -> None:
    from dqaudit.connectors.base import Fingerprint, FrameExtract

    url = DIALECTS["postgresql"][0]
    dataset = pushed_extract(url, "postgresql", ["person_ref", "pnc_id"], table="persons")
    frame = pd.DataFrame({"pnc_id": ["x"]})
    in_memory = FrameExtract(frame, Fingerprint("n.csv", "-", 1, ["pnc_id"]))
    suite = suite_from_dict({"name": "s", **suite_of("c", "p", PNC_LOOKUP)}, source="s.json")
    with pytest.raises(InputError, match=r"input 'reference' \(pnc/nominals\) is read into memory"):
        derivation.derive(suite, dataset, lambda name: in_memory)
    elsewhere = dataclasses_replace(
        dataset, dataclasses_replace_url(dataset.target, url.replace("records", "other"))
    )
    with pytest.raises(InputError, match=r"\(pnc/nominals\) is in another database"):
        derivation.derive(suite, dataset, lambda name: elsewhere)
    continuity = {"kind": "crime_id_continuity", "inputs": {"previous": "street_previous"}}
    suite = suite_from_dict({"name": "s", **suite_of("c", "p", continuity)}, source="s.json")
    with pytest.raises(InputError) as error:
        derivation.derive(suite, dataset, lambda name: in_memory)
    assert "(crime_id_continuity) (reading 'street_previous') builds its columns in memory" in (
        error.value.message
    )
    assert "mode: pull" in error.value.message


def dataclasses_replace_url(target: Any, url: str) -> Any:
    import dataclasses

    return dataclasses.replace(target, url=url, display=url, engine_url=url)
