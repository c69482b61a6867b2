"""The trend chart on each page of the report: a Vega-Lite specification (built with Altair), rendered to inline
SVG by `vl-convert`, with its text alternative.

Apart from the page layout (`report_document`) because it is the one part of the report that needs a charting
library and a renderer: `vl-convert` bundles the Vega runtime, so the chart is drawn here and the file loads
nothing from a network. The specification travels with each chart as JSON for anyone who wants to re-render it
interactively, and every chart has a text alternative (the data table under it is the page's).
"""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import vl_convert

from warehouse.report_format import as_float, esc, formatted

CHART_PERIODS = 20


def chart_spec(series: pd.DataFrame, title: str, unit: str, area_name: str) -> dict:
    """Vega-Lite: the council's values with their 95% interval, and England's, by period."""
    rows = []
    for row in series.itertuples():
        rows.append(
            {
                "period": row.period_label,
                "order": str(row.period_end),
                "series": area_name,
                "value": as_float(row.value),
                "lower": as_float(row.lower_95),
                "upper": as_float(row.upper_95),
            }
        )
        if as_float(row.england_value) is not None and unit != "count":
            rows.append(
                {
                    "period": row.period_label,
                    "order": str(row.period_end),
                    "series": "England",
                    "value": as_float(row.england_value),
                    "lower": None,
                    "upper": None,
                }
            )
    data = pd.DataFrame(rows)
    order = list(dict.fromkeys(series.sort_values("period_end")["period_label"]))
    x = alt.X("period:N", sort=order, title="Period", axis=alt.Axis(labelAngle=-40, labelLimit=140))
    y_title = "Per cent" if unit == "percent" else unit.capitalize()
    colour = alt.Color(
        "series:N", scale=alt.Scale(domain=[area_name, "England"], range=["#1d4e89", "#b35806"]), title=None
    )
    dash = alt.StrokeDash(
        "series:N", scale=alt.Scale(domain=[area_name, "England"], range=[[1, 0], [6, 4]]), title=None
    )
    shape = alt.Shape(
        "series:N", scale=alt.Scale(domain=[area_name, "England"], range=["circle", "square"]), title=None
    )
    base = alt.Chart(data)
    band = (
        base.transform_filter("datum.lower != null")
        .mark_errorbar(ticks=True, color="#1d4e89")
        .encode(x=x, y=alt.Y("lower:Q", title=y_title, scale=alt.Scale(zero=False)), y2="upper:Q")
    )
    lines = base.mark_line(point=False).encode(x=x, y=alt.Y("value:Q", title=y_title), color=colour, strokeDash=dash)
    points = base.mark_point(filled=True, size=50).encode(x=x, y="value:Q", color=colour, shape=shape)
    chart = (band + lines + points).properties(width=560, height=240, title=title)
    return chart.to_dict()


def render_chart(spec: dict, alt_text: str) -> str:
    """Inline SVG of the spec, labelled for screen readers."""
    svg = vl_convert.vegalite_to_svg(spec)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{esc(alt_text)}" ', 1)


def alt_text(series: pd.DataFrame, title: str, unit: str, area_name: str) -> str:
    """The chart in words: the first and latest values, England's latest, and where the full table is."""
    first, last = series.iloc[0], series.iloc[-1]
    england = f"; England {formatted(last.england_value, unit)}" if as_float(last.england_value) is not None else ""
    return (
        f"Line chart of {title} for {area_name}, {first.period_label} to {last.period_label}: "
        f"from {formatted(first.value, unit)} to {formatted(last.value, unit)}{england}. "
        "The table below the chart gives every value."
    )


def trend_figure(series: pd.DataFrame, title: str, unit: str, area_name: str) -> tuple[str, int]:
    """The page's chart of its last `CHART_PERIODS` periods as an HTML figure, and how many charts it drew (0 or 1)."""
    charted = series.tail(CHART_PERIODS)
    if len(charted) < 2:
        return "<p>No chart: fewer than two periods are available.</p>", 0
    spec = chart_spec(charted, title, unit, area_name)
    description = alt_text(charted, title, unit, area_name)
    return (
        f"<figure class='chart'>{render_chart(spec, description)}"
        f"<figcaption>{esc(description)}</figcaption>"
        f"<script type='application/vnd.vegalite+json' class='chart-spec'>{json.dumps(spec)}</script></figure>",
        1,
    )
