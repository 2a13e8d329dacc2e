"""Trend charts drawn by matplotlib as inline SVG: no image files, no network, no font fetch.

matplotlib is imported here only (it takes about half a second), through its
object-oriented API with the Agg-free SVG canvas, so no global backend or pyplot state is
touched. Text stays text in the SVG (``svg.fonttype: none``) with generic sans-serif
fallbacks, so nothing is embedded or fetched, and element ids are salted per chart so
several charts can sit inline in one HTML document without clashing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from markupsafe import escape

from dqaudit.reports.quality import floor_score
from dqaudit.workspace.report_settings import RagThresholds

LINE = "#1F4E79"
THRESHOLD_STYLE = {"Green": "#2E7D32", "Amber": "#B7791F"}
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_ID_USES = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


def trend_svg(
    moments: Sequence[datetime],
    scores: Sequence[float | None],
    thresholds: RagThresholds,
    *,
    chart_id: str,
    description: str,
) -> str:
    """A small line chart of scores (%) against audit dates, with the RAG thresholds.

    ``moments`` are local times; labels show the date, or the time too when two audits
    fall on one day. Only numbers and dates are drawn: names stay in the HTML around it.
    """
    import matplotlib
    from matplotlib.figure import Figure

    labels = [f"{m.day} {m:%b %y}" for m in moments]
    for detailed in ("%H:%M", "%H:%M:%S"):
        if len(set(labels)) == len(labels):
            break
        labels = [f"{m.day} {m:%b} {m:{detailed}}" for m in moments]
    settings: dict[str, Any] = {
        "svg.fonttype": "none",
        "svg.hashsalt": chart_id,
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "Liberation Sans"],
        "font.size": 9,
    }
    with matplotlib.rc_context(settings):  # type: ignore[arg-type]  # stubs: rc keys as Literals
        figure = Figure(figsize=(6.4, 2.0), dpi=100)
        axes = figure.add_subplot()
        positions = list(range(len(scores)))
        values = [float("nan") if s is None else s for s in scores]
        measured = [v for v in values if v == v]
        low = min([*measured, thresholds.amber, thresholds.green], default=thresholds.amber)
        axes.set_ylim(max(0.0, low - max(2.0, (100 - low) * 0.15)), 100.5)
        for name, level in (("Green", thresholds.green), ("Amber", thresholds.amber)):
            axes.axhline(level, color=THRESHOLD_STYLE[name], linestyle="--", linewidth=0.9)
            axes.annotate(
                f"{name} ≥ {level:g} %",
                xy=(1.0, level),
                xycoords=("axes fraction", "data"),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
                color=THRESHOLD_STYLE[name],
            )
        axes.plot(positions, values, color=LINE, marker="o", linewidth=1.8, markersize=4)
        for x, value in zip(positions, values, strict=True):
            if value == value:
                axes.annotate(
                    f"{floor_score(value):.2f}",  # as the tables show it: rounded down
                    (x, value),
                    xytext=(0, 6),
                    textcoords="offset points",
                    ha="center",
                    fontsize=7,
                )
        axes.set_xticks(positions, labels)
        axes.set_xlim(-0.5, max(len(positions) - 0.5, 0.5))
        axes.set_ylabel("score (%)")
        axes.spines[["top", "right"]].set_visible(False)
        axes.grid(axis="y", linewidth=0.3, alpha=0.5)
        figure.subplots_adjust(left=0.09, right=0.84, bottom=0.14, top=0.93)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = _METADATA.sub("", _PROLOGUE.sub("", buffer.getvalue(), count=1), count=1)
    svg = _scope_ids(svg, chart_id)
    label = escape(description)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" class="chart" ', 1)


def _scope_ids(svg: str, chart_id: str) -> str:
    """Prefix every id (and each reference to one) with the chart's id: matplotlib names
    its groups ``figure_1``, ``axes_1``…, which would repeat across charts in one page."""
    return _ID_USES.sub(lambda match: f"{match.group(1)}{chart_id}-{match.group(2)}", svg)
