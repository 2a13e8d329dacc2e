"""Connector plugins: built-ins register like third-party ones, loaded only when needed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dqaudit.connectors import registry
from dqaudit.errors import InputError
from tests.conftest import invoke, rule, write_suite

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "dqaudit_example_connector"
BUILT_IN = {"csv", "excel", "fixed_width", "spark", "sql"}


def _clear_caches() -> None:
    registry._entry_points.cache_clear()
    registry.get_connector.cache_clear()


def test_unknown_type_names_the_installed_types_and_the_group() -> None:
    with pytest.raises(InputError) as raised:
        registry.get_connector("parquet")
    message = str(raised.value)
    assert "unknown connector type 'parquet'" in message
    assert "csv, excel, fixed_width, spark, sql" in message
    assert "entry-point group 'dqaudit.connectors'" in message


def test_connectors_list_shows_type_package_version_and_description() -> None:
    result = invoke("connectors", "list")
    assert result.exit_code == 0
    rows = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert set(rows) >= BUILT_IN
    from dqaudit import __version__

    for name in BUILT_IN:
        assert f" dqaudit {__version__}" in rows[name]
    assert "Excel" in rows["excel"] and "read-only" in rows["sql"]


def test_a_run_loads_only_the_connector_it_needs(tmp_path: Path) -> None:
    """A CSV check must not import the Excel reader or the SQL connector."""
    data = tmp_path / "x.csv"
    data.write_text("ref,v\nA,1\n", encoding="utf-8")
    suite = write_suite(
        tmp_path / "s.json", [rule("expect_column_values_to_not_be_null", column="v")]
    )
    code = (
        "import sys\nfrom dqaudit.cli import cli\n"
        f"try:\n    cli(['check', {str(data)!r}, '--suite', {str(suite)!r}])\n"
        "except SystemExit:\n    pass\n"
        "loaded = [m for m in ('dqaudit.connectors.excel_file', 'python_calamine', "
        "'dqaudit.connectors.sql_database', 'dqaudit.connectors.fixed_width') if m in sys.modules]\n"
        "print('LOADED=' + ','.join(loaded))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert output.stdout.strip().splitlines()[-1] == "LOADED="


@pytest.fixture
def example_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Install the fixture package (a real pip install) into a folder on sys.path."""
    source = shutil.copytree(FIXTURE, tmp_path / "source")  # the build writes beside it
    target = tmp_path / "site"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    monkeypatch.syspath_prepend(str(target))
    _clear_caches()
    yield target
    monkeypatch.undo()
    for name in [m for m in sys.modules if m.startswith("dqaudit_example_connector")]:
        del sys.modules[name]
    _clear_caches()


def test_a_third_party_connector_is_listed_and_runs_an_audit(
    example_plugin: Path, tmp_path: Path
) -> None:
    listing = invoke("connectors", "list")
    assert listing.exit_code == 0
    line = next(x for x in listing.stdout.splitlines() if x.startswith("jsonl"))
    assert "dqaudit-example-connector 0.3.1" in line and "JSON-lines" in line

    workspace = tmp_path / "ws"
    (workspace / "suites").mkdir(parents=True)
    (workspace / "people.jsonl").write_text(
        '{"ref": "P1", "force": "20"}\n{"ref": "P2", "force": null}\n\n{"ref": "P3", "force": "99"}\n',
        encoding="utf-8",
    )
    (workspace / "dqaudit.yml").write_text(
        "systems:\n"
        "  people:\n"
        "    owner: {name: Owner, email: owner@example.police.uk}\n"
        "    datasets:\n"
        "      list:\n"
        "        connector: jsonl\n"
        "        options: {path: people.jsonl}\n"
        "        key: [ref]\n",
        encoding="utf-8",
    )
    write_suite(
        workspace / "suites" / "people.json",
        [
            rule("expect_column_values_to_not_be_null", "PPL-1", column="force"),
            rule("expect_column_values_to_be_in_set", "PPL-2", column="force", value_set=["20"]),
        ],
        system="people",
        dataset="list",
    )
    run = invoke("audit", "run", "-w", str(workspace), "--allow-draft")
    assert run.exit_code == 1, run.output
    assert "FAILED" in run.stdout
    run_id = run.stdout.split(" run ")[1].split()[0].split(";")[0]
    shown = invoke("audit", "show", run_id, "-w", str(workspace), "--json")
    import json

    document = json.loads(shown.stdout)
    keys = {r["rule_id"]: r["failing_keys"] for r in document["results"]}
    assert keys == {"PPL-1": ["P2"], "PPL-2": ["P3"]}
    assert document["run"]["source"].endswith("people.jsonl")
