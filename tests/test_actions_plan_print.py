"""Owners' action plans print: LibreOffice (headless) converts each demo workbook to PDF.

The Findings sheet takes at most one page per 15 findings (landscape, one page wide),
every page carries the protective marking, and no text overlaps: each row is at least as
tall as its wrapped text needs, computed from the column widths and the text.

Needs Debian's ``libreoffice-calc`` (``soffice``) and ``pdftotext`` (poppler-utils): the
test skips with the reason where they are missing, and fails under CI=true (``.ci/run``
installs them).
"""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from dqaudit.actions import plan_layout
from tests.conftest import IN_CI
from tests.test_actions_plan_cells import assert_rows_fit

FINDINGS_PER_PAGE = 15


def tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    message = f"{name} is not installed (apt-get install -y {package})"
    if IN_CI:
        pytest.fail(message + "; required under CI=true")
    pytest.skip(message)


def convert(workbooks: list[Path], folder: Path) -> list[Path]:
    soffice = tool("soffice", "libreoffice-calc")
    profile = (folder / "lo-profile").resolve().as_uri()  # its own profile: runs in parallel
    completed = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *map(str, workbooks),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    pdfs = [folder / f"{workbook.stem}.pdf" for workbook in workbooks]
    assert all(pdf.is_file() for pdf in pdfs), completed.stdout + completed.stderr
    return pdfs


def pages(pdf: Path) -> list[str]:
    pdftotext = tool("pdftotext", "poppler-utils")
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


def test_demo_plans_print_within_bounds_with_the_marking(
    demo_output: tuple[Path, Any], tmp_path: Path
) -> None:
    out, _result = demo_output
    workbooks = sorted((out / "actions").glob("*.xlsx"))
    assert len(workbooks) == 6  # one per system owner
    for workbook, pdf in zip(workbooks, convert(workbooks, tmp_path), strict=True):
        book = openpyxl.load_workbook(workbook)
        findings = book[plan_layout.FINDINGS].max_row - 1
        assert_rows_fit(book[plan_layout.FINDINGS])
        for name in book.sheetnames[3:]:
            assert_rows_fit(book[name])
        printed = pages(pdf)
        for number, page in enumerate(printed, start=1):
            assert page.count("OFFICIAL-SENSITIVE") >= 2, f"{pdf.name} page {number}"
        # The Findings sheet's pages are those with its (repeated) header row.
        findings_pages = [p for p in printed if "Dimension" in p and "Record key" not in p]
        assert findings_pages, pdf.name
        limit = math.ceil(findings / FINDINGS_PER_PAGE)
        assert len(findings_pages) <= limit, (pdf.name, findings, len(findings_pages))
        # The cover is one page: the next page is already the Findings sheet.
        assert "Data quality action plan" in printed[0] and "Dimension" in printed[1]
