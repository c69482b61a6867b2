"""The Outcomes Monitoring Report as one self-contained HTML file: a page per indicator, as the committee reads it.

Each page has the headline figure, its comparison with England, the region and the statistical neighbours,
a trend chart with England, the table of recent periods under the chart, caveats, the source, and the commentary
stub. The charts are drawn as inline SVG by `report_charts` and figures and verdicts are written by
`report_format`, so this module is the page layout alone: the file loads nothing from a network, so it opens on
a council laptop with no internet, prints, and passes through email.

Accessibility: real headings, a summary table, every chart has a text alternative and the data table under it,
and every verdict is a word (with a symbol), never colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from warehouse.indicator_report import compute_report
from warehouse.report_charts import trend_figure
from warehouse.report_format import as_float, css_class, esc, formatted, words

RECENT_PERIODS = 8
RAG_WORDS = {"green": "Green: target met", "amber": "Amber: close to target", "red": "Red: target missed"}


@dataclass(frozen=True)
class RenderedReport:
    html: str
    title: str
    pages: int
    charts: int
    period: str


def headline_period_type(series: pd.DataFrame, configured: str | None) -> str:
    """The configured period type when the indicator has it, else the type with the latest period."""
    types = set(series["period_type"])
    if configured and configured in types:
        return configured
    return str(series.sort_values(["period_end", "period_type"]).iloc[-1]["period_type"])


def _table(series: pd.DataFrame, unit: str, area_name: str, caption: str) -> str:
    head = (
        "<tr><th scope='col'>Period</th>"
        f"<th scope='col'>{esc(area_name)}</th><th scope='col'>95% interval</th>"
        "<th scope='col'>Numerator</th><th scope='col'>Denominator</th>"
        "<th scope='col'>England</th><th scope='col'>Region</th><th scope='col'>Neighbours</th>"
        "<th scope='col'>vs England</th><th scope='col'>Change</th></tr>"
    )
    body = []
    for row in series.itertuples():
        interval = (
            f"{formatted(row.lower_95, unit)} &ndash; {formatted(row.upper_95, unit)}"
            if as_float(row.lower_95) is not None
            else "&ndash;"
        )
        body.append(
            f"<tr><th scope='row'>{esc(row.period_label)}</th><td>{formatted(row.value, unit)}</td><td>{interval}</td>"
            f"<td>{formatted(row.numerator, 'count')}</td><td>{formatted(row.denominator, 'count')}</td>"
            f"<td>{formatted(row.england_value, unit)}</td><td>{formatted(row.region_value, unit)}</td>"
            f"<td>{formatted(row.neighbours_mean, unit)}</td><td>{esc(words(row.vs_england))}</td>"
            f"<td>{esc(words(row.direction_of_travel))}</td></tr>"
        )
    return f"<table><caption>{esc(caption)}</caption><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"


def _page(series: pd.DataFrame, number: int) -> tuple[str, int]:
    latest = series.iloc[-1]
    unit, title, area = str(latest.unit), str(latest.title), str(latest.area_name)
    anchor = f"indicator-{latest.indicator_id}"
    interval = (
        f" (95% interval {formatted(latest.lower_95, unit)} to {formatted(latest.upper_95, unit)}, "
        f"{esc(latest.ci_method)})"
        if as_float(latest.lower_95) is not None
        else ""
    )
    comparisons = []
    for label, verdict, value in (
        ("England", latest.vs_england, latest.england_value),
        (latest.region_name or "Region", latest.vs_region, latest.region_value),
        (f"Statistical neighbours (mean of {latest.neighbours_count})", latest.vs_neighbours, latest.neighbours_mean),
    ):
        if unit == "count":
            comparisons.append(f"<li>Not compared with {esc(label)}: a count depends on the size of the area.</li>")
            continue
        comparisons.append(
            f"<li><span class='verdict {css_class(verdict)}'>{esc(words(verdict))}</span> compared with "
            f"{esc(label)}: {formatted(value, unit)}</li>"
        )
    rag = RAG_WORDS.get(str(latest.rag_status)) if latest.rag_status else None
    chart_html, charts = trend_figure(series, title, unit, area)
    caveats = [c for c in str(latest.caveats or "").split("; ") if c]
    caveat_html = "".join(f"<li>{esc(c)}</li>" for c in caveats) or "<li>None recorded.</li>"
    trend = f"{words(latest.trend)} ({esc(latest.trend_method)})" if latest.trend_method else "not assessed"
    return (
        f"""
<section class="page indicator" id="{esc(anchor)}" aria-labelledby="{esc(anchor)}-title">
  <h2 id="{esc(anchor)}-title">{number}. {esc(title)}</h2>
  <p class="meta">Indicator <code>{esc(latest.indicator_id)}</code> · {esc(unit)} · polarity: {esc(latest.polarity)}</p>
  <div class="headline">
    <p class="figure"><span class="value">{formatted(latest.value, unit)}</span>
       <span class="period">{esc(area)}, {esc(latest.period_label)}</span></p>
    <p>{formatted(latest.value, unit)}{interval}.</p>
    {_rag_html(latest, rag, unit)}
  </div>
  <h3>Comparison</h3>
  <ul class="comparisons">{"".join(comparisons)}</ul>
  <p>Basis: {esc(latest.significance_basis)}.</p>
  <h3>Direction of travel</h3>
  <p>Against {esc(latest.previous_period_label or "no earlier comparable period")}
     ({formatted(latest.previous_value, unit)}):
     <span class="verdict {css_class(latest.direction_of_travel)}">{esc(words(latest.direction_of_travel))}</span>.
     Trend: {trend}.</p>
  <h3>Trend</h3>
  {chart_html}
  {_table(series.tail(RECENT_PERIODS), unit, area, f"{title}: recent periods")}
  <h3>Caveats</h3>
  <ul>{caveat_html}</ul>
  <h3>Commentary</h3>
  <div class="commentary" contenteditable="true"><p>{esc(latest.commentary)}</p></div>
  <p class="source">Source: <a href="{esc(latest.source_url)}">{esc(latest.source_url)}</a>
     (file sha256 <code>{esc(latest.source_sha256)}</code>; retrieved {esc(latest.as_of)};
     published {esc(latest.published_at or "date not given")}{"; provisional" if latest.provisional else ""}).</p>
</section>""",
        charts,
    )


def _rag_html(latest: object, rag: str | None, unit: str) -> str:
    if not rag:
        return ""
    target = formatted(latest.target, unit)
    return f"<p class='rag rag-{esc(latest.rag_status)}'><strong>{esc(rag)}</strong> (local target {target})</p>"


def _changes_table(changes: pd.DataFrame, titles: dict[str, str]) -> str:
    """Per indicator and kind of change, the periods affected (the full list is `marts.changes_since`)."""
    if changes.empty:
        return "<p>No new periods or revised values.</p>"
    rows = []
    for (indicator_id, change), group in changes.groupby(["indicator_id", "change"], sort=True):
        periods = list(dict.fromkeys(group.sort_values("period_end")["period_label"]))
        shown = ", ".join(periods[-6:]) + (f" and {len(periods) - 6} earlier" if len(periods) > 6 else "")
        rows.append(
            f"<tr><th scope='row'>{esc(titles.get(indicator_id, indicator_id))}</th><td>{esc(change)}</td>"
            f"<td>{len(group)}</td><td>{esc(shown)}</td></tr>"
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
            f"<tr><th scope='row'><a href='#indicator-{esc(indicator_id)}'>{esc(latest.title)}</a></th>"
            f"<td>{esc(latest.period_label)}</td><td>{formatted(latest.value, unit)}</td>"
            f"<td>{'not compared: a count' if unit == 'count' else esc(words(latest.vs_england))}</td>"
            f"<td>{esc(words(latest.direction_of_travel))}</td>"
            f"<td>{esc(RAG_WORDS.get(str(latest.rag_status), 'no target'))}</td></tr>"
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
<title>{esc(title)}</title><style>{STYLE}</style></head>
<body>
<header>
  <h1>{esc(title)}</h1>
  <p>Population indicators of the "{esc(outcome.capitalize())}" outcome for {esc(area_name)} ({esc(area_code)}),
     compared with England, the region and statistical neighbours, built {esc(built)}. Members are invited to
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
  <h2 id="changes-title">What changed since {esc(since)}</h2>
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
