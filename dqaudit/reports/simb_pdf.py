"""The SIMB summary as a PDF board pack, printed by headless Chromium from the HTML.

The HTML already prints as board papers (CSS page boxes carry the marking and page
numbers at the top and bottom of every page), so the PDF is that print, made by the
browser a board secretary would use, with the network closed: the page forbids every
network resource itself, and Chromium runs with a throwaway profile and no background
networking. Chromium is not a Python package: where it is missing the error says what to
install. Its run is bounded in time.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from dqaudit.errors import EngineError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_SECONDS = 180
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",  # containers and root accounts have no user namespace sandbox
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--no-pdf-header-footer",  # the page's own @page boxes carry the marking
)


def find_browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise EngineError(
        "a PDF board pack needs headless Chromium, which is not installed "
        "(Debian/Ubuntu: apt-get install chromium); or write the summary as .html and "
        "print it to PDF from a browser"
    )


def html_to_pdf(html: str) -> bytes:
    """Print ``html`` (a whole self-contained document) to PDF bytes."""
    browser = find_browser()
    with tempfile.TemporaryDirectory(prefix="dqaudit-pdf-") as folder:
        page, pdf = Path(folder) / "summary.html", Path(folder) / "summary.pdf"
        page.write_text(html, encoding="utf-8")
        try:
            completed = subprocess.run(
                [
                    browser,
                    *CHROMIUM_FLAGS,
                    f"--user-data-dir={Path(folder) / 'profile'}",
                    f"--print-to-pdf={pdf}",
                    page.as_uri(),
                ],
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise EngineError(
                f"Chromium ({browser}) did not print the summary within {TIMEOUT_SECONDS} s"
            ) from None
        except OSError as exc:
            raise EngineError(f"cannot run Chromium ({browser}): {exc.strerror or exc}") from None
        if completed.returncode != 0 or not pdf.is_file():
            last = (completed.stderr or "").strip().splitlines()[-1:] or ["no message"]
            raise EngineError(
                f"Chromium ({browser}) failed to print the summary (exit "
                f"{completed.returncode}): {last[0][:300]}"
            )
        content = pdf.read_bytes()
    if not content.startswith(b"%PDF-"):
        raise EngineError(f"Chromium ({browser}) did not write a PDF")
    return content
