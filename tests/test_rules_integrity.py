"""Cross-dataset integrity (reference_exists): pandas, and its SQL form on every SQL engine.

The examples are the issue's: a custody person's PNC ID must be a PNC nominal's
(2001/0171310W is a well-formed PNC ID, so only its absence from PNC can fail it), and an
incident's UPRN must be in the gazetteer (a UPRN held as a database integer matches the
same UPRN read as text).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from dqaudit.engine import derivation
from dqaudit.errors import InputError
from dqaudit.expectations.rules import integrity, sql
from dqaudit.expectations.suite import suite_from_dict
from tests.conftest import SAMPLE_DATA

PERSONS = pd.DataFrame(
    {
        "person_ref": ["P1", "P2", "P3", "P4", "P5"],
        "pnc_id": ["2001/0171310W", "2008/0056560Z", None, "2001/0171310w", "79/163001B "],
    }
)
NOMINALS = pd.DataFrame({"nominal_ref": ["N1", "N2"], "pnc_id": ["2001/0171310W", "79/163001B"]})
PNC = integrity.ReferenceOptions(columns=("pnc_id",), result_column="pnc_id_on_pnc")


def test_a_value_missing_from_the_other_dataset_fails_and_a_blank_is_not_judged() -> None:
    result = integrity.reference_exists(PERSONS, NOMINALS, PNC)["pnc_id_on_pnc"]
    # P2 is not on PNC; P4 differs in case and P5 by a trailing space: compared exactly
    assert result.tolist() == ["Y", "N", pd.NA, "N", "N"]
    assert integrity.missing_references(PERSONS, NOMINALS, PNC, "person_ref") == ["P2", "P4", "P5"]


def test_composite_keys_match_on_every_part_and_never_by_accident() -> None:
    events = pd.DataFrame({"a": ["ab", "a", "x"], "b": ["c", "bc", None]})
    reference = pd.DataFrame({"p": ["ab"], "q": ["c"]})
    options = integrity.ReferenceOptions(("a", "b"), ("p", "q"), "found")
    assert integrity.reference_exists(events, reference, options)["found"].tolist() == [
        "Y",
        "N",  # "a"+"bc" joins to the same text as "ab"+"c", but is another key
        pd.NA,
    ]


def test_numbers_and_text_compare_as_text() -> None:
    incidents = pd.DataFrame({"uprn": ["100070000001", "100070000002"]})
    gazetteer = pd.DataFrame({"uprn": [100070000001, 5]})
    options = integrity.ReferenceOptions(columns=("uprn",))
    assert integrity.reference_exists(incidents, gazetteer, options)["uprn_found"].tolist() == [
        "Y",
        "N",
    ]


def _suite(spec: object, path: Path | None = None) -> object:
    document = {"name": "s", "meta": {"dqaudit": {"system": "custody", "dataset": "detainees"}}}
    document["meta"]["dqaudit"]["derivation"] = spec  # type: ignore[index]
    document["expectations"] = []
    return suite_from_dict(document, source="s.json", path=path)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "options.columns must name the column(s) to look up"),
        ({"columns": ["a", "b"], "reference_columns": ["c"]}, "as many columns as 'columns' (2)"),
        ({"columns": "pnc_id"}, "options.columns must be a list of strings"),
        ({"columns": ["pnc_id"], "within": 3}, "options.within is not an option"),
    ],
)
def test_bad_declarations_are_errors_naming_the_setting(options: dict, message: str) -> None:
    spec = {"kind": "reference_exists", "inputs": {"reference": "pnc/nominals"}, "options": options}
    with pytest.raises(InputError, match=r"meta\.dqaudit\.derivation") as error:
        derivation.steps(_suite(spec))
    assert message in error.value.message


def test_inputs_may_name_another_systems_dataset_and_bad_names_are_clear() -> None:
    spec = {
        "kind": "reference_exists",
        "inputs": {"reference": "pnc/nominals"},
        "options": {"columns": ["pnc_id"]},
    }
    suite = _suite(spec)

    class System:
        def __init__(self, *names: str) -> None:
            self.datasets = {name: object() for name in names}

    systems = {"custody": System("detainees"), "pnc": System("nominals")}
    derivation.check_inputs(suite, systems["custody"].datasets, systems)  # no error
    with pytest.raises(InputError, match="names system 'pnc', which the workspace does not"):
        derivation.check_inputs(suite, systems["custody"].datasets, {"custody": systems["custody"]})
    spec["inputs"] = {"reference": "pnc/nominal"}
    with pytest.raises(InputError, match="names dataset 'nominal', which system 'pnc' does not"):
        derivation.check_inputs(_suite(spec), systems["custody"].datasets, systems)


def test_a_missing_column_is_an_error_naming_the_input_and_the_setting() -> None:
    spec = {
        "kind": "reference_exists",
        "inputs": {"reference": "pnc/nominals"},
        "options": {"columns": ["pnc_id"], "reference_columns": ["pnc"]},
    }
    from dqaudit.connectors.base import Fingerprint, FrameExtract

    def extract(frame: pd.DataFrame) -> FrameExtract:
        return FrameExtract(frame, Fingerprint("x", "-", len(frame), list(frame.columns)))

    with pytest.raises(InputError, match="needs column 'pnc' in input 'reference'"):
        derivation.derive(_suite(spec), extract(PERSONS), lambda name: extract(NOMINALS))


def test_the_sample_custody_persons_fail_exactly_where_the_manifest_says() -> None:
    import json

    detainees = pd.read_csv(SAMPLE_DATA / "custody" / "detainees.csv", dtype=str)
    nominals = pd.read_csv(SAMPLE_DATA / "pnc" / "nominals.csv", dtype=str)
    failing = integrity.missing_references(detainees, nominals, PNC, "person_ref")
    manifest = json.loads((SAMPLE_DATA / "manifest.json").read_text())
    planted = [d["key"] for d in manifest["defects"] if d["rule_id"] == "CUS-PER-001"]
    assert sorted(failing) == sorted(planted) and len(planted) >= 3


# --- the SQL form ---------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'integrity.db'}"
    return str(request.getfixturevalue("pg_url" if request.param == "postgresql" else "mysql_url"))


def _tables(url: str) -> tuple[sa.Engine, sa.Table, sa.Table, sa.Table, sa.MetaData]:
    """Persons and nominals (text PNC IDs), and a gazetteer whose UPRN is an integer."""
    suffix = uuid.uuid4().hex[:10]
    metadata = sa.MetaData()
    persons = sa.Table(
        f"dq_persons_{suffix}",
        metadata,
        sa.Column("person_ref", sa.String(8)),
        sa.Column("pnc_id", sa.String(20)),
        sa.Column("uprn", sa.String(16)),
    )
    nominals = sa.Table(f"dq_nominals_{suffix}", metadata, sa.Column("pnc_id", sa.String(20)))
    gazetteer = sa.Table(f"dq_gazetteer_{suffix}", metadata, sa.Column("uprn", sa.BigInteger))
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            persons.insert(),
            [
                {"person_ref": p, "pnc_id": i, "uprn": u}
                for p, i, u in zip(
                    PERSONS["person_ref"],
                    PERSONS["pnc_id"].astype(object).where(PERSONS["pnc_id"].notna(), None),
                    ["100070000001", "100070000002", None, "100070000001", "5"],
                    strict=True,
                )
            ],
        )
        connection.execute(nominals.insert(), [{"pnc_id": v} for v in NOMINALS["pnc_id"]])
        connection.execute(gazetteer.insert(), [{"uprn": 100070000001}, {"uprn": 5}])
    return engine, persons, nominals, gazetteer, metadata


def test_the_sql_form_gives_the_pandas_answer_on_every_engine(database_url: str) -> None:
    engine, persons, nominals, gazetteer, metadata = _tables(database_url)
    name = sql.engine_name(engine.dialect)
    try:
        with engine.connect() as connection:
            select = integrity.missing_references_select(
                persons, nominals, PNC, ["person_ref"], name
            )
            failing = [row[0] for row in connection.execute(select)]
            # MariaDB would match '2001/0171310w' and '79/163001B ' by its collation
            assert failing == ["P2", "P4", "P5"]
            column = integrity.reference_result_sql(persons, nominals, PNC, name)
            rows = connection.execute(
                sa.select(persons.c.person_ref, column).order_by(persons.c.person_ref)
            ).all()
            expected = integrity.reference_exists(PERSONS, NOMINALS, PNC)["pnc_id_on_pnc"]
            assert [r[1] for r in rows] == [None if pd.isna(v) else v for v in expected]
            uprn = integrity.ReferenceOptions(columns=("uprn",), result_column="in_gazetteer")
            select = integrity.missing_references_select(
                persons, gazetteer, uprn, ["person_ref"], name
            )
            assert [row[0] for row in connection.execute(select)] == ["P2"]
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def test_the_sql_form_refuses_a_column_the_tables_do_not_have(tmp_path: Path) -> None:
    engine, persons, nominals, _, metadata = _tables(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with pytest.raises(InputError, match="the reference has no column 'nominal_ref'"):
            integrity.reference_exists_sql(persons, nominals, ["pnc_id"], ["nominal_ref"], "sqlite")
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def test_a_composite_reference_in_sql_matches_every_part(database_url: str) -> None:
    suffix = uuid.uuid4().hex[:10]
    metadata = sa.MetaData()
    events = sa.Table(
        f"dq_events_{suffix}",
        metadata,
        sa.Column("ref", sa.String(4)),
        sa.Column("force", sa.String(4)),
        sa.Column("unit", sa.String(4)),
    )
    units = sa.Table(
        f"dq_units_{suffix}", metadata, sa.Column("f", sa.String(4)), sa.Column("u", sa.String(4))
    )
    engine = sa.create_engine(database_url)
    metadata.create_all(engine)
    rows = [("E1", "20", "BE"), ("E2", "20", "be"), ("E3", "21", "BE"), ("E4", "20", None)]
    try:
        with engine.begin() as connection:
            connection.execute(
                events.insert(), [{"ref": r, "force": f, "unit": u} for r, f, u in rows]
            )
            connection.execute(units.insert(), [{"f": "20", "u": "BE"}, {"f": "21", "u": None}])
        options = integrity.ReferenceOptions(("force", "unit"), ("f", "u"), "unit_known")
        select = integrity.missing_references_select(
            events, units, options, ["ref"], sql.engine_name(engine.dialect)
        )
        with engine.connect() as connection:
            failing = [row[0] for row in connection.execute(select)]
        frame = pd.DataFrame(rows, columns=["ref", "force", "unit"])
        reference = pd.DataFrame({"f": ["20", "21"], "u": ["BE", None]})
        assert failing == ["E2", "E3"]
        assert integrity.missing_references(frame, reference, options, "ref") == failing
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def test_rules_list_shows_each_audit_rule_and_derivation_with_its_source() -> None:
    from dqaudit.expectations.rules.catalogue import AUDIT_RULES
    from dqaudit.expectations.rules.derivation_catalogue import AUDIT_DERIVATIONS
    from tests.conftest import invoke

    result = invoke("rules", "list")
    assert result.exit_code == 0
    for entry in (*AUDIT_RULES, *AUDIT_DERIVATIONS):
        assert entry.source, entry
        assert f"    source:   {entry.source}" in result.stdout
    assert "reference_exists" in result.stdout and "HC Deb 8 January 2003" in result.stdout
    for code_list in ("policeuk_crime_type", "policeuk_outcome", "nutmeg_qualifying_offences"):
        assert code_list in result.stdout


def test_approval_fingerprints_the_other_systems_dataset_a_suite_reads() -> None:
    from dqaudit.expectations.suite import load_suite
    from dqaudit.governance.approvals import referenced_files
    from dqaudit.workspace.config import load_workspace

    workspace = load_workspace(SAMPLE_DATA / "workspace")
    suite = load_suite(SAMPLE_DATA / "workspace" / "suites" / "custody_detainees.json")
    files = {
        path.relative_to(SAMPLE_DATA).as_posix() for path in referenced_files(suite, workspace)
    }
    # pnc/nominals (another system) and custody_records (its own), so a change to either
    # shows in 'suite status' as the approved suite's inputs having changed
    assert {"pnc/nominals.csv", "custody/custody_records.csv"} <= files


def test_an_input_read_in_its_database_is_refused_naming_the_dataset() -> None:
    from dqaudit.connectors.base import DatabaseExtract, Fingerprint, FrameExtract

    spec = {
        "kind": "reference_exists",
        "inputs": {"reference": "pnc/nominals"},
        "options": {"columns": ["pnc_id"]},
    }
    frame = FrameExtract(PERSONS, Fingerprint("x", "-", len(PERSONS), list(PERSONS.columns)))
    pushed = DatabaseExtract(
        target=None,  # type: ignore[arg-type]
        fingerprint=Fingerprint("db", "-", 2, ["pnc_id"]),
        select_sql="SELECT pnc_id FROM nominals",
        table="nominals",
    )
    with pytest.raises(InputError, match="derivation input 'pnc/nominals' is read with pushdown"):
        derivation.derive(_suite(spec), frame, lambda name: pushed)


def test_suite_lint_reads_the_other_systems_header_for_a_cross_system_input(
    tmp_path: Path,
) -> None:
    import json as json_module

    from dqaudit.demo import prepare_demo_workspace
    from tests.conftest import invoke

    workspace = prepare_demo_workspace(SAMPLE_DATA, tmp_path / "ws")
    document = json_module.loads(
        (SAMPLE_DATA / "workspace" / "suites" / "custody_detainees.json").read_text()
    )
    clean = tmp_path / "custody_detainees.json"
    clean.write_text(json_module.dumps(document))
    result = invoke("suite", "lint", str(clean), "-w", str(workspace))
    assert result.exit_code == 0, result.output
    document["meta"]["dqaudit"]["derivation"][0]["options"]["reference_columns"] = ["pnc"]
    broken = tmp_path / "custody_detainees_broken.json"
    broken.write_text(json_module.dumps(document))
    result = invoke("suite", "lint", str(broken), "-w", str(workspace))
    assert result.exit_code == 1
    assert "'pnc'" in result.output and "pnc/nominals" in result.output
