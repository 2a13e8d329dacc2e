"""The records team's results page: one self-contained, link-free, script-free page per run."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bs4 import BeautifulSoup

from dqaudit.governance import trail
from dqaudit.store.database import AuditStore
from dqaudit.workspace.config import load_workspace
from tests.actions_fixtures import make_workspace, run
from tests.conftest import invoke

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def latest_run_id(folder: Path) -> str:
    store = AuditStore(load_workspace(folder).store_url)
    try:
        return store.list_runs(limit=1)[0].run_id
    finally:
        store.close()


def test_audit_show_html_writes_a_safe_self_contained_page(tmp_path: Path) -> None:
    folder = make_workspace(tmp_path / "ws")
    assert run(folder) == 1
    run_id = latest_run_id(folder)
    page = tmp_path / "run.html"
    result = invoke("audit", "show", run_id[:8], "-w", str(folder), "--html", str(page))
    assert result.exit_code == 0, result.output
    assert f"results page: {page}" in result.stdout
    html = page.read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("script") is None and soup.find("a") is None  # no scripts, no links
    assert soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"] == CSP
    simb = (Path(__file__).parent.parent / "dqaudit/reports/templates/simb.html").read_text()
    assert CSP in simb  # the same policy as the SIMB summary
    assert "src=" not in html and "href=" not in html and "@import" not in html
    text = soup.get_text(" ")
    assert "custody" in text and run_id in text
    assert "approved by" in text  # the suite's SIMB approval
    rules = {
        row.find_all("td")[1].find("strong").get_text(): [
            td.get_text(" ", strip=True) for td in row.find_all("td")
        ]
        for row in soup.select("#rules-table tbody tr")
    }
    assert set(rules) == {"STN", "NAME", "SURNAME-LEN", "NOTE"}
    assert "station must be one of: BW, CV" in rules["STN"][1]
    assert rules["STN"][4] == "failed" and rules["STN"][5] == "2"
    assert rules["STN"][8] == "every record"
    records = {
        table.find_previous("h3").get_text(): [
            [td.get_text() for td in row.find_all("td")] for row in table.select("tbody tr")
        ]
        for table in soup.select("table.records")
    }
    station = next(rows for title, rows in records.items() if title.startswith("STN"))
    assert station == [["C002", "XX"], ["C004", "ZZ"]]
    surname = next(rows for title, rows in records.items() if title.startswith("SURNAME-LEN"))
    assert surname == [["C005", "O******"]]  # sensitive: masked as in action plans
    assert "BRIEN" not in html
    note = next(rows for title, rows in records.items() if title.startswith("NOTE"))
    assert ["C002", '=HYPERLINK("http://evil")'] in note  # shown as text, escaped
    store = AuditStore(load_workspace(folder).store_url)
    try:
        [entry] = [e for e in trail.entries(store) if e.subject == str(page.resolve())]
    finally:
        store.close()
    assert entry.details["report"] == "run" and entry.details["run_id"] == run_id
    assert entry.details["sha256"] == hashlib.sha256(page.read_bytes()).hexdigest()


def test_audit_run_html_writes_one_page_per_run(tmp_path: Path) -> None:
    folder = make_workspace(tmp_path / "ws")
    pages = tmp_path / "pages"
    result = invoke("audit", "run", "-w", str(folder), "--html", str(pages))
    assert result.exit_code == 1, result.output
    [page] = sorted(pages.glob("*.html"))
    assert page.name.startswith("custody-")
    assert "results page:" in result.stdout


def test_a_bad_html_name_is_a_clear_error(tmp_path: Path) -> None:
    folder = make_workspace(tmp_path / "ws")
    assert run(folder) == 1
    run_id = latest_run_id(folder)
    result = invoke("audit", "show", run_id, "-w", str(folder), "--html", str(tmp_path / "x.txt"))
    assert result.exit_code == 2
    assert "--html" in result.stderr and "use a .html name" in result.stderr
    missing = tmp_path / "no" / "x.html"
    result = invoke("audit", "show", run_id, "-w", str(folder), "--html", str(missing))
    assert result.exit_code == 2 and "does not exist" in result.stderr
