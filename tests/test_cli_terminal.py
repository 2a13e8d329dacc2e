"""The CLI on a terminal and off it: progress bars, colour, NO_COLOR, --quiet, width."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from dqaudit.audits.audit_run import run_audits
from dqaudit.commands.console import describe_kwargs, shorten_values
from dqaudit.commands.terminal import blank_if_missing, emit, emit_table
from dqaudit.workspace.config import load_workspace
from tests.conftest import invoke, rule, write_suite

ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
COLOURS = re.compile(r"\x1b\[[0-9;]*(3[0-7]|9[0-7])[0-9;]*m")


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make rich take stdout and stderr for a terminal 72 columns wide."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "72")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)


def check_files(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "people.csv"
    data.write_text("ref,code,name\nA1,W1,Ann\nA2,X9,\n,X8,Cy\n", encoding="utf-8")
    codes = [f"W{n}" for n in range(1, 19)]
    suite = write_suite(
        tmp_path / "people.json",
        [rule("expect_column_values_to_be_in_set", "CODE", column="code", value_set=codes)],
    )
    return data, suite


def test_a_progress_bar_and_colour_on_a_terminal_only(tmp_path: Path, terminal: None) -> None:
    data, suite = check_files(tmp_path)
    shown = invoke("check", str(data), "--suite", str(suite), "--key", "ref")
    assert shown.exit_code == 1
    assert "validating against people" in shown.stderr  # the bar, on stderr
    assert COLOURS.search(shown.stdout)  # FAIL in colour
    assert "FAIL" in ESCAPE.sub("", shown.stdout)


def test_no_bar_and_no_colour_in_a_pipe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    data, suite = check_files(tmp_path)
    piped = invoke("check", str(data), "--suite", str(suite), "--key", "ref")
    assert "\x1b[" not in piped.stdout and "\x1b[" not in piped.stderr
    assert "validating" not in piped.stderr


def test_no_color_keeps_the_bar_without_colour(
    tmp_path: Path, terminal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    data, suite = check_files(tmp_path)
    shown = invoke("check", str(data), "--suite", str(suite), "--key", "ref")
    assert "validating against people" in shown.stderr
    assert not COLOURS.search(shown.stdout) and not COLOURS.search(shown.stderr)


def test_quiet_silences_progress_and_information_not_results_or_errors(
    tmp_path: Path, terminal: None
) -> None:
    data, suite = check_files(tmp_path)
    quiet = invoke("--quiet", "check", str(data), "--suite", str(suite), "--key", "ref")
    assert quiet.exit_code == 1
    assert "validating" not in quiet.stderr
    assert "FAIL" in ESCAPE.sub("", quiet.stdout)  # the result still shows
    assert "warning: key column(s) ref blank on 1 row(s)" in quiet.stderr  # warnings too
    missing = invoke("-q", "check", str(tmp_path / "nope.csv"), "--suite", str(suite))
    assert missing.exit_code == 2 and "nope.csv" in missing.stderr  # errors always

    made = invoke("-q", "init", str(tmp_path / "ws"))
    assert "created" in made.stdout and "next:" not in made.stderr
    told = invoke("init", str(tmp_path / "ws2"))
    assert "next: dqaudit suite approve" in told.stderr


def test_audit_run_quiet_drops_progress_lines_keeps_warnings(template_workspace: Path) -> None:
    loud = invoke("audit", "run", "-w", str(template_workspace))
    assert "[1/1] custody_records" in loud.stderr
    quiet = invoke("--quiet", "audit", "run", "-w", str(template_workspace))
    assert quiet.exit_code == 1 and "[1/1]" not in quiet.stderr
    assert "FAILED" in quiet.stdout


def test_audit_run_reports_its_stages_through_a_callback(template_workspace: Path) -> None:
    stages: list[tuple[str, int, int | None]] = []
    run_audits(load_workspace(template_workspace), stage=lambda *s: stages.append(s))
    names = [what for what, _done, _total in stages]
    assert names[0] == "custody_records: reading custody/custody_records"
    assert names[1] == "custody_records: validating"
    stored = [done for what, done, _ in stages if what.endswith("storing failing records")]
    assert stored and stored == sorted(stored) and stored[-1] == 4  # the template's defects


def test_long_value_sets_are_shortened_in_console_output(tmp_path: Path) -> None:
    assert (
        shorten_values([f"W{n}" for n in range(1, 19)]) == "[W1, W2, W3, W4, W5, W6, … (18 values)]"
    )
    assert shorten_values(["A", "B"]) == "[A, B]"
    assert describe_kwargs({"column": "c", "value_set": list(range(20))}).endswith("(20 values)]")
    data, suite = check_files(tmp_path)
    shown = invoke("check", str(data), "--suite", str(suite), "--key", "ref")
    assert "value_set=[W1, W2, W3, W4, W5, W6, … (18 values)]" in shown.stdout
    assert "W17" not in shown.stdout
    assert "line 4 (no ref)" in shown.stdout and "A2" in shown.stdout


def test_listings_fit_the_terminal_width() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=30)
    emit("short\n" + "x" * 80 + "  FAIL", console)
    lines = ESCAPE.sub("", screen.getvalue()).splitlines()
    assert lines[0] == "short" and len(lines) == 2  # a long row stays one row
    assert len(lines[1]) == 30 and lines[1].endswith("…")
    wrapped = io.StringIO()
    emit("y" * 70, Console(file=wrapped, force_terminal=True, width=30), wrap=True)
    assert "".join(ESCAPE.sub("", wrapped.getvalue()).split()) == "y" * 70  # nothing lost
    piped = io.StringIO()
    emit("z" * 200, Console(file=piped, force_terminal=False, width=30))  # not a terminal:
    # printed by click to stdout unchanged (nothing written to the console)
    assert piped.getvalue() == ""


def test_a_table_of_values_fits_and_shows_blanks(capsys: pytest.CaptureFixture[str]) -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=40)
    rows = [(2, "A1", None, "a long value " * 5), (3, float("nan"), "x", "")]
    emit_table(["line", "ref", "code", "notes"], rows, "PLAIN", console)
    drawn = ESCAPE.sub("", screen.getvalue())
    assert all(len(line) <= 40 for line in drawn.splitlines())
    assert "nan" not in drawn.lower() and "None" not in drawn and "…" in drawn
    assert [blank_if_missing(v) for v in (None, float("nan"), "x", 0)] == ["", "", "x", "0"]
    import pandas as pd

    assert blank_if_missing(pd.NA) == "" and blank_if_missing(pd.NaT) == ""


def test_extract_preview_shows_blanks_not_nan(template_workspace: Path) -> None:
    data = template_workspace / "data" / "blanks.csv"
    data.write_text("ref,score,note\nA,1,\nB,,x\n", encoding="utf-8")
    config = template_workspace / "dqaudit.yml"
    settings = yaml.safe_load(config.read_text())
    datasets = settings["systems"]["custody"]["datasets"]
    datasets["blanks"] = {"options": {"path": "data/blanks.csv"}, "key": ["ref"]}
    config.write_text(yaml.safe_dump(settings))
    shown = invoke("extract", "preview", "custody", "blanks", "-w", str(template_workspace))
    assert shown.exit_code == 0, shown.output
    assert "NaN" not in shown.stdout and "<NA>" not in shown.stdout
    assert "None" not in shown.stdout
    table = shown.stdout.split("extracted_at", 1)[1]
    assert "A" in table and "x" in table
