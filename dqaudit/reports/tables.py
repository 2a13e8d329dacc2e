"""The SIMB summary as titled tables of cells, so the HTML and the Excel file show the same.

Each cell carries the value Excel stores (a number, a date, text) and the text HTML shows,
with an optional fill colour (RAG status, risk band) that both render. Whatever the board
reads in one format it can find, with the same figures, in the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from dqaudit.reports.findings_view import OVERDUE
from dqaudit.reports.quality import Score, floor_score, format_score
from dqaudit.reports.simb import QualityRow, SimbSummary

RAG_COLOURS = {"Green": "#2E7D32", "Amber": "#F0A30A", "Red": "#C62828"}
NOT_MEASURED = "not measured"

Value = str | int | float | date | datetime | None


@dataclass(frozen=True)
class Cell:
    value: Value
    text: str
    fill: str | None = None
    number_format: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    empty: str = "None."
    caption: str | None = None


def tint(colour: str, strength: float = 0.3) -> str:
    """The colour mixed with white: an empty heatmap cell keeps its band's hue, quietly."""
    channels = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(255 - (255 - c) * strength):02X}" for c in channels)


def text_cell(value: str | None, fill: str | None = None, note: str | None = None) -> Cell:
    return Cell(value, value if value is not None else "–", fill, note=note)


def count_cell(value: int, fill: str | None = None) -> Cell:
    return Cell(value, f"{value:,}", fill, "#,##0")


def date_cell(value: date | None) -> Cell:
    if value is None:
        return Cell(None, "–")
    return Cell(value, f"{value.day} {value:%b %Y}", number_format="d mmm yyyy")


def time_cell(summary: SimbSummary, value: datetime | None) -> Cell:
    if value is None:
        return Cell(None, "–")
    local = summary.local(value)
    return Cell(
        local.replace(tzinfo=None),
        f"{local.day} {local:%b %Y %H:%M}",
        number_format="d mmm yyyy hh:mm",
    )


def score_cell(score: Score, summary: SimbSummary, *, with_rag: bool = True) -> Cell:
    """A score and its RAG status; "not measured" when nothing in it was measured.

    Excel stores the score rounded down exactly as the HTML shows it, and shows the RAG
    status through its number format (``0.00" % Green"``), so the number stays a number
    and the cell reads the same as the HTML; text-only cells ("not measured", "– Red")
    are stored as that text.
    """
    rag = score.rag(summary.settings.rag)
    note = "; ".join(score.problems()) or None
    if score.value is None and rag is None:
        return Cell(NOT_MEASURED, NOT_MEASURED)
    text = format_score(score.value)
    if with_rag and rag:
        text = f"{text} {rag}"
    fill = RAG_COLOURS.get(rag or "")
    if score.value is None:
        return Cell(text, text, fill, note=note)
    number_format = f'0.00" % {rag}"' if with_rag and rag else "0.00"
    return Cell(floor_score(score.value), text, fill, number_format, note)


def rag_cell(score: Score, summary: SimbSummary) -> Cell:
    rag = score.rag(summary.settings.rag)
    return Cell(rag, rag or "–", RAG_COLOURS.get(rag or ""))


def headline_table(summary: SimbSummary) -> Table:
    h = summary.headline
    rows = [
        ("Audits due in the period", h.audits_due, "by each approved suite's schedule, to date"),
        ("Due audits done", h.audits_done, "a complete, approved run at or after the due time"),
        ("Due audits outstanding", h.audits_outstanding, "due and not yet run"),
        (
            "Audits run (complete, approved)",
            h.runs_complete,
            "every complete run of an approved suite",
        ),
        (
            "Draft runs (unapproved suites)",
            h.runs_draft,
            "not approved by the SIMB: see Draft runs",
        ),
        (
            "Runs that did not complete",
            h.runs_incomplete,
            "failed to read an extract, or interrupted",
        ),
        ("Suites approved", h.suites_approved, "approved and within their review date"),
        ("Suites pending approval", h.suites_pending, "never approved, or changed since approval"),
        ("Suites overdue for review", h.suites_review_overdue, "approval past its review date"),
        ("Suites revoked", h.suites_revoked, "approval withdrawn"),
        (
            "Suites with an unconfirmed approval",
            h.suites_unconfirmed,
            "the approval does not match the audit trail: investigate before relying on it",
        ),
        ("Open findings", h.findings_open, "not resolved, verified or not accepted"),
        ("Overdue actions", h.findings_overdue, "open past the agreed (else due) date"),
    ]
    return Table(
        "headline",
        "Headline figures",
        ["Measure", "Count", "What it counts"],
        [[text_cell(name), count_cell(value), text_cell(detail)] for name, value, detail in rows],
    )


def systems_table(summary: SimbSummary) -> Table:
    rows = [
        [
            text_cell(s.system),
            text_cell(s.description),
            text_cell(s.owner_name),
            text_cell(s.owner_email),
            Cell(s.suites_audited, f"{s.suites_audited} of {s.suites}", number_format="0"),
            count_cell(s.runs),
            time_cell(summary, s.last_run),
        ]
        for s in summary.systems
    ]
    return Table(
        "systems",
        "Systems audited",
        ["System", "Description", "Owner", "Owner email", "Suites audited", "Runs", "Last run"],
        rows,
        "No systems in the workspace.",
    )


def approvals_table(summary: SimbSummary) -> Table:
    rows = [
        [
            text_cell(a.suite),
            text_cell(a.system),
            _band_cell(summary, a.band),
            text_cell(a.status),
            text_cell(f"{a.board} {a.minute}" if a.minute else None),
            date_cell(a.approved_on),
            date_cell(a.review_by),
        ]
        for a in summary.approvals
    ]
    return Table(
        "approvals",
        f"Suite approvals (as at {summary.as_of.day} {summary.as_of:%b %Y})",
        ["Suite", "System", "Band", "Status", "Board minute", "Approved", "Review by"],
        rows,
        "No suites in the workspace.",
    )


def schedule_table(summary: SimbSummary) -> Table:
    rows = [
        [
            text_cell(d.suite),
            text_cell(d.system),
            _band_cell(summary, d.band),
            text_cell(d.cadence),
            count_cell(d.due),
            count_cell(d.done),
            count_cell(d.outstanding, RAG_COLOURS["Red"] if d.outstanding else None),
            count_cell(d.runs),
            time_cell(summary, d.last_complete),
        ]
        for d in summary.schedule
    ]
    return Table(
        "schedule",
        "Audits due in the period",
        [
            "Suite",
            "System",
            "Band",
            "Cadence",
            "Due",
            "Done",
            "Outstanding",
            "Runs in period",
            "Last complete run",
        ],
        rows,
        "No approved suites, so no audits were due.",
    )


def quality_table(summary: SimbSummary) -> Table:
    columns = ["System", *(d.capitalize() for d in summary.dimensions), "Overall"]
    rows = [_quality_row(summary, row) for row in summary.quality]
    if summary.quality:
        rows.append(_quality_row(summary, summary.fleet))
    return Table(
        "quality",
        "Quality by system and DAMA dimension",
        columns,
        rows,
        "No complete audit run in the period.",
        caption=_weighting_caption(summary),
    )


def _quality_row(summary: SimbSummary, row: QualityRow) -> list[Cell]:
    label = f"{row.system} (draft)" if row.draft else row.system
    note = "includes a draft run of a suite not approved by the SIMB" if row.draft else None
    cells = [text_cell(label, note=note)]
    cells += [score_cell(row.dimensions[d], summary) for d in summary.dimensions]
    cells.append(score_cell(row.overall, summary))
    return cells


def quality_detail_table(summary: SimbSummary) -> Table:
    rows = []
    for row in [*summary.quality, *([summary.fleet] if summary.quality else [])]:
        for name, score in [*row.dimensions.items(), ("overall", row.overall)]:
            if not score.measured:
                continue
            rows.append(
                [
                    text_cell(f"{row.system} (draft)" if row.draft else row.system),
                    text_cell(name.capitalize()),
                    score_cell(score, summary, with_rag=False),
                    rag_cell(score, summary),
                    count_cell(score.checked),
                    count_cell(score.failing),
                    count_cell(score.rules),
                    text_cell("; ".join(score.problems()) or None),
                ]
            )
    return Table(
        "quality_detail",
        "Quality scores in detail",
        [
            "System",
            "Dimension",
            "Score (%)",
            "RAG",
            "Rows checked",
            "Failing rows",
            "Row-level rules",
            "Notes",
        ],
        rows,
        "No complete audit run in the period.",
    )


def trends_table(summary: SimbSummary) -> Table:
    rows = [
        [
            text_cell(trend.system),
            time_cell(summary, point.at),
            score_cell(point.score, summary, with_rag=False),
            rag_cell(point.score, summary),
            count_cell(point.score.checked),
            count_cell(point.score.failing),
        ]
        for trend in summary.trends
        for point in trend.points
    ]
    return Table(
        "trends",
        "Trends: each system's overall score over its last audits",
        ["System", "Audited", "Score (%)", "RAG", "Rows checked", "Failing rows"],
        rows,
        "No complete approved runs up to the end of the period.",
    )


def heatmap_table(summary: SimbSummary) -> Table:
    heatmap, risk = summary.heatmap, summary.risk
    rows = []
    for impact in range(heatmap.matrix, 0, -1):
        row = [Cell(impact, f"Impact {impact}")]
        for likelihood in range(1, heatmap.matrix + 1):
            band = risk.band_name(likelihood * impact)
            colour = risk.bands[band].colour if band else None
            count = heatmap.count(likelihood, impact)
            row.append(count_cell(count, colour if count or colour is None else tint(colour)))
        rows.append(row)
    caption = (
        "Open findings by likelihood × impact; cells are coloured by risk band (pale: none open)."
    )
    if heatmap.unscored:
        caption += f" {heatmap.unscored} open finding(s) have no score on this matrix."
    return Table(
        "heatmap",
        "Risk heatmap: open findings",
        ["Impact \\ Likelihood", *(f"Likelihood {n}" for n in range(1, heatmap.matrix + 1))],
        rows,
        caption=caption,
    )


def findings_status_table(summary: SimbSummary) -> Table:
    rows = [
        [
            text_cell(f"{status} (open, past its date)" if status == OVERDUE else status),
            count_cell(count),
        ]
        for status, count in summary.findings_by_status
    ]
    return Table("findings_status", "Findings by status", ["Status", "Findings"], rows)


def findings_band_table(summary: SimbSummary) -> Table:
    rows = [
        [
            text_cell(b.band, b.colour),
            count_cell(b.open),
            count_cell(b.overdue),
            count_cell(b.resolved),
            count_cell(b.not_accepted),
            count_cell(b.total),
        ]
        for b in summary.findings_by_band
    ]
    return Table(
        "findings_band",
        "Findings by risk band",
        ["Band", "Open", "Of which overdue", "Resolved or verified", "Not accepted", "Total"],
        rows,
    )


def overdue_table(summary: SimbSummary) -> Table:
    rows = [
        [
            text_cell(o.owner_name),
            text_cell(o.owner_email),
            count_cell(o.overdue, RAG_COLOURS["Red"]),
            count_cell(o.open),
            date_cell(o.oldest_deadline),
            count_cell(o.days_overdue),
            text_cell(", ".join(o.systems)),
        ]
        for o in summary.overdue_by_owner
    ]
    return Table(
        "overdue_owners",
        "Overdue actions by owner",
        [
            "Owner",
            "Email",
            "Overdue actions",
            "Open findings",
            "Oldest missed date",
            "Days overdue",
            "Systems",
        ],
        rows,
        "No overdue actions.",
    )


def draft_runs_table(summary: SimbSummary) -> Table:
    rows = [
        [
            text_cell(d.suite),
            text_cell(d.system),
            text_cell(d.dataset),
            time_cell(summary, d.started_at),
            text_cell(d.status),
            text_cell(d.outcome),
            count_cell(d.rules_failed),
            text_cell(d.approval_status),
        ]
        for d in summary.draft_runs
    ]
    return Table(
        "draft_runs",
        "Draft runs (suites not approved by the SIMB)",
        [
            "Suite",
            "System",
            "Dataset",
            "Started",
            "Status",
            "Outcome",
            "Rules failed",
            "Approval status now",
        ],
        rows,
        "No draft runs in the period.",
    )


def all_tables(summary: SimbSummary) -> dict[str, Table]:
    """Every table of the summary, by key, in the order the board paper shows them."""
    tables = [
        headline_table(summary),
        systems_table(summary),
        approvals_table(summary),
        schedule_table(summary),
        quality_table(summary),
        trends_table(summary),
        heatmap_table(summary),
        findings_band_table(summary),
        findings_status_table(summary),
        overdue_table(summary),
        draft_runs_table(summary),
        quality_detail_table(summary),
    ]
    return {table.key: table for table in tables}


def _band_cell(summary: SimbSummary, band: str | None) -> Cell:
    colour = summary.risk.bands[band].colour if band in summary.risk.bands else None
    return text_cell(band, colour)


def _weighting_caption(summary: SimbSummary) -> str:
    rag = summary.settings.rag
    how = {
        "rows": "100 × (1 − failing rows ÷ rows checked) over the dimension's row-level rules",
        "rules": "the mean of each row-level rule's pass rate (every rule weighs the same)",
        "risk": "each row-level rule's pass rate weighted by its likelihood × impact",
    }[summary.settings.weighting]
    return (
        f"Score = {how}, from each suite's latest complete run in the period. "
        f"Green ≥ {rag.green:g} %, Amber ≥ {rag.amber:g} %, else Red; a failing table-level "
        "check or a check that could not be evaluated makes it Red."
    )
