"""The trend chart on each page of the report: a Vega-Lite specification (built with Altair), rendered to inline
SVG by `vl-convert`, with its text alternative.

Apart from the page layout (`report_document`) because it is the one part of the report that needs a charting
library and a renderer: `vl-convert` bundles the Vega runtime, so the chart is drawn here and the file loads
nothing from a network. The specification travels with each chart as JSON for anyone who wants to re-render it
interactively, and every chart has a text alternative (the data table under it is the page's).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import pandas as pd

from warehouse.report_format import as_float, esc, formatted

CHART_PERIODS = 20
# What a chart is drawn from: a figure whose inputs hash the same is the same figure, to the byte.
CHART_INPUTS = [
    "period_label", "period_end", "value", "lower_95", "upper_95",
    "england_value", "region_value", "neighbours_mean", "region_name",
]  # fmt: skip
FIGURE = re.compile(r"<figure class='chart' data-inputs='([0-9a-f]{64})'>.*?</figure>", re.S)


# Each comparator's colour, dash and point shape; the council's is the first.
STYLES = {
    "council": ("#1d4e89", [1, 0], "circle"),
    "England": ("#b35806", [6, 4], "square"),
    "region": ("#542788", [2, 2], "triangle-up"),
    "neighbours": ("#1b7837", [8, 2, 2, 2], "diamond"),
}


def series_rows(series: pd.DataFrame, unit: str, area_name: str) -> pd.DataFrame:
    """The values drawn: the council's with its 95% interval, and (not for a count) England's, the region's and
    the neighbours' average, each only where it has a value."""
    region = str(series["region_name"].dropna().iloc[-1]) if series["region_name"].notna().any() else "Region"
    comparators = [(area_name, "value", "council")]
    if unit != "count":
        comparators += [
            ("England", "england_value", "England"),
            (region, "region_value", "region"),
            ("Statistical neighbours' average", "neighbours_mean", "neighbours"),
        ]
    rows = []
    for row in series.itertuples():
        for label, column, style in comparators:
            value = as_float(getattr(row, column))
            if value is None:
                continue
            council = style == "council"
            rows.append(
                {
                    "period": row.period_label,
                    "order": str(row.period_end),
                    "series": label,
                    "style": style,
                    "value": value,
                    "lower": as_float(row.lower_95) if council else None,
                    "upper": as_float(row.upper_95) if council else None,
                }
            )
    return pd.DataFrame(rows, columns=["period", "order", "series", "style", "value", "lower", "upper"])


def drawn_series(data: pd.DataFrame) -> pd.DataFrame:
    """One row per series with a value, in the legend's order (the council first)."""
    return data.drop_duplicates("series").sort_values("style", key=lambda styles: styles.map(list(STYLES).index))


def chart_spec(series: pd.DataFrame, title: str, unit: str, area_name: str) -> dict:
    """Vega-Lite: the council's values with their 95% interval, and each comparator's, by period. The legend
    lists exactly the series that have a value to draw."""
    import altair as alt  # a quarter of a second to import: only a report that draws a chart pays for it

    data = series_rows(series, unit, area_name)
    drawn = drawn_series(data)
    domain = list(drawn["series"])
    styles = [STYLES[style] for style in drawn["style"]]
    order = list(dict.fromkeys(series.sort_values("period_end")["period_label"]))
    x = alt.X("period:N", sort=order, title="Period", axis=alt.Axis(labelAngle=-40, labelLimit=140))
    y_title = "Per cent" if unit == "percent" else unit.capitalize()
    colour = alt.Color(
        "series:N", scale=alt.Scale(domain=domain, range=[s[0] for s in styles]), title=None, sort=domain
    )
    dash = alt.StrokeDash(
        "series:N", scale=alt.Scale(domain=domain, range=[s[1] for s in styles]), title=None, sort=domain
    )
    shape = alt.Shape("series:N", scale=alt.Scale(domain=domain, range=[s[2] for s in styles]), title=None, sort=domain)
    # Inline values, not a DataFrame: Altair hashes a frame through its text form, which costs more than the chart.
    values = data.astype(object).where(data.notna(), None).to_dict("records")
    base = alt.Chart(alt.Data(values=values))
    band = (
        base.transform_filter("datum.lower != null")
        .mark_errorbar(ticks=True, color=STYLES["council"][0])
        .encode(x=x, y=alt.Y("lower:Q", title=y_title, scale=alt.Scale(zero=False)), y2="upper:Q")
    )
    lines = base.mark_line(point=False).encode(x=x, y=alt.Y("value:Q", title=y_title), color=colour, strokeDash=dash)
    points = base.mark_point(filled=True, size=50).encode(x=x, y="value:Q", color=colour, shape=shape)
    chart = (band + lines + points).properties(width=560, height=240, title=title)
    # Altair's check of the spec against Vega-Lite's JSON schema took a quarter of the report's time, for a spec
    # built the same way every time; vl-convert, which draws it next, refuses a spec it cannot draw anyway.
    return chart.to_dict(validate=False)


def render_chart(spec: dict, alt_text: str) -> str:
    """Inline SVG of the spec, labelled for screen readers."""
    import vl_convert

    svg = vl_convert.vegalite_to_svg(spec)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{esc(alt_text)}" ', 1)


def alt_text(series: pd.DataFrame, title: str, unit: str, area_name: str) -> str:
    """The chart in words: the first and latest values the council has, the comparators drawn, and where the
    full table is."""
    valued = series[series["value"].map(as_float).notna()]
    first, last = (valued.iloc[0], valued.iloc[-1]) if not valued.empty else (series.iloc[0], series.iloc[-1])
    drawn = ", ".join(drawn_series(series_rows(series, unit, area_name))["series"])
    intervals = series["lower_95"].map(as_float).notna().any()
    bars = f"; vertical bars: the 95% interval of {area_name}'s value" if intervals else ""
    return html.unescape(
        f"Line chart of {title} for {area_name}, {first.period_label} to {last.period_label}: "
        f"from {formatted(first.value, unit)} to {formatted(last.value, unit)}. Lines drawn: {drawn}{bars}. "
        "The table below the chart gives every value."
    )


@dataclass
class DrawnCharts:
    """The figures of the report written last, by the hash of what each was drawn from, and what this report drew.

    Drawing a chart (Altair's spec, then vl-convert's SVG) is about half of rendering the report. A run that
    changed one publisher's figures changes a few charts, so a chart whose inputs are unchanged is taken from the
    last report, the same bytes it would be drawn as (`chart_inputs` covers everything the figure is made from,
    this module's code and the libraries' versions included).
    """

    previous: dict[str, str] = field(default_factory=dict)
    drawn: int = 0
    reused: int = 0

    @classmethod
    def from_report(cls, path: Path | None) -> DrawnCharts:
        """The figures of the report at `path` (none when there is no report yet)."""
        if path is None:
            return cls()
        text = path.read_text(encoding="utf-8", errors="replace")
        return cls({found.group(1): found.group(0) for found in FIGURE.finditer(text)})


@lru_cache(maxsize=1)
def _renderer() -> str:
    """This module's code, the text formats' code and the drawing libraries' versions: a change to any of them
    draws every chart again."""
    code = hashlib.sha256()
    for module in (Path(__file__), Path(__file__).with_name("report_format.py")):
        code.update(module.read_bytes())
    return f"{code.hexdigest()} altair {version('altair')} vl-convert {version('vl-convert-python')}"


def chart_inputs(charted: pd.DataFrame, title: str, unit: str, area_name: str) -> str:
    """The sha256 of everything the figure is drawn from (floats by their exact repr)."""
    frame = charted[CHART_INPUTS].astype(object)
    rows = frame.where(frame.notna(), None).to_numpy().tolist()
    text = json.dumps([_renderer(), title, unit, area_name, rows], default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def trend_figure(series: pd.DataFrame, title: str, unit: str, area_name: str, charts: DrawnCharts) -> tuple[str, int]:
    """The page's chart of its last `CHART_PERIODS` periods as an HTML figure, and how many charts it holds (0 or
    1): from `charts` (the last report's figures) when its inputs are unchanged, else drawn."""
    charted = series.tail(CHART_PERIODS)
    if len(charted) < 2:
        return "<p>No chart: fewer than two periods are available.</p>", 0
    key = chart_inputs(charted, title, unit, area_name)
    if key in charts.previous:
        charts.reused += 1
        return charts.previous[key], 1
    spec = chart_spec(charted, title, unit, area_name)
    description = alt_text(charted, title, unit, area_name)
    charts.drawn += 1
    return (
        f"<figure class='chart' data-inputs='{key}'>{render_chart(spec, description)}"
        f"<figcaption>{esc(description)}</figcaption>"
        f"<script type='application/vnd.vegalite+json' class='chart-spec'>{json.dumps(spec)}</script></figure>",
        1,
    )
