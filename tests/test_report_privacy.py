"""The SIMB summary holds aggregates only, and whatever text it shows is escaped.

Record keys and values are known here (the known store's failing records, and the demo's
sample data with its manifest), and none of them may appear in the HTML or the workbook.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from dqaudit.reports.charts import trend_svg
from dqaudit.store import schema
from dqaudit.store.database import AuditStore
from dqaudit.workspace.config import load_workspace
from dqaudit.workspace.report_settings import RagThresholds
from tests.conftest import invoke
from tests.report_helpers import (
    NOW,
    PERIOD,
    SCRIPT,
    SECRET_KEYS,
    SECRET_NOTE,
    SECRET_SURNAMES,
    add_run,
    build_known_workspace,
)
from tests.test_report_simb import publish

HOSTILE_SUITE = 'gamma <script>alert("suite")</script>'
HOSTILE_DESCRIPTION = '=HYPERLINK("http://evil.invalid","click") <script>alert(1)</script> & co'


def visible_text(html: str) -> str:
    """What a reader can see or copy: text and attribute values, not the stylesheet."""
    soup = BeautifulSoup(html, "html.parser")
    for style in soup.find_all("style"):
        style.decompose()
    attributes = [str(v) for tag in soup.find_all(True) for v in tag.attrs.values()]
    return "\n".join([soup.get_text("\n"), *attributes])


def workbook_values(path: Path) -> str:
    """Every cell value, header and footer of the workbook, as text."""
    book = load_workbook(path)
    parts = []
    for sheet in book.worksheets:
        parts += [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
        parts += [sheet.oddHeader.center.text or "", sheet.oddFooter.center.text or ""]
    return "\n".join(parts)


def workbook_text(path: Path) -> str:
    """Every XML part of the workbook, as text: what a search of the file would find."""
    with zipfile.ZipFile(path) as archive:
        return "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())


def test_known_keys_and_surnames_never_appear(tmp_path: Path) -> None:
    known = build_known_workspace(tmp_path / "ws", f"sqlite:///{tmp_path / 'audit.db'}")
    store = known.store()
    with store.engine.connect() as connection:
        stored = connection.execute(sa.select(sa.func.count()).select_from(schema.failing_records))
        assert stored.scalar() > 0  # the content is there to leak, and must not
    store.close()
    html = publish(known, tmp_path / "simb.html", period=PERIOD).read_text(encoding="utf-8")
    xlsx = workbook_text(publish(known, tmp_path / "simb.xlsx", period=PERIOD))
    for secret in (*SECRET_KEYS, *SECRET_SURNAMES, "ZZNOTE", "could not read main.csv"):
        assert secret not in html
        assert secret not in xlsx


def test_an_extract_value_holding_a_script_comes_out_escaped(tmp_path: Path) -> None:
    """Issue 7: ``<script>alert(1)</script>`` in the extract, as a failing record's value
    (the store holds it) and in a suite and rule name: the record value never appears at
    all, and the name appears only escaped, as text."""
    suite = f"gamma {SCRIPT}"
    known = build_known_workspace(
        tmp_path / "ws", f"sqlite:///{tmp_path / 'audit.db'}", gamma_suite=suite
    )
    store = known.store()
    add_run(store, "g2", suite, "gamma", "2026-09-26T08:00:00", [
        (f"G-2 {SCRIPT}", "validity", 3, 3, False, 2, 10),
    ], draft=True)  # fmt: skip
    with store.engine.connect() as connection:
        values = connection.execute(sa.select(schema.failing_records.c.record_values)).all()
    store.close()
    assert any(row.record_values["custody_note"] == SECRET_NOTE for row in values)
    html = publish(known, tmp_path / "simb.html", period=PERIOD).read_text(encoding="utf-8")
    assert SCRIPT not in html and "<script" not in html.lower()
    assert BeautifulSoup(html, "html.parser").find("script") is None
    assert f"gamma {SCRIPT}".replace("<", "&lt;").replace(">", "&gt;") in html  # escaped
    assert f"gamma {SCRIPT}" in visible_text(html)  # and shown exactly, as text
    assert "ZZNOTE" not in html  # the record value: not even escaped
    book = publish(known, tmp_path / "simb.xlsx", period=PERIOD)
    assert "ZZNOTE" not in workbook_text(book)
    drafts = [row[0].value for row in load_workbook(book)["Draft runs"].iter_rows(min_row=5)]
    assert suite in drafts  # a workbook cell holds it as plain text


def test_hostile_text_is_escaped_in_html_and_never_a_formula_in_excel(tmp_path: Path) -> None:
    marking = 'SECRET</style><script>alert("marking")</script>"'
    known = build_known_workspace(
        tmp_path / "ws",
        f"sqlite:///{tmp_path / 'audit.db'}",
        gamma_suite=HOSTILE_SUITE,
        gamma_description=HOSTILE_DESCRIPTION,
        report={"marking": marking},
    )
    path = publish(known, tmp_path / "simb.html", period=PERIOD)
    text = path.read_text(encoding="utf-8")
    soup = BeautifulSoup(text, "html.parser")
    assert soup.find("script") is None
    assert "<script>" not in text
    assert "&lt;script&gt;alert(&#34;suite&#34;)&lt;/script&gt;" in text
    page_style = soup.head.find_all("style")
    assert len(page_style) == 1 and "</style" not in page_style[0].get_text()
    assert "SECRET\\00003C/style\\00003E" in page_style[0].get_text()  # a CSS hex escape
    assert [m.get_text() for m in soup.select(".marking")] == [marking, marking]
    systems = {
        row.find("th").get_text(): [td.get_text() for td in row.find_all("td")]
        for row in soup.select("#table-systems tbody tr")
    }
    assert systems["gamma"][0] == HOSTILE_DESCRIPTION  # shown exactly, as text
    drafts = [row.find("th").get_text() for row in soup.select("#table-draft_runs tbody tr")]
    assert HOSTILE_SUITE in drafts

    sheet_path = publish(known, tmp_path / "simb.xlsx", period=PERIOD)
    book = load_workbook(sheet_path)
    cell = next(row[1] for row in book["Systems"].iter_rows(min_row=5) if row[0].value == "gamma")
    assert cell.value == HOSTILE_DESCRIPTION and cell.data_type == "s"
    assert "<f>" not in workbook_text(sheet_path)  # no formula anywhere in the workbook
    assert book["Systems"]["A1"].value == marking


def test_chart_labels_are_escaped() -> None:
    svg = trend_svg(
        [NOW, NOW.replace(day=16)],
        [90.0, 96.5],
        RagThresholds(),
        chart_id="t",
        description='<script>alert("x")</script>',
    )
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert svg.startswith("<svg ") and "<?xml" not in svg


@pytest.fixture(scope="module")
def demo(demo_output: tuple[Path, object]) -> Path:
    """The session's demo run (three monthly audits of the sample data)."""
    out, result = demo_output
    assert result.exit_code == 0, result.output
    return out


def demo_secrets(out: Path) -> set[str]:
    """Every failing record key the demo found, and every record value it stored."""
    from tests.conftest import SAMPLE_DATA

    manifest = json.loads((SAMPLE_DATA / "manifest.json").read_text())
    secrets = {defect["key"] for defect in manifest["defects"]}
    store = AuditStore(load_workspace(out).store_url)
    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.select(schema.failing_records.c.record_key, schema.failing_records.c.record_values)
        ).all()
    store.close()
    for key, values in rows:
        secrets.add(key)
        for value in (values or {}).values():
            # names, references, codes and free text: anything a person could be known by
            if isinstance(value, str) and len(value) >= 5 and re.search(r"[A-Za-z]", value):
                secrets.add(value)
    return secrets


def rule_settings(out: Path) -> set[str]:
    """Every value of every finding's rule settings (kwargs), as text."""
    store = AuditStore(load_workspace(out).store_url)
    try:
        return {
            str(value)
            for finding in store.findings.ranked()
            for setting in (finding.kwargs or {}).values()
            for value in (setting if isinstance(setting, list) else [setting])
        }
    finally:
        store.close()


def test_demo_summary_holds_no_record_content(demo: Path, tmp_path: Path) -> None:
    html_path = demo / "simb-summary.html"
    assert html_path.is_file()
    # The risk register shows each finding's rule settings (codes of a value set, say):
    # suite text the SIMB approved, not record content, even where a value equals one.
    secrets = demo_secrets(demo) - rule_settings(demo)
    assert len(secrets) > 100  # keys, surnames, postcodes…: a real test
    result = invoke("report", "simb", "-w", str(demo), "--out", str(tmp_path / "demo.xlsx"))
    assert result.exit_code == 0, result.output
    raw_html = html_path.read_text(encoding="utf-8")
    raw_xlsx = workbook_text(tmp_path / "demo.xlsx")
    keys = {s for s in secrets if re.search(r"\d", s)}  # references: nowhere in the files
    assert sorted(k for k in keys if k in raw_html or k in raw_xlsx) == []
    shown = visible_text(raw_html) + "\n" + workbook_values(tmp_path / "demo.xlsx")
    words = set(re.findall(r"[\w'-]+", shown))
    assert sorted(s for s in secrets if s in shown and (" " in s or s in words)) == []


def test_demo_summary_shows_trends_from_three_months(demo: Path) -> None:
    soup = BeautifulSoup((demo / "simb-summary.html").read_text(encoding="utf-8"), "html.parser")
    systems_configured = set(load_workspace(demo).config.systems)
    suites = len(list((demo / "results" / "month-3").glob("*.json")))
    assert len(soup.select("figure svg.chart")) == len(systems_configured)
    trend_rows = [
        [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
        for row in soup.select("#table-trends tbody tr")
    ]
    systems = [row[0] for row in trend_rows]
    assert set(systems) == systems_configured
    assert all(systems.count(name) == 3 for name in set(systems))  # three monthly audits
    headline = {
        row.find("th").get_text(): row.find("td").get_text()
        for row in soup.select("#table-headline tbody tr")
    }
    store = AuditStore(load_workspace(demo).store_url)
    try:
        now = store.clock()
        quarter = (now.year, (now.month - 1) // 3)
        in_quarter = {
            run.started_at.date()
            for run in store.list_runs(limit=100)
            if (run.started_at.year, (run.started_at.month - 1) // 3) == quarter
        }
    finally:
        store.close()
    assert headline["Audits run (complete, approved)"] == str(len(in_quarter) * suites)
