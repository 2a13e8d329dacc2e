"""Record identity on real extracts: a row keeps its key; only a row whose key is blank
is identified by its line, and is labelled as such everywhere (JSON, console, store)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from dqaudit.store import AuditStore, KeySource, record_label, schema
from dqaudit.store.runs import FailingRecord
from dqaudit.workspace.config import load_workspace
from tests.conftest import approve, invoke, realdata, rule, write_suite

STREET = ("policeuk_nilips70-city-of-london", "2019-01-city-of-london-street.csv")
# Anti-social behaviour rows have no Crime ID; bicycle thefts have one.
NOT_THESE = ["Anti-social behaviour", "Bicycle theft"]


def expected_keys(path: Path) -> tuple[list[str], list[str]]:
    """Straight from the file: the key of each row the rule fails, and those by line."""
    keys, lines = [], []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        crime_id, crime_type = header.index("Crime ID"), header.index("Crime type")
        start = reader.line_num + 1
        for row in reader:
            if row[crime_type] in NOT_THESE:
                if row[crime_id]:
                    keys.append(row[crime_id])
                else:
                    keys.append(str(start))
                    lines.append(str(start))
            start = reader.line_num + 1
    return keys, lines


def street_suite(path: Path, **governance: object) -> Path:
    return write_suite(
        path,
        [
            rule(
                "expect_column_values_to_not_be_in_set",
                "STREET-001",
                {"dimension": "validity"},
                column="Crime type",
                value_set=NOT_THESE,
            )
        ],
        **governance,
    )


@pytest.fixture
def street_workspace(tmp_path: Path) -> Path:
    """A workspace auditing the real police.uk street file, keyed by Crime ID."""
    data = realdata(*STREET)
    folder = tmp_path / "police"
    (folder / "suites").mkdir(parents=True)
    settings = {
        "systems": {
            "policeuk": {
                "owner": {"name": "Street Owner", "email": "street.owner@example.police.uk"},
                "datasets": {
                    "street": {"options": {"path": str(data)}, "key": ["Crime ID"]},
                },
            }
        },
    }
    (folder / "dqaudit.yml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    street_suite(
        folder / "suites" / "street.json",
        system="policeuk",
        dataset="street",
        likelihood=3,
        impact=5,
    )
    approve(folder, "street")
    return folder


def test_check_on_the_real_street_file_keeps_crime_ids(tmp_path: Path) -> None:
    data = realdata(*STREET)
    keys, lines = expected_keys(data)
    assert lines and len(lines) < len(keys)  # the file has both kinds of row
    suite = street_suite(tmp_path / "street.json")
    result = invoke("check", str(data), "--suite", str(suite), "--key", "Crime ID", "--json")
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert document["document_version"] == 2
    assert document["key_source"] == "column" and document["key_columns"] == ["Crime ID"]
    outcome = document["results"][0]
    assert outcome["failing_keys"] == keys  # bicycle thefts keep their Crime ID
    assert outcome["line_keys"] == lines  # only the anti-social behaviour rows by line
    assert "Crime ID blank on 93 row(s)" in result.stderr

    plain = invoke("check", str(data), "--suite", str(suite), "--key", "Crime ID")
    assert f"line {lines[0]} (no Crime ID)" in plain.stdout
    assert "records identified by Crime ID, by their line where it is blank" in plain.stdout


def test_audit_run_and_show_label_line_keys_and_warn(street_workspace: Path) -> None:
    keys, lines = expected_keys(realdata(*STREET))
    ran = invoke("audit", "run", "-w", str(street_workspace))
    assert ran.exit_code == 1, ran.output
    # the warning that lines are used is shown by audit run itself, not only in --json
    assert "warning: street: key column(s) Crime ID blank on 93 row(s)" in ran.stderr
    run_id = ran.stdout.split(" run ")[1].split(";")[0].strip()

    shown = invoke("audit", "show", run_id, "-w", str(street_workspace))
    assert shown.exit_code == 0, shown.output
    assert "warning  key column(s) Crime ID blank on 93 row(s)" in shown.stdout
    assert f"line {lines[0]} (no Crime ID)" in shown.stdout
    assert "records identified by Crime ID" in shown.stdout

    document = json.loads(
        invoke("audit", "show", run_id, "-w", str(street_workspace), "--json").stdout
    )
    assert document["document_version"] == 2 and document["key_columns"] == ["Crime ID"]
    assert document["results"][0]["failing_keys"] == keys
    assert document["results"][0]["line_keys"] == lines

    store = AuditStore(load_workspace(street_workspace).store_url)
    try:
        records = list(store.runs.failing_records(document["run"]["run_id"], 0))
    finally:
        store.close()
    assert [record.key for record in records] == keys
    by_line = [record.key for record in records if record.key_source is KeySource.LINE]
    assert by_line == lines  # stored with their key source, as audit_run.py writes them
    labels = [record.label(["Crime ID"]) for record in records]
    assert f"line {lines[0]} (no Crime ID)" in labels
    with_id = next(key for key in keys if key not in lines)
    assert with_id in labels  # a record with its Crime ID is shown by it, unlabelled


def test_a_run_stored_before_per_record_key_sources_reads_as_all_lines(
    street_workspace: Path,
) -> None:
    """Before migration 6 a run with any blank key named every record by its line (run
    key_source "line"); its records were migrated with the default "column"."""
    invoke("audit", "run", "-w", str(street_workspace))
    store = AuditStore(load_workspace(street_workspace).store_url)
    try:
        with store.engine.begin() as connection:
            connection.execute(sa.update(schema.runs).values(key_source="line"))
            connection.execute(sa.update(schema.failing_records).values(key_source="column"))
        run_id = store.list_runs()[0].run_id
        run = store.get_run(run_id)
        assert run.line_keys[0] == run.failing_keys[0]
        records = list(store.runs.failing_records(run_id, 0))
        assert {record.key_source for record in records} == {KeySource.LINE}
    finally:
        store.close()


def test_record_labels() -> None:
    assert record_label("812", KeySource.LINE, ["Crime ID"]) == "line 812 (no Crime ID)"
    assert record_label("812", "line", ["force", "ref"]) == "line 812 (no force/ref)"
    assert record_label("812", KeySource.LINE, []) == "line 812"
    assert record_label("WM/1", KeySource.COLUMN, ["custody_ref"]) == "WM/1"
    assert record_label("WM/1", None, None) == "WM/1"
    assert FailingRecord("9", {}, KeySource.LINE).label(["Crime ID"]) == "line 9 (no Crime ID)"


def test_the_check_document_is_version_2_and_keeps_version_1(tmp_path: Path) -> None:
    data = tmp_path / "x.csv"
    data.write_text("ref,v\nA,1\n,\nC,\n", encoding="utf-8")
    suite = write_suite(
        tmp_path / "s.json", [rule("expect_column_values_to_not_be_null", "V", column="v")]
    )
    document = json.loads(
        invoke("check", str(data), "--suite", str(suite), "--key", "ref", "--json").stdout
    )
    version_1 = {"status", "suite", "rows", "key_source", "error", "results"}
    assert version_1 < set(document)
    assert set(document) - version_1 == {"document_version", "key_columns"}
    assert document["results"][0]["failing_keys"] == ["3", "C"]  # strings, as in version 1
    assert document["results"][0]["line_keys"] == ["3"]
    unkeyed = json.loads(invoke("check", str(data), "--suite", str(suite), "--json").stdout)
    assert unkeyed["key_source"] == "line" and unkeyed["results"][0]["line_keys"] == ["3", "4"]
    broken = invoke("check", str(tmp_path / "missing.csv"), "--suite", str(suite), "--json")
    assert broken.exit_code == 2
    assert json.loads(broken.stdout)["document_version"] == 2
