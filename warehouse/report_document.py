"""The Outcomes Monitoring Report as one self-contained HTML file: a page per indicator, as the committee reads it.

Each page has the headline figure, its comparison with England, the region and the statistical neighbours,
a trend chart with England, the table of recent periods under the chart, caveats, the source, and the commentary
stub. Charts are Vega-Lite specifications (built with Altair) rendered here to inline SVG by `vl-convert`,
which bundles the Vega runtime: the file loads nothing from a network, so it opens on a council laptop with
no internet, prints, and passes through email. The specification travels with each chart as JSON for anyone who
wants to re-render it interactively.

Accessibility: real headings, a summary table, every chart has a text alternative and the data table under it,
and every verdict is a word (with a symbol), never colour alone.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from datetime import date, datetime

import altair as alt
import duckdb
import pandas as pd
import vl_convert

from warehouse.indicator_report import compute_report

RECENT_PERIODS = 8
CHART_PERIODS = 20
SYMBOLS = {
    "better": "▲ better",
    "worse": "▼ worse",
    "similar": "● similar",
    "higher": "▲ higher",
    "lower": "▼ lower",
    "improving": "↗ improving",
    "worsening": "↘ worsening",
    "no significant change": "→ no significant change",
    "increasing": "↑ increasing",
    "decreasing": "↓ decreasing",
}
RAG_WORDS = {"green": "Green: target met", "amber": "Amber: close to target", "red": "Red: target missed"}


@dataclass(frozen=True)
class RenderedReport:
    html: str
    title: str
    pages: int
    charts: int
    period: str


def _number(value: object) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _format(value: object, unit: str) -> str:
    number = _number(value)
    if number is None:
        return "&ndash;"
    if unit == "percent":
        return f"{number:.1f}%"
    if unit == "count":
        return f"{number:,.0f}" if number.is_integer() else f"{number:,.1f}"
    return f"{number:,.1f}"


def _words(verdict: object) -> str:
    if verdict is None or (isinstance(verdict, float) and math.isnan(verdict)):
        return "not assessed"
    return SYMBOLS.get(str(verdict), str(verdict))


def _css_class(verdict: object) -> str:
    return {"better": "good", "improving": "good", "worse": "bad", "worsening": "bad"}.get(str(verdict), "neutral")


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def headline_period_type(series: pd.DataFrame, configured: str | None) -> str:
    """The configured period type when the indicator has it, else the type with the latest period."""
    types = set(series["period_type"])
    if configured and configured in types:
        return configured
    return str(series.sort_values(["period_end", "period_type"]).iloc[-1]["period_type"])


def chart_spec(series: pd.DataFrame, title: str, unit: str, area_name: str) -> dict:
    """Vega-Lite: the council's values with their 95% interval, and England's, by period."""
    rows = []
    for row in series.itertuples():
        rows.append(
            {
                "period": row.period_label,
                "order": str(row.period_end),
                "series": area_name,
                "value": _number(row.value),
                "lower": _number(row.lower_95),
                "upper": _number(row.upper_95),
            }
        )
        if _number(row.england_value) is not None and unit != "count":
            rows.append(
                {
                    "period": row.period_label,
                    "order": str(row.period_end),
                    "series": "England",
                    "value": _number(row.england_value),
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
    return svg.replace("<svg ", f'<svg role="img" aria-label="{_e(alt_text)}" ', 1)


def _alt_text(series: pd.DataFrame, title: str, unit: str, area_name: str) -> str:
    first, last = series.iloc[0], series.iloc[-1]
    england = f"; England {_format(last.england_value, unit)}" if _number(last.england_value) is not None else ""
    return (
        f"Line chart of {title} for {area_name}, {first.period_label} to {last.period_label}: "
        f"from {_format(first.value, unit)} to {_format(last.value, unit)}{england}. "
        "The table below the chart gives every value."
    )


def _table(series: pd.DataFrame, unit: str, area_name: str, caption: str) -> str:
    head = (
        "<tr><th scope='col'>Period</th>"
        f"<th scope='col'>{_e(area_name)}</th><th scope='col'>95% interval</th>"
        "<th scope='col'>Numerator</th><th scope='col'>Denominator</th>"
        "<th scope='col'>England</th><th scope='col'>Region</th><th scope='col'>Neighbours</th>"
        "<th scope='col'>vs England</th><th scope='col'>Change</th></tr>"
    )
    body = []
    for row in series.itertuples():
        interval = (
            f"{_format(row.lower_95, unit)} &ndash; {_format(row.upper_95, unit)}"
            if _number(row.lower_95) is not None
            else "&ndash;"
        )
        body.append(
            f"<tr><th scope='row'>{_e(row.period_label)}</th><td>{_format(row.value, unit)}</td><td>{interval}</td>"
            f"<td>{_format(row.numerator, 'count')}</td><td>{_format(row.denominator, 'count')}</td>"
            f"<td>{_format(row.england_value, unit)}</td><td>{_format(row.region_value, unit)}</td>"
            f"<td>{_format(row.neighbours_mean, unit)}</td><td>{_e(_words(row.vs_england))}</td>"
            f"<td>{_e(_words(row.direction_of_travel))}</td></tr>"
        )
    return f"<table><caption>{_e(caption)}</caption><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"


def _page(series: pd.DataFrame, number: int) -> tuple[str, int]:
    latest = series.iloc[-1]
    unit, title, area = str(latest.unit), str(latest.title), str(latest.area_name)
    anchor = f"indicator-{latest.indicator_id}"
    interval = (
        f" (95% interval {_format(latest.lower_95, unit)} to {_format(latest.upper_95, unit)}, {_e(latest.ci_method)})"
        if _number(latest.lower_95) is not None
        else ""
    )
    comparisons = []
    for label, verdict, value in (
        ("England", latest.vs_england, latest.england_value),
        (latest.region_name or "Region", latest.vs_region, latest.region_value),
        (f"Statistical neighbours (mean of {latest.neighbours_count})", latest.vs_neighbours, latest.neighbours_mean),
    ):
        if unit == "count":
            comparisons.append(f"<li>Not compared with {_e(label)}: a count depends on the size of the area.</li>")
            continue
        comparisons.append(
            f"<li><span class='verdict {_css_class(verdict)}'>{_e(_words(verdict))}</span> compared with "
            f"{_e(label)}: {_format(value, unit)}</li>"
        )
    rag = RAG_WORDS.get(str(latest.rag_status)) if latest.rag_status else None
    charted = series.tail(CHART_PERIODS)
    charts = 0
    chart_html = "<p>No chart: fewer than two periods are available.</p>"
    if len(charted) >= 2:
        spec = chart_spec(charted, title, unit, area)
        alt_text = _alt_text(charted, title, unit, area)
        chart_html = (
            f"<figure class='chart'>{render_chart(spec, alt_text)}"
            f"<figcaption>{_e(alt_text)}</figcaption>"
            f"<script type='application/vnd.vegalite+json' class='chart-spec'>{json.dumps(spec)}</script></figure>"
        )
        charts = 1
    caveats = [c for c in str(latest.caveats or "").split("; ") if c]
    caveat_html = "".join(f"<li>{_e(c)}</li>" for c in caveats) or "<li>None recorded.</li>"
    trend = f"{_words(latest.trend)} ({_e(latest.trend_method)})" if latest.trend_method else "not assessed"
    return (
        f"""
<section class="page indicator" id="{_e(anchor)}" aria-labelledby="{_e(anchor)}-title">
  <h2 id="{_e(anchor)}-title">{number}. {_e(title)}</h2>
  <p class="meta">Indicator <code>{_e(latest.indicator_id)}</code> · {_e(unit)} · polarity: {_e(latest.polarity)}</p>
  <div class="headline">
    <p class="figure"><span class="value">{_format(latest.value, unit)}</span>
       <span class="period">{_e(area)}, {_e(latest.period_label)}</span></p>
    <p>{_format(latest.value, unit)}{interval}.</p>
    {_rag_html(latest, rag, unit)}
  </div>
  <h3>Comparison</h3>
  <ul class="comparisons">{"".join(comparisons)}</ul>
  <p>Basis: {_e(latest.significance_basis)}.</p>
  <h3>Direction of travel</h3>
  <p>Against {_e(latest.previous_period_label or "no earlier comparable period")}
     ({_format(latest.previous_value, unit)}):
     <span class="verdict {_css_class(latest.direction_of_travel)}">{_e(_words(latest.direction_of_travel))}</span>.
     Trend: {trend}.</p>
  <h3>Trend</h3>
  {chart_html}
  {_table(series.tail(RECENT_PERIODS), unit, area, f"{title}: recent periods")}
  <h3>Caveats</h3>
  <ul>{caveat_html}</ul>
  <h3>Commentary</h3>
  <div class="commentary" contenteditable="true"><p>{_e(latest.commentary)}</p></div>
  <p class="source">Source: <a href="{_e(latest.source_url)}">{_e(latest.source_url)}</a>
     (file sha256 <code>{_e(latest.source_sha256)}</code>; retrieved {_e(latest.as_of)};
     published {_e(latest.published_at or "date not given")}{"; provisional" if latest.provisional else ""}).</p>
</section>""",
        charts,
    )


def _rag_html(latest: object, rag: str | None, unit: str) -> str:
    if not rag:
        return ""
    target = _format(latest.target, unit)
    return f"<p class='rag rag-{_e(latest.rag_status)}'><strong>{_e(rag)}</strong> (local target {target})</p>"


def _changes_table(changes: pd.DataFrame, titles: dict[str, str]) -> str:
    """Per indicator and kind of change, the periods affected (the full list is `marts.changes_since`)."""
    if changes.empty:
        return "<p>No new periods or revised values.</p>"
    rows = []
    for (indicator_id, change), group in changes.groupby(["indicator_id", "change"], sort=True):
        periods = list(dict.fromkeys(group.sort_values("period_end")["period_label"]))
        shown = ", ".join(periods[-6:]) + (f" and {len(periods) - 6} earlier" if len(periods) > 6 else "")
        rows.append(
            f"<tr><th scope='row'>{_e(titles.get(indicator_id, indicator_id))}</th><td>{_e(change)}</td>"
            f"<td>{len(group)}</td><td>{_e(shown)}</td></tr>"
        )
    return (
        "<table><caption>New periods, revised and withdrawn values (every variant)</caption><thead><tr>"
        "<th scope='col'>Indicator</th><th scope='col'>Change</th><th scope='col'>Values</th>"
        f"<th scope='col'>Periods</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


STYLE = """
body { font-family: Arial, Helvetica, sans-serif; margin: 2rem auto; max-width: 60rem; color: #1b1b1b; }
body { line-height: 1.4; }
h1 { font-size: 1.8rem; } h2 { font-size: 1.4rem; border-bottom: 2px solid #1d4e89; padding-bottom: .2rem; }
h3 { font-size: 1.1rem; margin-bottom: .3rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid #999; padding: .25rem .5rem; text-align: left; }
th[scope=row], caption { text-align: left; } caption { font-weight: bold; padding: .3rem 0; }
.figure .value { font-size: 2.4rem; font-weight: bold; margin-right: 1rem; }
.verdict.good { color: #1a7a3a; } .verdict.bad { color: #b00020; } .verdict { font-weight: bold; }
.rag-green { border-left: 6px solid #1a7a3a; padding-left: .5rem; }
.rag-amber { border-left: 6px solid #c27c00; padding-left: .5rem; }
.rag-red { border-left: 6px solid #b00020; padding-left: .5rem; }
.commentary { border: 1px dashed #666; padding: .3rem .6rem; background: #f7f7f7; }
.page { page-break-after: always; margin-bottom: 3rem; }
figure.chart { margin: 0; } figure.chart svg { max-width: 100%; height: auto; }
.meta, .source { font-size: .85rem; color: #444; }
"""


def load_report(
    con: duckdb.DuckDBPyConnection, as_of: datetime | None = None, neighbours_version: str | None = None
) -> pd.DataFrame:
    """The report rows: `marts.indicator_report` as built, or rebuilt from the history as at `as_of`."""
    if as_of is None:
        return con.execute("select * from marts.indicator_report").df()
    return compute_report(con, as_of=as_of, neighbours_version=neighbours_version)


def render_report(
    con: duckdb.DuckDBPyConnection,
    area_code: str,
    outcome: str = "safe",
    period_end: date | None = None,
    as_of: datetime | None = None,
    neighbours_version: str | None = None,
) -> RenderedReport:
    """Render the report for `area_code` from a warehouse or the published snapshot.

    `period_end`: show, for each indicator, its latest period ending on or before this date (default: latest).
    `as_of`: rebuild every figure as it stood at that time from the value history.
    """
    report = load_report(con, as_of, neighbours_version)
    report = report[report["area_code"] == area_code]
    if period_end is not None:
        report = report[pd.to_datetime(report["period_end"]).dt.date <= period_end]
    if report.empty:
        raise ValueError(
            f"no indicator values for {area_code} in the warehouse{' by ' + str(period_end) if period_end else ''}"
        )
    configured = dict(con.execute("select indicator_id, headline_period_type from marts.report_indicators").fetchall())
    area_name = str(report["area_name"].dropna().iloc[0])
    pages, summary, charts = [], [], 0
    latest_end = None
    indicators = report.sort_values(["page_order", "indicator_id"])["indicator_id"].drop_duplicates()
    for number, indicator_id in enumerate(indicators, start=1):
        rows = report[report["indicator_id"] == indicator_id]
        period_type = headline_period_type(rows, configured.get(indicator_id))
        series = rows[rows["period_type"] == period_type].sort_values("period_end")
        page, drawn = _page(series, number)
        pages.append(page)
        charts += drawn
        latest = series.iloc[-1]
        latest_end = max(latest_end or latest.period_end, latest.period_end)
        unit = str(latest.unit)
        summary.append(
            f"<tr><th scope='row'><a href='#indicator-{_e(indicator_id)}'>{_e(latest.title)}</a></th>"
            f"<td>{_e(latest.period_label)}</td><td>{_format(latest.value, unit)}</td>"
            f"<td>{'not compared: a count' if unit == 'count' else _e(_words(latest.vs_england))}</td>"
            f"<td>{_e(_words(latest.direction_of_travel))}</td>"
            f"<td>{_e(RAG_WORDS.get(str(latest.rag_status), 'no target'))}</td></tr>"
        )
    period = str(pd.Timestamp(latest_end).date())
    title = f"Outcomes Monitoring Report: {outcome.capitalize()}: {area_name}, data to {period}"
    titles = dict(zip(report["indicator_id"], report["title"], strict=True))
    changes = _changes(con, area_code, as_of)
    since = _since_words(changes)
    built = "as it stood at " + str(as_of) if as_of else "from the current warehouse"
    document = f"""<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title><style>{STYLE}</style></head>
<body>
<header>
  <h1>{_e(title)}</h1>
  <p>Population indicators of the "{_e(outcome.capitalize())}" outcome for {_e(area_name)} ({_e(area_code)}),
     compared with England, the region and statistical neighbours, built {_e(built)}. Members are invited to
     consider the evidence and commentaries and decide whether they are comfortable with the direction of travel.</p>
</header>
<main>
<section aria-labelledby="summary-title">
  <h2 id="summary-title">Summary</h2>
  <table><caption>Each indicator's latest period</caption>
  <thead><tr><th scope="col">Indicator</th><th scope="col">Period</th><th scope="col">Value</th>
  <th scope="col">vs England</th><th scope="col">Direction of travel</th><th scope="col">Local target</th></tr></thead>
  <tbody>{"".join(summary)}</tbody></table>
  <p>"Similar", "better" and "worse" compare the 95% confidence interval with the benchmark; "higher" and "lower"
     are used where no judgement of better or worse applies. Arrows repeat the words; colour is never the only
     signal.</p>
</section>
<section aria-labelledby="changes-title">
  <h2 id="changes-title">What changed since {_e(since)}</h2>
  {_changes_table(changes, titles)}
</section>
{"".join(pages)}
</main>
</body>
</html>
"""
    return RenderedReport(document, title, len(pages), charts, period)


def _since_words(changes: pd.DataFrame) -> str:
    if changes.empty or "since" not in changes:
        return "the previous build"
    since = pd.Timestamp(changes["since"].iloc[0])
    return "the first build (every value is new)" if since.year < 1900 else f"{since:%d %B %Y %H:%M}"


def _changes(con: duckdb.DuckDBPyConnection, area_code: str, as_of: datetime | None) -> pd.DataFrame:
    """The council's rows of `marts.changes_since` (not meaningful for a rebuild at an earlier date)."""
    if as_of is not None:
        return pd.DataFrame()
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'marts' and table_name = 'changes_since'"
    ).fetchall()[0][0]
    if not exists:
        return pd.DataFrame()
    return con.execute(
        "select * from marts.changes_since where area_code = ? order by indicator_id, period_end, variant",
        [area_code],
    ).df()
