"""The SIMB summary's figures, read back from the HTML and the Excel file of a known store.

Every expected number below is worked out by hand from tests/report_helpers.py.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from dqaudit.errors import FieldError, InputError
from dqaudit.governance import trail
from dqaudit.reports.period import parse_period, resolve_period
from dqaudit.reports.publish import write_simb_report
from dqaudit.reports.quality import RuleOutcome, floor_score, format_score, score
from dqaudit.store import schema
from dqaudit.workspace.config import load_workspace
from tests.conftest import invoke
from tests.report_helpers import (
    NOW,
    PERIOD,
    KnownWorkspace,
    add_run,
    build_known_workspace,
    count_rows,
)


@pytest.fixture
def known(tmp_path: Path, store_url: str) -> KnownWorkspace:
    return build_known_workspace(tmp_path / "ws", store_url)


def publish(known: KnownWorkspace, out: Path, **options) -> Path:
    workspace = load_workspace(known.folder)
    store = known.store()
    try:
        write_simb_report(workspace, store, out, now=NOW, **options)
    finally:
        store.close()
    return out


def html_tables(path: Path) -> dict[str, list[list[str]]]:
    """Each table's body rows as cell texts (row header first), keyed by table id."""
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    tables = {}
    for table in soup.select("table.data"):
        rows = []
        for row in table.select("tbody tr"):
            cells = []
            for cell in row.find_all(["th", "td"]):
                for note in cell.select("span.note"):
                    note.extract()
                cells.append(cell.get_text(" ", strip=True))
            rows.append(cells)
        tables[table["id"].removeprefix("table-")] = rows
    return tables


def sheet_rows(sheet) -> list[tuple]:
    """A sheet's table: from the row after the header to the first blank row."""
    rows = []
    for row in sheet.iter_rows(min_row=5, values_only=True):
        if all(value is None for value in row):
            break
        rows.append(row)
    return rows


def by_first(rows: list[list[str]]) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in rows}


def test_html_shows_the_known_figures(known: KnownWorkspace, tmp_path: Path) -> None:
    tables = html_tables(publish(known, tmp_path / "simb.html", period=PERIOD))

    headline = {row[0]: int(row[1]) for row in tables["headline"]}
    assert headline == {
        "Audits due in the period": 3,  # alpha: Jul (met by 3 Aug) and Sep (missed); beta: 1
        "Due audits done": 2,
        "Due audits outstanding": 1,
        "Audits run (complete, approved)": 3,  # a1 (00:30 BST on 1 July), a2, b1
        "Draft runs (unapproved suites)": 2,  # b2, g1
        "Runs that did not complete": 1,  # a3
        "Suites approved": 1,
        "Suites pending approval": 1,  # gamma_main, never approved
        "Suites overdue for review": 1,  # beta_main, review by 1 Oct 2026
        "Suites revoked": 1,  # alpha_old
        "Suites with an unconfirmed approval": 0,
        "Open findings": 4,  # the finding first seen after the quarter is left out
        "Overdue actions": 3,
    }

    schedule = by_first(tables["schedule"])
    assert schedule["alpha_main"][:7] == ["alpha", "High", "monthly (High)", "2", "1", "1", "2"]
    assert schedule["beta_main"][:7] == ["beta", "Medium", "quarterly (Medium)", "1", "1", "0", "1"]
    assert set(schedule) == {"alpha_main", "beta_main"}  # unapproved suites are never due

    approvals = by_first(tables["approvals"])
    assert approvals["alpha_main"][2:5] == ["approved", "SIMB M-1", "1 May 2026"]
    assert approvals["beta_main"][2] == "review overdue"
    assert approvals["beta_main"][5] == "1 Oct 2026"
    assert approvals["gamma_main"][2] == "never approved"
    assert approvals["alpha_old"][2] == "revoked"

    systems = by_first(tables["systems"])
    assert systems["alpha"][:5] == [
        "Alpha records",
        "Alpha Owner",
        "alpha.owner@example.police.uk",
        "1 of 2",
        "2",
    ]
    assert systems["alpha"][5] == "3 Aug 2026 11:00"  # shown in Europe/London (BST)

    quality = by_first(tables["quality"])
    # columns: completeness, uniqueness, validity, consistency, timeliness, accuracy, overall
    assert quality["alpha"] == [
        "99.00 % Green",  # 10 of 1,000 failing
        "not measured",
        "98.00 % Green",  # 30 of 1,500
        "– Red",  # a failing table-level check
        "80.00 % Red",  # 200 of 1,000
        "90.00 % Amber",
        "92.44 % Red",  # 340 of 4,500; Red because of the table-level failure
    ]
    assert quality["beta"][0] == "95.00 % Green"  # exactly the green threshold
    assert quality["beta"][6] == "96.00 % Green"  # the approved run, not the later draft
    assert quality["gamma (draft)"][0] == "50.00 % Red"
    assert quality["All systems (draft)"][0] == "94.58 % Amber"  # 65 of 1,200, with gamma's draft
    assert quality["All systems (draft)"][6] == "91.66 % Red"  # 396 of 4,750

    trends = [row for row in html_tables(tmp_path / "simb.html")["trends"]]
    assert [(row[0], row[2]) for row in trends] == [
        ("alpha", "95.00 %"),
        ("alpha", "98.00 %"),
        ("alpha", "92.44 %"),
        ("beta", "96.00 %"),
    ]  # approved runs only, up to the end of the quarter (not a4 on 2 October)

    heatmap = by_first(tables["heatmap"])
    assert heatmap["Impact 5"] == ["0", "0", "0", "2", "0"]
    assert heatmap["Impact 4"] == ["0", "0", "1", "0", "0"]
    assert heatmap["Impact 3"] == ["0", "0", "1", "0", "0"]
    assert sum(int(n) for row in heatmap.values() for n in row) == 4

    assert by_first(tables["findings_status"]) == {
        "Open": ["2"],
        "Agreed": ["1"],
        "In progress": ["1"],
        "Resolved": ["1"],
        "Verified": ["1"],
        "Not accepted": ["1"],
        "Overdue (open, past its date)": ["3"],
    }
    assert by_first(tables["findings_band"]) == {
        "High": ["2", "2", "1", "0", "3"],
        "Medium": ["2", "1", "0", "1", "3"],
        "Low": ["0", "0", "1", "0", "1"],
    }
    assert tables["overdue_owners"] == [
        [
            "Alpha Owner",
            "alpha.owner@example.police.uk",
            "2",
            "3",
            "1 Aug 2026",
            "75",
            "alpha",
        ],  # the agreed date (1 Dec) of the Agreed finding keeps it off this list
        ["Beta Owner", "beta.owner@example.police.uk", "1", "1", "15 Sep 2026", "30", "beta"],
    ]
    drafts = tables["draft_runs"]
    assert [(row[0], row[1], row[7]) for row in drafts] == [
        ("beta_main", "beta", "review overdue"),
        ("gamma_main", "gamma", "never approved"),
    ]


def test_html_is_self_contained_and_marked(known: KnownWorkspace, tmp_path: Path) -> None:
    path = publish(known, tmp_path / "simb.html", period=PERIOD)
    text = path.read_text(encoding="utf-8")
    soup = BeautifulSoup(text, "html.parser")
    assert soup.find("script") is None
    assert soup.find("link") is None and soup.find("img") is None
    for element in soup.find_all(attrs={"src": True}):
        pytest.fail(f"external resource: {element}")
    policy = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert policy is not None and "default-src 'none'" in policy["content"]
    assert not re.search(r"url\((?!#)", text) and "@import" not in text  # url(#id) is inline
    for element in soup.find_all(attrs={"href": True}):
        assert element["href"].startswith("#"), element
    for element in soup.find_all(attrs={"xlink:href": True}):
        assert element["xlink:href"].startswith("#"), element
    markings = [m.get_text(strip=True) for m in soup.select(".marking")]
    assert markings == ["OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE"]  # top and bottom
    style = soup.find("style").get_text()
    assert '@top-center { content: "OFFICIAL-SENSITIVE"' in style
    assert '@bottom-center { content: "OFFICIAL-SENSITIVE"' in style
    charts = soup.select("figure svg.chart")
    assert len(charts) == 2  # alpha and beta have approved runs; gamma only a draft
    ids = [element["id"] for element in soup.find_all(attrs={"id": True})]
    assert len(ids) == len(set(ids)), "inline SVG ids clash"


def test_excel_has_the_same_tables(known: KnownWorkspace, tmp_path: Path) -> None:
    html = html_tables(publish(known, tmp_path / "simb.html", period=PERIOD))
    path = publish(known, tmp_path / "simb.xlsx", period=PERIOD)
    book = load_workbook(path)
    assert book.sheetnames == [
        "Headline",
        "Systems",
        "Approvals",
        "Audits due",
        "Quality",
        "Trends",
        "Risk heatmap",
        "Findings by band",
        "Findings by status",
        "Overdue by owner",
        "Draft runs",
        "Quality detail",
    ]
    for sheet in book.worksheets:
        assert sheet["A1"].value == "OFFICIAL-SENSITIVE"
        assert sheet.oddHeader.center.text == "OFFICIAL-SENSITIVE"
        assert sheet.oddFooter.center.text == "OFFICIAL-SENSITIVE"
    keys = {
        "Headline": "headline",
        "Systems": "systems",
        "Quality": "quality",
        "Trends": "trends",
        "Risk heatmap": "heatmap",
        "Findings by status": "findings_status",
        "Overdue by owner": "overdue_owners",
        "Draft runs": "draft_runs",
    }
    for name, key in keys.items():
        rows = sheet_rows(book[name])
        assert len(rows) == len(html[key]), name
        assert [str(r[0]) for r in rows if name != "Risk heatmap"] == [
            row[0] for row in html[key] if name != "Risk heatmap"
        ]
    headline = {r[0]: r[1] for r in sheet_rows(book["Headline"])}
    assert headline["Audits due in the period"] == 3 and headline["Overdue actions"] == 3
    quality = {r[0]: r[1:] for r in sheet_rows(book["Quality"])}
    assert quality["alpha"][0] == pytest.approx(99.0)
    assert quality["alpha"][1] == "not measured"  # as the HTML says it
    assert quality["alpha"][3] == "– Red"  # a failing table-level check, no rows
    assert quality["alpha"][6] == 92.44  # rounded down, as the HTML shows it
    assert book["Quality"]["B5"].fill.fgColor.rgb.endswith("2E7D32")  # Green
    assert book["Quality"]["E5"].fill.fgColor.rgb.endswith("C62828")  # consistency: Red
    detail = sheet_rows(book["Quality detail"])
    alpha_overall = next(r for r in detail if r[0] == "alpha" and r[1] == "Overall")
    assert alpha_overall[2:7] == (92.44, "Red", 4500, 340, 5)


def test_html_chart_and_excel_show_the_same_rounded_down_score(
    known: KnownWorkspace, tmp_path: Path
) -> None:
    store = known.store()
    add_run(
        store,
        "b3",
        "beta_main",
        "beta",
        "2026-09-25T08:00:00",
        [
            ("B-1", "completeness", 2, 4, False, 1, 700),  # 99.857 %: 99.85, never 99.86
            ("B-2", "validity", 2, 4, False, 9, 24300),  # 99.963 %
        ],
    )  # overall: 10 of 25,000 failing, 99.96 %: never "100.0"
    store.close()
    html_path = publish(known, tmp_path / "simb.html", period=PERIOD)
    html = by_first(html_tables(html_path)["quality"])
    book = load_workbook(publish(known, tmp_path / "simb.xlsx", period=PERIOD))
    row = next(r for r in book["Quality"].iter_rows(min_row=5) if r[0].value == "beta")
    shown = {0: "99.85 % Green", 2: "99.96 % Green", 6: "99.96 % Green"}
    for column, text in shown.items():
        assert html["beta"][column] == text
        cell = row[column + 1]
        assert cell.value == float(text.split()[0])  # stored as the HTML shows it
        assert cell.number_format == '0.00" % Green"'  # Excel reads "99.85 % Green" too
        assert f"{cell.value:.2f} % Green" == text
    assert html["beta"][1] == "not measured" and row[2].value == "not measured"
    detail = next(
        r for r in sheet_rows(book["Quality detail"]) if r[:2] == ("beta", "Completeness")
    )
    assert detail[2:4] == (99.85, "Green")
    trend = {r[0]: r for r in sheet_rows(book["Trends"]) if r[0] == "beta"}
    assert trend["beta"][2] == 99.96
    soup = BeautifulSoup(html_path.read_text(encoding="utf-8"), "html.parser")
    beta_chart = next(f for f in soup.select("figure") if f.figcaption.get_text() == "beta")
    labels = [text.get_text() for text in beta_chart.select("svg text")]
    assert "99.96" in labels and "96.00" in labels
    assert "100.0" not in labels and "100.00" not in labels


def test_report_is_recorded_in_the_trail(known: KnownWorkspace, tmp_path: Path) -> None:
    path = publish(known, tmp_path / "simb.html", period=PERIOD)
    store = known.store()
    try:
        entry = trail.entries(store)[-1]
        assert trail.verify(store).ok
    finally:
        store.close()
    assert entry.action == "report"
    assert entry.details["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert entry.details["period"] == "2026-Q3" and entry.details["format"] == "html"


def test_weighting_and_thresholds_come_from_dqaudit_yml(tmp_path: Path) -> None:
    known = build_known_workspace(
        tmp_path / "ws",
        f"sqlite:///{tmp_path / 'audit.db'}",
        report={"marking": "OFFICIAL", "weighting": "risk", "rag": {"green": 99, "amber": 98}},
    )
    path = publish(known, tmp_path / "simb.html", period=PERIOD)
    quality = by_first(html_tables(path)["quality"])
    # risk-weighted: Σ (likelihood × impact × pass rate) / Σ (likelihood × impact)
    # = (4×0.99 + 12×0.97 + 2×1.0 + 20×0.8 + 9×0.9) / 47 = 41.7 / 47
    assert quality["alpha"][6] == "88.72 % Red"
    assert quality["alpha"][0] == "99.00 % Green"  # ≥ 99: Green
    assert quality["alpha"][2] == "97.42 % Red"  # (12 × 0.97 + 2 × 1.0) / 14 = 97.428…
    assert quality["beta"][2] == "98.00 % Amber"  # ≥ 98: Amber
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    assert [m.get_text(strip=True) for m in soup.select(".marking")] == ["OFFICIAL", "OFFICIAL"]


@pytest.mark.parametrize(
    "report, message",
    [
        (
            {"rag": {"green": 80, "amber": 90}},
            "report.rag: amber (90) must not be above green (80)",
        ),
        ({"rag": {"green": 120}}, "report.rag.green: Input should be less than or equal to 100"),
        ({"weighting": "votes"}, "report.weighting: Input should be 'rows', 'rules' or 'risk'"),
        ({"marking": "  "}, "report.marking: must not be empty"),
        ({"colour": "red"}, "report.colour: unknown setting"),
        ({"timezone": "Mars/Olympus"}, "report.timezone: unknown timezone 'Mars/Olympus'"),
    ],
)
def test_bad_report_settings_name_the_setting(tmp_path: Path, report: dict, message: str) -> None:
    known = build_known_workspace(tmp_path / "ws", f"sqlite:///{tmp_path / 'audit.db'}", report={})
    config = known.folder / "dqaudit.yml"
    import yaml

    settings = yaml.safe_load(config.read_text())
    settings["report"] = report
    config.write_text(yaml.safe_dump(settings, sort_keys=False))
    result = invoke("report", "simb", "-w", str(known.folder), "--out", str(tmp_path / "x.html"))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "dqaudit.yml (line " in result.stderr
    assert not (tmp_path / "x.html").exists()


def test_cli_writes_html_and_excel(known: KnownWorkspace, tmp_path: Path) -> None:
    out = tmp_path / "board.html"
    result = invoke(
        "report", "simb", "-w", str(known.folder), "--period", "2026-Q3", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "SIMB summary for 2026-Q3 (1 July 2026 to 30 September 2026)" in result.stdout
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    sheet = tmp_path / "board.xlsx"
    result = invoke(
        "report", "simb", "-w", str(known.folder), "--from", "2026-07-01", "--to", "2026-09-30",
        "--out", str(sheet),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "(xlsx)" in result.stdout
    assert load_workbook(sheet)["Headline"]["A1"].value == "OFFICIAL-SENSITIVE"
    matching = tmp_path / "board-2.XLSX"
    result = invoke(
        "report", "simb", "-w", str(known.folder), "--period", "2026-Q3", "--format", "xlsx",
        "--out", str(matching),
    )  # fmt: skip
    assert result.exit_code == 0 and matching.read_bytes()[:2] == b"PK"


@pytest.mark.parametrize(
    "name, args, message",
    [
        ("s.pdf", [], "the extension '.pdf' is not a report format; use .html, .htm, .xlsx"),
        ("s.data", ["--format", "xlsx"], "the extension '.data' is not a report format"),
        ("simb", [], "the extension '(none)' is not a report format"),
        ("s.xlsx", ["--format", "html"], "is named as xlsx but --format is html"),
        ("s.html", ["--format", "xlsx"], "is named as html but --format is xlsx"),
    ],
)
def test_cli_refuses_an_out_name_that_does_not_match_the_format(
    known: KnownWorkspace, tmp_path: Path, name: str, args: list[str], message: str
) -> None:
    out = tmp_path / name
    result = invoke(
        "report", "simb", "-w", str(known.folder), "--period", "2026-Q3", "--out", str(out), *args
    )
    assert result.exit_code == 2, result.output
    assert f"--out {out}" in result.stderr and message in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()
    assert not list(tmp_path.glob(f".{name}*"))  # no temporary file left either


@pytest.mark.parametrize(
    "args, message",
    [
        (["--period", "2026-Q5"], "--period '2026-Q5' is not a period: use a quarter (2026-Q3)"),
        (["--period", "Q3"], "--period 'Q3' is not a period"),
        (["--period", "2026-13"], "--period '2026-13' is not a period"),
        (["--period", "2026-Q3", "--from", "2026-07-01"], "either --period or --from/--to"),
        (["--from", "2026-09-30", "--to", "2026-07-01"], "--from 2026-09-30 is after --to"),
        (["--to", "2026-07-01"], "--to needs --from"),
        (["--from", "2026-02-30"], "Invalid value for '--from'"),
        (["--format", "pdf"], "Invalid value for '--format'"),
    ],
)
def test_cli_bad_periods_are_clear_errors(
    known: KnownWorkspace, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "x.html"
    result = invoke("report", "simb", "-w", str(known.folder), "--out", str(out), *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_cli_unwritable_output_is_a_clear_error(known: KnownWorkspace, tmp_path: Path) -> None:
    store = known.store()
    before = count_rows(store, schema.trail)
    store.close()
    missing = tmp_path / "no-such-folder" / "x.html"
    result = invoke("report", "simb", "-w", str(known.folder), "--out", str(missing))
    assert result.exit_code == 2
    assert f"folder {missing.parent} does not exist" in result.stderr
    store = known.store()
    assert count_rows(store, schema.trail) == before + 1  # only the config entry, no report
    store.close()


def test_periods() -> None:
    q3 = parse_period("2026-Q3")
    assert (q3.first_day.isoformat(), q3.last_day.isoformat()) == ("2026-07-01", "2026-09-30")
    assert q3.start.isoformat() == "2026-06-30T23:00:00+00:00"  # midnight BST
    assert q3.end.isoformat() == "2026-09-30T23:00:00+00:00"
    winter = parse_period("2026-Q4")
    assert winter.end.isoformat() == "2027-01-01T00:00:00+00:00"  # GMT again
    february = parse_period("2028-02")
    assert february.last_day.isoformat() == "2028-02-29" and february.label == "February 2028"
    assert parse_period("2026").last_day.isoformat() == "2026-12-31"
    from datetime import date

    default = resolve_period(today=date(2026, 11, 28))
    assert default.label == "2026-Q4"
    explicit = resolve_period(None, date(2026, 7, 1), None, today=date(2026, 7, 20))
    assert explicit.last_day == date(2026, 7, 20)
    # the library names its fields; the CLI names its options (--from, see test_cli_errors)
    with pytest.raises(FieldError, match=r"^first_day 2026-08-01 is after today") as caught:
        resolve_period(None, date(2026, 8, 1), None, today=date(2026, 7, 20))
    assert caught.value.render({"first_day": "--from"}).startswith("--from 2026-08-01 is after")


def test_scores_follow_the_documented_formulas() -> None:
    outcomes = [
        RuleOutcome("validity", 1, 1, False, 1, 3, False),  # pass rate 2/3
        RuleOutcome("validity", 5, 5, True, 0, 997, False),  # pass rate 1
    ]
    assert score(outcomes, "rows").value == pytest.approx(100 * 999 / 1000)
    assert score(outcomes, "rules").value == pytest.approx(100 * (2 / 3 + 1) / 2)
    assert score(outcomes, "risk").value == pytest.approx(100 * (2 / 3 + 25) / 26)
    errored = score([*outcomes, RuleOutcome("validity", 1, 1, None, None, None, True)])
    assert errored.not_evaluated == 1 and errored.value == pytest.approx(99.9)
    assert format_score(99.996) == "99.99 %"  # never rounded up to a perfect score
    assert format_score(94.999) == "94.99 %"  # never rounded up to the threshold
    assert format_score(100.0) == "100.00 %" and format_score(None) == "–"
    assert floor_score(99.8571) == 99.85 and floor_score(99.96) == 99.96
    assert floor_score(95.0 - 1e-12) == 95.0  # float noise at a threshold is not a cent


def test_scores_count_only_the_rows_a_rule_judged(known: KnownWorkspace, tmp_path: Path) -> None:
    import pandas as pd

    from dqaudit.engine.run import run_suite

    # 10 rows, 8 of them null: the rule judges 2 values, and 1 of them fails
    frame = pd.DataFrame({"id": [str(i) for i in range(10)], "h": [1.0, 20.0] + [None] * 8})
    rule = {
        "type": "expect_column_values_to_be_between",
        "kwargs": {"column": "h", "max_value": 6},
        "meta": {"dqaudit": {"rule_id": "B-2", "dimension": "validity"}},
    }
    gx = run_suite(frame, {"name": "s", "expectations": [rule]}, key="id").results[0]
    assert (gx.unexpected_count, gx.element_count) == (1, 10)  # GX counts the nulls too
    store = known.store()
    add_run(store, "b3", "beta_main", "beta", "2026-09-25T08:00:00", [
        ("B-1", "completeness", 2, 4, True, 0, 100),
        ("B-2", "validity", 2, 4, False, gx.unexpected_count, gx.element_count,
         {"unexpected_percent": gx.unexpected_percent}),
        # a warning (mostly: 0, a PACE postponement with a recorded reason): never scored
        ("B-W", "timeliness", 1, 3, True, 40, 100,
         {"kwargs": {"column": "first_review_h", "max_value": 6, "mostly": 0}}),
    ])  # fmt: skip
    store.close()
    path = publish(known, tmp_path / "simb.html", period=PERIOD)
    quality = by_first(html_tables(path)["quality"])
    assert quality["beta"][2] == "50.00 % Red"  # 1 of 2 judged, not 1 of 10 (90 %)
    assert quality["beta"][4] == "not measured"  # only the warning: nothing scored
    assert quality["beta"][6] == "99.01 % Green"  # 1 of 102; the warning's 40 rows left out
    detail = html_tables(path)["quality_detail"]
    overall = next(row for row in detail if row[:2] == ["beta", "Overall"])
    assert overall[4:7] == ["102", "1", "2"]
    assert overall[7] == "1 warning rule(s) (mostly: 0) not scored"


def test_rows_checked_and_warnings() -> None:
    from dqaudit.reports.quality import is_warning, rows_checked

    assert rows_checked(1, 10, 50.0) == 2  # unexpected_percent is of the non-null values
    assert rows_checked(0, 10, 0.0) == 10  # nothing failed: the pass rate is 100 % anyway
    assert rows_checked(None, None, None) is None  # table-level
    assert is_warning({"mostly": 0}) and is_warning({"mostly": 0.0})
    assert not is_warning({"mostly": 0.9}) and not is_warning({}) and not is_warning(None)
    warned = RuleOutcome("timeliness", 1, 3, True, 40, 100, False, warning=True)
    plain = RuleOutcome("timeliness", 1, 3, False, 1, 2, False)
    result = score([warned, plain])
    assert result.value == pytest.approx(50.0) and result.warnings == 1
    assert (result.checked, result.failing, result.rules) == (2, 1, 1)


def test_a_period_that_has_not_started_is_refused(known: KnownWorkspace, tmp_path: Path) -> None:
    from datetime import UTC, date, datetime

    today = date(2026, 11, 28)
    with pytest.raises(InputError, match=r"^period 2027-Q1 starts on 1 January 2027, after"):
        resolve_period("2027-Q1", today=today)
    with pytest.raises(InputError, match=r"^period 2026-12 starts on 1 December 2026"):
        resolve_period("2026-12", today=today)
    with pytest.raises(InputError, match=r"^first_day 2027-01-01 starts on 1 January 2027"):
        resolve_period(None, date(2027, 1, 1), date(2027, 3, 31), today=today)
    assert resolve_period("2026-Q4", today=today).label == "2026-Q4"  # running: to date
    assert resolve_period("2026-11", today=today).label == "November 2026"
    out = tmp_path / "future.html"
    workspace = load_workspace(known.folder)
    store = known.store()
    try:
        with pytest.raises(InputError, match=r"today \(28 November 2026\): a period that has not"):
            write_simb_report(
                workspace,
                store,
                out,
                period="2027-Q1",
                now=datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
            )
    finally:
        store.close()
    assert not out.exists()
    result = invoke(
        "report", "simb", "-w", str(known.folder), "--period", "2099-Q1", "--out", str(out)
    )
    assert result.exit_code == 2
    assert "--period 2099-Q1 starts on 1 January 2099, after today" in result.stderr
    assert "Traceback" not in result.output and not out.exists()


def test_an_approval_that_fails_the_trail_cross_check_has_a_headline_bucket(
    known: KnownWorkspace, tmp_path: Path
) -> None:
    """A forged approval row (minute rewritten by SQL) is UNCONFIRMED: the board sees it in
    the headline, and every suite is counted in exactly one approval bucket."""
    from dqaudit.governance import approvals
    from dqaudit.reports.simb import build_summary

    store = known.store()
    with store.engine.begin() as connection:  # tampering on purpose
        connection.execute(
            schema.approvals.update()
            .where(schema.approvals.c.suite_name == "alpha_main")
            .values(minute="M-FORGED")
        )
    workspace = load_workspace(known.folder)
    try:
        summary = build_summary(workspace, store, parse_period(PERIOD), now=NOW)
    finally:
        store.close()
    states = {row.suite: row.status for row in summary.approvals}
    assert states["alpha_main"] == approvals.UNCONFIRMED
    headline = summary.headline
    assert headline.suites_unconfirmed == 1 and headline.suites_approved == 0
    buckets = (
        headline.suites_approved
        + headline.suites_pending
        + headline.suites_review_overdue
        + headline.suites_revoked
        + headline.suites_unconfirmed
    )
    assert buckets == len(summary.approvals) == 4
    out = publish(known, tmp_path / "unconfirmed.html")
    rows = by_first(html_tables(out)["headline"])
    assert rows["Suites with an unconfirmed approval"][0] == "1"
    assert "1 unconfirmed (not in the audit trail)" in out.read_text(encoding="utf-8")
    sheet = load_workbook(publish(known, tmp_path / "unconfirmed.xlsx"))["Headline"]
    assert ("Suites with an unconfirmed approval", 1) in [row[:2] for row in sheet_rows(sheet)]
