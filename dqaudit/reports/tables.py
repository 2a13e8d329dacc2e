"""The SIMB summary as titled tables of cells, so the HTML and the Excel file show the same.

Each table says which rows and columns the board reads; its cells (the value Excel stores,
the text HTML shows, the fill both render) come from ``dqaudit.reports.table_cells``.
Whatever the board reads in one format it can find, with the same figures, in the other.
"""

from __future__ import annotations

from dqaudit.reports.findings_view import OVERDUE
from dqaudit.reports.simb import QualityRow, SimbSummary
from dqaudit.reports.table_cells import (
    RAG_COLOURS,
    Cell,
    Table,
    band_cell,
    count_cell,
    date_cell,
    rag_cell,
    score_cell,
    text_cell,
    time_cell,
    tint,
)


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
        (
            f"Open {summary.top_band or 'top band'} findings",
            sum(1 for e in summary.register if e.band == summary.top_band),
            "listed in the risk register",
        ),
        ("Overdue actions", h.findings_overdue, "open past the agreed (else due) date"),
    ]
    return Table(
        "headline",
        "Headline figures",
        ["Measure", "Count", "What it counts"],
        [[text_cell(name), count_cell(value), text_cell(detail)] for name, value, detail in rows],
    )


def green_with_top_band(summary: SimbSummary) -> list[tuple[str, int]]:
    """Systems Green on quality that hold open findings of the top band, with how many:
    the score counts records that pass, a finding's band weighs what its failure costs."""
    held: dict[str, int] = {}
    for entry in summary.register:
        if entry.band == summary.top_band:
            held[entry.system] = held.get(entry.system, 0) + 1
    return [
        (row.system, held[row.system])
        for row in summary.quality
        if row.system in held and row.overall.rag(summary.settings.rag) == "Green"
    ]


def register_table(summary: SimbSummary) -> Table:
    bands = summary.risk.bands
    rows = [
        [
            text_cell(f"{e.system} / {e.dataset}"),
            text_cell(e.rule_id),
            text_cell(e.rule),
            text_cell(e.dimension.capitalize() if e.dimension else None),
            text_cell(f"{e.likelihood} × {e.impact}" if e.likelihood and e.impact else None),
            Cell(
                e.score,
                str(e.score) if e.score is not None else "–",
                bands[e.band].colour if e.band in bands else None,
                "0",
            ),
            count_cell(e.failing or 0),
            text_cell(
                e.trend
                if e.previous is None
                else f"{e.previous:,} → {e.failing or 0:,} ({e.trend})"
            ),
            text_cell(e.owner),
            text_cell(e.status, RAG_COLOURS["Red"] if e.status == OVERDUE else None),
            date_cell(e.due),
        ]
        for e in summary.register
    ]
    return Table(
        "register",
        f"Risk register: open {summary.top_band or 'top band'} findings and the "
        f"{summary.settings.register_top} highest scored",
        ["System / dataset", "Rule ID", "Rule (and why it matters)", "Dimension",
         "Likelihood × impact", "Score", "Failing records", "Trend (previous → latest)",
         "Owner", "Status", "Due"],
        rows,
        "No open findings.",
    )  # fmt: skip


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
            band_cell(summary, a.band),
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
            band_cell(summary, d.band),
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
        register_table(summary),
        trends_table(summary),
        heatmap_table(summary),
        findings_band_table(summary),
        findings_status_table(summary),
        overdue_table(summary),
        draft_runs_table(summary),
        quality_detail_table(summary),
    ]
    return {table.key: table for table in tables}


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
