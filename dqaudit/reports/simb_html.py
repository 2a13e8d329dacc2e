"""The SIMB summary as one self-contained HTML file: jinja2 with autoescape, CSS and charts
inline, and a Content-Security-Policy that forbids every network resource and script, so
it opens from an email attachment on a locked-down desktop and prints as board papers.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from dqaudit.reports.charts import axis_format, trend_svg
from dqaudit.reports.simb import SimbSummary
from dqaudit.reports.table_cells import RAG_COLOURS, score_cell
from dqaudit.reports.tables import all_tables, green_with_top_band
from dqaudit.version import __version__

SAFE_CSS_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.,:;()/"
)


def css_string(text: str) -> Markup:
    """A CSS string literal showing ``text`` exactly: anything but plain characters is a
    CSS hex escape, so a marking can never close the string or the style element."""
    escaped = "".join(
        char if char in SAFE_CSS_CHARACTERS else f"\\{ord(char):06X}" for char in str(text)
    )
    return Markup(f'"{escaped}"')


def ink(fill: str) -> str:
    """Black or white text, whichever reads better on the fill colour (WCAG luminance)."""
    red, green, blue = (int(fill[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    return "#000000" if luminance > 0.179 else "#FFFFFF"


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("dqaudit.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    environment.filters["css_string"] = css_string
    environment.filters["ink"] = ink
    environment.filters["num"] = lambda value: f"{value:g}"
    return environment


def _when(summary: SimbSummary) -> str:
    local = summary.local(summary.generated_at)
    return f"{local.day} {local:%B %Y at %H:%M}"


def _charts(summary: SimbSummary) -> list[dict[str, Any]]:
    """One trend chart per system, every one with the same time-axis format."""
    charts = []
    axis = axis_format(
        [[summary.local(point.at) for point in trend.points] for trend in summary.trends]
    )
    for index, trend in enumerate(summary.trends, start=1):
        if not trend.points:
            continue
        svg = trend_svg(
            [summary.local(point.at) for point in trend.points],
            [point.score.value for point in trend.points],
            summary.settings.rag,
            chart_id=f"simb-trend-{index}",
            description=f"Overall quality score of {trend.system} over its last audits",
            label_format=axis,
        )
        charts.append({"system": trend.system, "svg": Markup(svg)})
    return charts


def render_html(summary: SimbSummary) -> str:
    """The whole summary as an HTML document (a string)."""
    template = _environment().get_template("simb.html")
    as_of = f"{summary.as_of.day} {summary.as_of:%B %Y}"
    return template.render(
        summary=summary,
        tables=all_tables(summary),
        charts=_charts(summary),
        rag_colours=RAG_COLOURS,
        overall=score_cell(summary.fleet.overall, summary),
        top_band_open=sum(1 for e in summary.register if e.band == summary.top_band),
        green_and_high=green_with_top_band(summary),
        generated=_when(summary),
        as_of=as_of,
        footer=f"{summary.title}, {summary.period.label}",
        version=__version__,
    )
