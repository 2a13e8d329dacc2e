"""``dqaudit report simb``: compute the summary, render it, write it whole, note it in the trail.

The file is written to a temporary name beside the target and renamed, so a board paper
is never half written; the trail records who produced which paper for which period, with
its SHA-256, so the copy in the board pack can be matched to the store.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from dqaudit.digests import sha256_bytes
from dqaudit.errors import FieldError, InputError
from dqaudit.governance import trail
from dqaudit.reports.period import Period, resolve_period
from dqaudit.reports.simb import SimbSummary, build_summary
from dqaudit.store import AuditStore
from dqaudit.workspace.config import Workspace

FORMATS = ("html", "xlsx")


@dataclass(frozen=True)
class Published:
    path: Path
    format: str
    period: Period
    sha256: str
    summary: SimbSummary


EXTENSIONS = {".html": "html", ".htm": "html", ".xlsx": "xlsx"}


def report_format(out: Path, requested: str | None) -> str:
    """The format the file's extension names, which ``requested`` (if given) must match.

    A board paper whose name says one format and whose content is another (HTML in a
    ``.pdf``, a workbook in a ``.html``) would not open, or would open as the wrong thing
    from an email attachment, so an unknown extension or a mismatch is refused.
    """
    if requested is not None and requested not in FORMATS:
        raise FieldError(f"{{format}} '{requested}' is not one of: {', '.join(FORMATS)}", "format")
    suffix = out.suffix.lower()
    named = EXTENSIONS.get(suffix)
    if named is None:
        raise FieldError(
            f"{{out}} {out}: the extension '{out.suffix or '(none)'}' is not a report format; "
            f"use {', '.join(EXTENSIONS)}",
            "out",
        )
    if requested is not None and requested != named:
        raise FieldError(
            f"{{out}} {out} is named as {named} but {{format}} is {requested}; "
            f"use a .{requested} name or {{format}} {named}",
            "out",
            "format",
        )
    return named


def write_simb_report(
    workspace: Workspace,
    store: AuditStore,
    out: Path,
    *,
    format: str | None = None,
    period: str | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
    now: datetime | None = None,
) -> Published:
    """Write the SIMB summary of a period to ``out`` as HTML or Excel."""
    kind = report_format(out, format)
    if not out.parent.is_dir():
        raise FieldError(f"{{out}} {out}: folder {out.parent} does not exist", "out")
    if out.is_dir():
        raise FieldError(f"{{out}} {out} is a folder; give a file name", "out")
    now = now or store.clock()
    timezone = workspace.config.report.timezone
    today = now.astimezone(ZoneInfo(timezone)).date()
    chosen = resolve_period(period, first_day, last_day, today=today, timezone=timezone)
    summary = build_summary(workspace, store, chosen, now=now)
    if kind == "xlsx":
        from dqaudit.reports.simb_xlsx import render_xlsx

        content = render_xlsx(summary)
    else:
        from dqaudit.reports.simb_html import render_html

        content = render_html(summary).encode("utf-8")
    _write_whole(out, content)
    digest = sha256_bytes(content)
    trail.append(
        store,
        "report",
        str(out.resolve()),
        {
            "report": "simb",
            "format": kind,
            "period": chosen.label,
            "from": chosen.first_day.isoformat(),
            "to": chosen.last_day.isoformat(),
            "sha256": digest,
        },
    )
    return Published(out, kind, chosen, digest, summary)


def _write_whole(out: Path, content: bytes) -> None:
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(content)
        temporary.replace(out)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
