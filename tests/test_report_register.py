"""The SIMB summary's risk register names the risks, and still holds no record content."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup
from openpyxl import load_workbook

from dqaudit.reports.charts import axis_format
from tests.report_helpers import PERIOD, SECRET_KEYS, SECRET_SURNAMES, build_known_workspace
from tests.test_report_privacy import visible_text
from tests.test_report_simb import publish


def register_rows(html: str) -> list[list[str]]:
    soup = BeautifulSoup(html, "html.parser")
    return [
        [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
        for row in soup.select("#table-register tbody tr")
    ]


def test_the_register_lists_open_high_and_top_findings(tmp_path: Path) -> None:
    known = build_known_workspace(tmp_path / "ws", f"sqlite:///{tmp_path / 'audit.db'}")
    html = publish(known, tmp_path / "simb.html", period=PERIOD).read_text(encoding="utf-8")
    rows = register_rows(html)
    # open only (A-1 Resolved, B-2 Not accepted, B-3 Verified are not risks now),
    # highest score first; A-2 was first seen after the period
    assert [row[1] for row in rows] == ["A-4", "B-1", "A-7", "A-6"]
    a4 = rows[0]
    assert a4[0] == "alpha / main"
    assert a4[2] == "arrest_datetime must be filled in."  # from its type and kwargs
    assert a4[3:7] == ["Completeness", "4 × 5", "20", "3"]
    assert a4[7] == "5 → 3 (better)"
    assert a4[8] == "Alpha Owner" and a4[9] == "Overdue" and a4[10] == "1 Aug 2026"
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one("#card-register .figure").get_text() == "2"
    assert "%" in soup.select_one("#card-quality .figure").get_text()
    assert "Why a system can be Green" in soup.select_one("#green-and-high").get_text()
    text = visible_text(html)
    for secret in (*SECRET_KEYS, *SECRET_SURNAMES, "ZZNOTE"):
        assert secret not in text
    book = load_workbook(publish(known, tmp_path / "simb.xlsx", period=PERIOD))
    sheet = book["Risk register"]
    assert [row[1].value for row in sheet.iter_rows(min_row=5)] == ["A-4", "B-1", "A-7", "A-6"]


def test_every_chart_formats_its_time_axis_the_same_way() -> None:
    from datetime import datetime

    one_a_day = [datetime(2026, 7, 1, 9), datetime(2026, 8, 1, 9)]
    two_a_day = [datetime(2026, 7, 1, 9), datetime(2026, 7, 1, 15)]
    assert axis_format([one_a_day]) == "%d %b %Y"
    assert axis_format([one_a_day, two_a_day]) == "%d %b %Y %H:%M"  # for both charts


def test_the_demo_summary_register_holds_no_record_content(demo_output) -> None:
    from tests.test_report_privacy import demo_secrets, rule_settings

    out, _result = demo_output
    html = (out / "simb-summary.html").read_text(encoding="utf-8")
    rows = register_rows(html)
    assert rows and all(row[5] for row in rows)
    assert any("PNC-NOM" in row[1] for row in rows)
    shown = " ".join(" ".join(row) for row in rows)
    # A rule's own settings (a value set of codes, say) are suite text the SIMB approved,
    # shown on purpose; a record value that happens to equal one is not a leak.
    settings = rule_settings(out)
    leaked = sorted(s for s in demo_secrets(out) - settings if s in shown)
    assert leaked == []
