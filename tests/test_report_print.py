"""The SIMB summary prints as board papers: headless Chromium renders it to PDF with no
console errors, and every printed page carries the protective marking at top and bottom.

Needs Debian's ``chromium`` and ``pdftotext`` (poppler-utils): the test skips with the
reason where they are missing, and fails under CI=true (``.ci/run`` installs them).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from dqaudit.governance import trail
from tests.conftest import IN_CI, invoke
from tests.report_helpers import PERIOD, SECRET_KEYS, SECRET_SURNAMES, build_known_workspace
from tests.test_report_simb import publish

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",  # we run as root
    "--disable-gpu",
    "--disable-background-networking",  # a closed network: nothing may call out
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-pdf-header-footer",  # the page's own @page boxes carry the marking
    "--enable-logging=stderr",
    "--v=0",
]


def tool(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    message = f"{names[0]} is not installed (apt-get install -y chromium poppler-utils)"
    if IN_CI:
        pytest.fail(message + "; required under CI=true")
    pytest.skip(message)


def print_to_pdf(html: Path, pdf: Path, profile: Path) -> str:
    """Print with headless Chromium; return its log (console messages included)."""
    chromium = tool("chromium", "chromium-browser")
    completed = subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf}",
            html.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout + completed.stderr


def page_texts(pdf: Path) -> list[str]:
    pdftotext = tool("pdftotext")
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


def test_prints_to_pdf_with_the_marking_on_every_page(tmp_path: Path) -> None:
    known = build_known_workspace(
        tmp_path / "ws",
        f"sqlite:///{tmp_path / 'audit.db'}",
        report={"marking": "OFFICIAL-SENSITIVE"},
    )
    html = publish(known, tmp_path / "simb.html", period=PERIOD)
    pdf = tmp_path / "simb.pdf"
    log = print_to_pdf(html, pdf, tmp_path / "chromium-profile")

    console = [line for line in log.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    assert console == [], "console messages while rendering:\n" + "\n".join(console)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    pages = page_texts(pdf)
    assert len(pages) >= 7  # one section per page at least: the page breaks work
    for number, page in enumerate(pages, start=1):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        assert lines[0] == "OFFICIAL-SENSITIVE", f"page {number} has no marking at the top"
        assert "OFFICIAL-SENSITIVE" in lines[-1], f"page {number} has no marking at the bottom"
        assert f"Page {number} of {len(pages)}" in lines[-1]
    headings = [
        "Headline",
        "Approvals and audits due",
        "Data quality",
        "Trends",
        "Open risks",
        "Findings and owners' actions",
        "Draft runs",
        "Method",
    ]
    starts = [
        next(i for i, page in enumerate(pages) if h in (line.strip() for line in page.splitlines()))
        for h in headings
    ]
    assert starts == sorted(set(starts)), f"each section starts on a page of its own: {starts}"


def test_out_pdf_writes_the_board_pack_through_chromium(tmp_path: Path) -> None:
    """``--out FILE.pdf``: the same pages as the HTML printed, marked on every page, with
    the risk register; recorded in the trail with the PDF's SHA-256."""
    tool("chromium", "chromium-browser")
    known = build_known_workspace(
        tmp_path / "ws",
        f"sqlite:///{tmp_path / 'audit.db'}",
        report={"marking": "OFFICIAL-SENSITIVE"},
    )
    pdf = publish(known, tmp_path / "simb.pdf", period=PERIOD)
    content = pdf.read_bytes()
    assert content[:5] == b"%PDF-"
    pages = page_texts(pdf)
    assert len(pages) >= 8  # one section per page at least, the register among them
    for number, page in enumerate(pages, start=1):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        assert lines[0] == "OFFICIAL-SENSITIVE", f"page {number} has no marking at the top"
        assert f"Page {number} of {len(pages)}" in lines[-1]
    text = "\n".join(pages)
    assert "Risk register" in text and "A-4" in text
    for secret in (*SECRET_KEYS, *SECRET_SURNAMES):
        assert secret not in text
    store = known.store()
    try:
        [entry] = [e for e in trail.entries(store) if e.subject == str(pdf.resolve())]
    finally:
        store.close()
    assert entry.details["format"] == "pdf"
    assert entry.details["sha256"] == hashlib.sha256(content).hexdigest()


def test_out_pdf_without_chromium_names_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    known = build_known_workspace(tmp_path / "ws", f"sqlite:///{tmp_path / 'audit.db'}")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "simb.pdf"
    result = invoke(
        "report", "simb", "-w", str(known.folder), "--period", "2026-Q3", "--out", str(out)
    )
    assert result.exit_code == 3, result.output
    assert (
        "needs headless Chromium" in result.stderr and "apt-get install chromium" in result.stderr
    )
    assert not out.exists()
