"""The audit store on SQLite and on the real PostgreSQL server: schema, runs, stale runs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from dqaudit import run_suite
from dqaudit.connectors.base import Fingerprint, FrameExtract
from dqaudit.credentials import safe_url
from dqaudit.errors import EngineError, InputError
from dqaudit.expectations.suite import suite_from_dict
from dqaudit.store import AuditStore, FailingRecord, KeySource, RunStatus, migrations, schema
from tests.conftest import rule

SUITE = suite_from_dict(
    {
        "name": "nominals",
        "meta": {"dqaudit": {"system": "pnc", "dataset": "nominals", "likelihood": 2, "impact": 3}},
        "expectations": [
            rule(
                "expect_column_values_to_not_be_null",
                "NOM-1",
                {"dimension": "completeness"},
                column="surname",
            ),
            rule(
                "expect_column_values_to_match_regex",
                "NOM-2",
                {"impact": 5},
                column="pnc_id",
                regex=r"^\d{4}/\d{7}[A-Z]$",
            ),
            rule("expect_table_row_count_to_be_between", "NOM-3", min_value=1),
        ],
    }
)


def make_extract(rows: int = 10) -> FrameExtract:
    frame = pd.DataFrame(
        {
            "ref": [f"N{i:04d}" for i in range(rows)],
            "surname": [None if i % 4 == 0 else f"NAME{i}" for i in range(rows)],
            "pnc_id": ["2001/0171310W" if i % 3 else "bad" for i in range(rows)],
            "dob": ["1990-01-01"] * rows,
        },
        dtype=str,
    )
    fingerprint = Fingerprint("nominals.csv", "ab" * 32, rows, list(frame.columns))
    return FrameExtract(frame=frame, fingerprint=fingerprint, line_numbers=None)


def record_run(store: AuditStore, extract: FrameExtract, batch_size: int = 5_000) -> str:
    """As ``audit run`` does: failing records stream into the store while rules run."""
    run_id = store.start_run(SUITE, "batch1")

    def sink(position: int, first: int, records: list) -> None:
        store.add_failing_records(
            run_id, position, first, [(r.key, r.values, r.key_source) for r in records]
        )

    result = run_suite(extract, SUITE, key="ref", sink=sink, batch_size=batch_size)
    store.record_results(run_id, extract, result)
    store.finish_run(run_id, RunStatus.COMPLETE, result.status)
    return run_id


def test_schema_is_created_and_versioned(store_url: str) -> None:
    store = AuditStore(store_url)
    assert store.schema_version() == migrations.LATEST_VERSION
    AuditStore(store_url).close()  # reopening applies nothing twice
    assert store.applied_versions() == [m.version for m in migrations.MIGRATIONS]
    store.close()


def test_a_run_stores_outcomes_every_key_and_only_the_rule_columns(store_url: str) -> None:
    store = AuditStore(store_url)
    extract = make_extract(rows=40)
    run_id = record_run(store, extract)
    run = store.get_run(run_id[:10])
    assert run.status == "complete" and run.outcome == "failed"
    assert run.suite_hash == SUITE.hash and run.row_count == 40
    assert run.source_sha256 == "ab" * 32 and run.columns == ["ref", "surname", "pnc_id", "dob"]
    assert run.os_user and run.host and (run.gx_version or "").startswith("1.")
    assert run.started_at.tzinfo is not None  # aware UTC on every database
    rules = {r.rule_id: r for r in run.rules}
    assert rules["NOM-1"].unexpected_count == 10 and rules["NOM-1"].dimension == "completeness"
    assert (rules["NOM-2"].likelihood, rules["NOM-2"].impact) == (2, 5)
    assert rules["NOM-3"].success is True
    assert run.failing_keys[0] == [f"N{i:04d}" for i in range(0, 40, 4)]
    assert run.failing_keys[1] == [f"N{i:04d}" for i in range(0, 40, 3)]
    records = list(store.failing_records(run_id, 1))
    assert records[0] == FailingRecord("N0000", {"pnc_id": "bad"})  # never the whole row
    nulls = list(store.failing_records(run_id, 0))
    assert nulls[0] == FailingRecord("N0000", {"surname": None}, KeySource.COLUMN)
    store.close()


def test_long_key_streams_are_written_in_batches(store_url: str) -> None:
    store = AuditStore(store_url)
    run_id = record_run(store, make_extract(rows=100), batch_size=7)
    assert len(store.get_run(run_id).failing_keys[0]) == 25
    assert [r.key for r in store.failing_records(run_id, 0)][:3] == ["N0000", "N0004", "N0008"]
    store.close()


def test_unknown_run_ids_are_input_errors(store_url: str) -> None:
    store = AuditStore(store_url)
    with pytest.raises(InputError, match="no run with id 'feedface'"):
        store.get_run("feedface")
    store.close()


def test_a_killed_run_is_reported_and_marked_interrupted(tmp_path: Path, store_url: str) -> None:
    """A process killed mid-run leaves 'running'; the next command marks it 'interrupted'."""
    script = textwrap.dedent(
        f"""
        import os, signal
        from dqaudit.store import AuditStore
        from dqaudit.expectations.suite import suite_from_dict
        suite = suite_from_dict({{"name": "s", "expectations": []}})
        store = AuditStore({store_url!r})
        run_id = store.start_run(suite, "b")
        print(run_id, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    process = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert process.returncode == -9
    run_id = process.stdout.strip()
    store = AuditStore(store_url)
    assert store.get_run(run_id).status == RunStatus.RUNNING
    stale = store.find_stale_runs()
    assert [(s.run_id, s.status) for s in stale] == [(run_id, "interrupted")]
    assert store.get_run(run_id).status == RunStatus.INTERRUPTED
    assert store.find_stale_runs() == []
    # the interruption is in the trail, once, as a SIGTERM'd run records itself
    [entry] = store.trail.entries_for("s", ("run",))
    assert entry.details["run_id"] == run_id and entry.details["status"] == "interrupted"
    assert entry.details["found_after_crash"] is True
    store.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    store = AuditStore(url)
    with store.engine.begin() as connection:
        connection.execute(
            schema.schema_versions.insert().values(version=99, applied_at=sa.func.now())
        )
    store.close()
    with pytest.raises(EngineError, match="schema version 99, newer than this dqaudit"):
        AuditStore(url)


def test_passwords_never_appear_in_store_errors() -> None:
    url = "postgresql+psycopg://auditor:S3cretPassw0rd@127.0.0.1:1/nowhere"
    with pytest.raises(EngineError) as caught:
        AuditStore(url)
    assert "S3cretPassw0rd" not in str(caught.value)
    assert "***" in str(caught.value)
    assert "S3cretPassw0rd" not in safe_url(url)


def test_postgres_wrong_password_error_is_masked(pg_url: str) -> None:
    url = sa.make_url(pg_url).set(username="no_such_user_dq", password="Hunter2Hunter2")
    with pytest.raises(EngineError) as caught:
        AuditStore(url.render_as_string(hide_password=False))
    assert "Hunter2Hunter2" not in str(caught.value)
    assert "no_such_user_dq" in str(caught.value)


def test_missing_sqlite_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        AuditStore(f"sqlite:///{tmp_path / 'nope' / 'audit.db'}")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs POSIX processes")
def test_sqlite_store_survives_concurrent_writers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    AuditStore(url).close()
    script = textwrap.dedent(
        f"""
        from tests.test_store import make_extract, record_run
        from dqaudit.store import AuditStore
        store = AuditStore({url!r})
        for _ in range(3):
            record_run(store, make_extract(rows=200))
        """
    )
    repo = Path(__file__).resolve().parent.parent
    processes = [subprocess.Popen([sys.executable, "-c", script], cwd=repo) for _ in range(2)]
    assert [p.wait(timeout=120) for p in processes] == [0, 0]
    store = AuditStore(url)
    runs = store.list_runs()
    assert len(runs) == 6 and {r.status for r in runs} == {RunStatus.COMPLETE}
    store.close()


def test_a_run_of_a_live_process_is_reported_only_once_implausibly_long(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    now = [datetime(2030, 1, 1, 9, 0, tzinfo=UTC)]
    store = AuditStore(f"sqlite:///{tmp_path / 'audit.db'}", clock=lambda: now[0])
    run_id = store.start_run(SUITE, "b")  # this process: alive
    assert store.get_run(run_id).started_at == now[0]
    now[0] += timedelta(hours=11)
    assert store.find_stale_runs() == []
    now[0] += timedelta(hours=2)
    [stale] = store.find_stale_runs()
    assert (stale.run_id, stale.status) == (run_id, RunStatus.RUNNING)  # reported, left as is
    assert store.get_run(run_id).status == RunStatus.RUNNING
    store.close()


def test_failing_records_keep_their_own_key_source(store_url: str) -> None:
    """A row whose key is blank is stored identified by its line; the others keep their key."""
    store = AuditStore(store_url)
    run_id = store.start_run(SUITE, "b")
    store.add_failing_records(
        run_id,
        0,
        0,
        [
            ("C001", {"surname": None}, "column"),
            ("812", {"surname": None}, KeySource.LINE),
            ("C003", {"surname": None}),  # the engine's older (key, values) form
        ],
    )
    records = list(store.failing_records(run_id, 0))
    assert [(r.key, r.key_source) for r in records] == [
        ("C001", KeySource.COLUMN),
        ("812", KeySource.LINE),
        ("C003", KeySource.COLUMN),
    ]
    with pytest.raises(ValueError, match="key source 'row' is not one of column, line"):
        store.add_failing_records(run_id, 0, 3, [("C004", {}, "row")])
    assert len(list(store.failing_records(run_id, 0))) == 3  # nothing of the bad batch
    store.close()


def test_failing_records_round_trip_any_text_and_values(store_url: str) -> None:
    """The bulk path writes its own COPY text (PostgreSQL) and JSON (all): keys and values
    with COPY's and JSON's special characters, nulls and non-JSON values come back as
    written, in order, across the chunks a batch is sent in."""
    import datetime as dt
    from decimal import Decimal

    store = AuditStore(store_url)
    run_id = store.start_run(SUITE, "b")
    awkward = [
        ("tab\there", {"v": "a\tb", "n": None}),
        ("new\nline\r\n", {"v": "line1\nline2\r"}),
        ("back\\slash\\N", {"v": "C:\\path\\N", "q": 'say "hi"'}),
        ("\\N", None),
        ("Ünïcödé ✓", {"v": "Åsa ✓", "e": ""}),
        ("", {"when": dt.date(2024, 3, 31), "amount": Decimal("1.50"), "n": 2.5}),
    ]
    plain = [(f"K{i:05d}", {"v": str(i)}) for i in range(2_500)]
    written = plain[:1_200] + awkward + plain[1_200:]
    store.add_failing_records(run_id, 0, 0, written)
    records = list(store.failing_records(run_id, 0))
    assert [r.key for r in records] == [key for key, _ in written]
    got = {r.key: r.values for r in records if not r.key.startswith("K")}
    assert got["tab\there"] == {"v": "a\tb", "n": None}
    assert got["new\nline\r\n"] == {"v": "line1\nline2\r"}
    assert got["back\\slash\\N"] == {"v": "C:\\path\\N", "q": 'say "hi"'}
    assert got["\\N"] == {}  # stored as NULL (COPY's null marker is not the key)
    table = schema.failing_records
    with store.engine.connect() as connection:
        stored = connection.execute(
            sa.select(table.c.record_values).where(table.c.record_key == "\\N")
        ).scalar_one()
    assert stored is None
    assert got["Ünïcödé ✓"] == {"v": "Åsa ✓", "e": ""}
    odd = got[""]
    assert (odd["when"], odd["amount"], odd["n"]) == ("2024-03-31", "1.50", 2.5)
    assert records[1_199].values == {"v": "1199"} and records[-1].values == {"v": "2499"}
    store.close()


def test_the_engine_api_writes_a_run_piece_by_piece(store_url: str) -> None:
    """start_run, record_extract, record_rule_outcomes, add_failing_records (streamed),
    record_bad_rows, finish_run: the same stored run as record_results writes whole."""
    from dqaudit.connectors.base import BadRow

    store = AuditStore(store_url)
    extract = make_extract(rows=40)
    whole = store.get_run(record_run(store, extract))
    result = run_suite(extract, SUITE, key="ref")
    run_id = store.start_run(SUITE, "batch2", rule_library_version="rules-v1")
    store.record_extract(
        run_id, extract.fingerprint, result.key_columns, result.key_source, result.warnings
    )
    store.record_rule_outcomes(run_id, SUITE, result.results)
    for rule_result in result.results:
        keys = rule_result.failing_keys or []
        for first in range(0, len(keys), 4):  # streamed in small batches
            batch = [
                (key, dict(record.values), "column")
                for key, record in zip(
                    keys[first : first + 4],
                    list(store.failing_records(whole.run_id, rule_result.rule.position))[
                        first : first + 4
                    ],
                    strict=True,
                )
            ]
            store.add_failing_records(run_id, rule_result.rule.position, first, batch)
    store.record_bad_rows(run_id, [BadRow(7, "too many fields")], "skipped")
    store.finish_run(run_id, RunStatus.COMPLETE, result.status)
    piecewise = store.get_run(run_id)
    assert piecewise.rule_library_version == "rules-v1"
    assert piecewise.failing_keys == whole.failing_keys
    assert piecewise.rules == whole.rules
    assert (piecewise.row_count, piecewise.columns, piecewise.key_columns) == (
        whole.row_count,
        whole.columns,
        whole.key_columns,
    )
    assert [(b.line, b.reason, b.action) for b in piecewise.bad_rows] == [
        (7, "too many fields", "skipped")
    ]
    for position in whole.failing_keys:
        assert list(store.failing_records(run_id, position)) == list(
            store.failing_records(whole.run_id, position)
        )
    store.close()
