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

from warehouse.commentary import commentary_for
from warehouse.indicator_report import compute_report
from warehouse.report_charts import DrawnCharts, trend_figure
from warehouse.report_context import neighbour_group, neighbour_values, same_period, standing, upper_tier_codes
from warehouse.report_format import as_float, css_class, esc, formatted, polarity_words, words
from warehouse.report_sections import (
    Commentary,
    commentary_html,
    csv_link,
    neighbours_html,
    quarterly_html,
    standing_html,
)
from warehouse.report_spine import spine_row, spine_table

RECENT_PERIODS = 8
RAG_WORDS = {"green": "Green: target met", "amber": "Amber: close to target", "red": "Red: target missed"}


# The columns of each page's data table, as its CSV download carries them.
CSV_COLUMNS = [
    "indicator_id", "area_code", "area_name", "period_label", "period_start", "period_end", "value", "lower_95",
    "upper_95", "numerator", "denominator", "england_value", "region_value", "neighbours_mean", "neighbours_count",
    "vs_england", "vs_region", "vs_neighbours", "direction_of_travel", "unit", "source_url",
]  # fmt: skip


@dataclass(frozen=True)
class Registry:
    """What the indicator registry (`marts.indicator_catalogue`) says of an indicator's page."""

    definition: str
    decimals: int | None


@dataclass(frozen=True)
class PageContext:
    """What a page reads beyond its own series."""

    registry: Registry
    peers: pd.DataFrame  # every council's card for the headline period
    neighbours: pd.DataFrame  # the council's neighbour group (rank, code, name, closeness, source_note)
    authorities: set[str]
    quarters: pd.DataFrame  # the council's own quarterly returns for the indicator
    commentary: Commentary | None
    report_period: str
    banner: str  # the notice every page opens with when figures are samples or illustrative
    figures: DrawnCharts  # the last report's figures, and what this one drew


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


def _table(series: pd.DataFrame, unit: str, area_name: str, caption: str, decimals: int | None) -> str:
    head = (
        "<tr><th scope='col'>Period</th>"
        f"<th scope='col'>{esc(area_name)}</th><th scope='col'>95% interval</th>"
        "<th scope='col'>Numerator</th><th scope='col'>Denominator</th>"
        "<th scope='col'>England</th><th scope='col'>Region</th><th scope='col'>Neighbours' average</th>"
        "<th scope='col'>vs England</th><th scope='col'>Change</th></tr>"
    )
    body = []
    for row in series.itertuples():
        interval = (
            f"{formatted(row.lower_95, unit, decimals)} &ndash; {formatted(row.upper_95, unit, decimals)}"
            if as_float(row.lower_95) is not None
            else "&ndash;"
        )
        body.append(
            f"<tr><th scope='row'>{esc(row.period_label)}</th><td>{formatted(row.value, unit, decimals)}</td>"
            f"<td>{interval}</td><td>{formatted(row.numerator, 'count')}</td>"
            f"<td>{formatted(row.denominator, 'count')}</td><td>{formatted(row.england_value, unit, decimals)}</td>"
            f"<td>{formatted(row.region_value, unit, decimals)}</td>"
            f"<td>{formatted(row.neighbours_mean, unit, decimals)}</td><td>{esc(words(row.vs_england))}</td>"
            f"<td>{esc(words(row.direction_of_travel))}</td></tr>"
        )
    return f"<table><caption>{esc(caption)}</caption><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"


def _page(series: pd.DataFrame, number: int, context: PageContext) -> tuple[str, int]:
    latest = series.iloc[-1]
    unit, title, area = str(latest.unit), str(latest.title), str(latest.area_name)
    decimals = context.registry.decimals
    anchor = f"indicator-{latest.indicator_id}"
    interval = (
        f" (95% interval {formatted(latest.lower_95, unit, decimals)} to {formatted(latest.upper_95, unit, decimals)}, "
        f"{esc(latest.ci_method)})"
        if as_float(latest.lower_95) is not None
        else ""
    )
    group = context.neighbours
    model = str(group["source_note"].iloc[0]) if not group.empty else "none recorded"
    valued = neighbour_values(group, context.peers)
    with_value = sum(1 for *_, value in valued if value is not None)
    comparisons = []
    for label, verdict, value in (
        ("England", latest.vs_england, latest.england_value),
        (latest.region_name or "Region", latest.vs_region, latest.region_value),
        (
            f"the average of {with_value} of its {len(valued)} statistical neighbours with a value",
            latest.vs_neighbours,
            latest.neighbours_mean,
        ),
    ):
        if unit == "count":
            comparisons.append(f"<li>Not compared with {esc(label)}: a count depends on the size of the area.</li>")
            continue
        comparisons.append(
            f"<li><span class='verdict {css_class(verdict)}'>{esc(words(verdict))}</span> compared with "
            f"{esc(label)}: {formatted(value, unit, decimals)}</li>"
        )
    rag = RAG_WORDS.get(str(latest.rag_status)) if latest.rag_status else None
    chart_html, charts = trend_figure(series, title, unit, area, context.figures)
    caveats = [c for c in str(latest.caveats or "").split("; ") if c]
    caveat_html = "".join(f"<li>{esc(c)}</li>" for c in caveats) or "<li>None recorded.</li>"
    trend = f"{words(latest.trend)} ({esc(latest.trend_method)})" if latest.trend_method else "not assessed"
    found = standing(context.peers, latest, context.authorities)
    annual = latest if not context.quarters.empty else None
    quarterly = quarterly_html(context.quarters, annual, unit, decimals)
    quarterly_section = f"<h3>The council's own quarterly figures</h3>{quarterly}" if quarterly else ""
    return (
        f"""
<section class="page indicator" id="{esc(anchor)}" aria-labelledby="{esc(anchor)}-title">
  {context.banner}
  <h2 id="{esc(anchor)}-title">{number}. {esc(title)}</h2>
  <p class="definition">{esc(context.registry.definition)}.</p>
  <p class="meta">Indicator <code>{esc(latest.indicator_id)}</code> · unit: {esc(unit)} ·
     {esc(polarity_words(latest.polarity))}</p>
  <div class="pair">
  <div>
  <div class="headline">
    <p class="figure"><span class="value">{formatted(latest.value, unit, decimals)}</span>
       <span class="period">{esc(area)}, {esc(latest.period_label)}</span></p>
    <p>{formatted(latest.value, unit, decimals)}{interval}.</p>
    {_rag_html(latest, rag, unit)}
  </div>
  <h3>Direction of travel</h3>
  <p>Against {esc(latest.previous_period_label or "no earlier comparable period")}
     ({formatted(latest.previous_value, unit, decimals)}):
     <span class="verdict {css_class(latest.direction_of_travel)}">{esc(words(latest.direction_of_travel))}</span>.
     Trend: {trend}.</p>
  </div>
  <div>{quarterly_section}</div>
  </div>
  <div class="pair">
  <div>
  <h3>Comparison</h3>
  <ul class="comparisons">{"".join(comparisons)}</ul>
  <p>Basis: {esc(latest.significance_basis)}.</p>
  {standing_html(found, unit, decimals)}
  </div>
  <div>{neighbours_html(valued, model, latest.neighbours_mean, unit, decimals)}</div>
  </div>
  <h3>Trend</h3>
  {chart_html}
  {_table(series.tail(RECENT_PERIODS), unit, area, f"{title}: recent periods", decimals)}
  {csv_link(series, str(latest.indicator_id), CSV_COLUMNS)}
  <div class="pair">
  <div><h3>Caveats</h3>
  <ul>{caveat_html}</ul></div>
  <div><h3>Commentary and risk</h3>
  {commentary_html(context.commentary, str(latest.commentary), context.report_period)}</div>
  </div>
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
.page { margin-bottom: 3rem; }
.banner { background: #fff4ce; border: 2px solid #c27c00; padding: .2rem .8rem; font-size: .9rem; }
.banner ul { margin: .2rem 0; padding-left: 1.2rem; }
.definition { font-style: italic; } .movement { font-weight: bold; }
.risk-high { border-left: 6px solid #b00020; padding-left: .5rem; }
.risk-medium { border-left: 6px solid #c27c00; padding-left: .5rem; }
.risk-low { border-left: 6px solid #1a7a3a; padding-left: .5rem; }
.spine-chart td.spine { min-width: 250px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
figure.chart { margin: 0; } figure.chart svg { max-width: 100%; height: auto; }
.meta, .source { font-size: .85rem; color: #444; }
"""


# Print: the summary, the overview and each indicator start a page; headings stay with what follows them; the
# banner opens every section, so every printed page carries it; the charts' specifications and the download
# links are screen-only.
PRINT_STYLE = """
@page { size: A4; margin: 14mm 10mm 10mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 8.5pt; line-height: 1.25; }
  .banner { font-size: 7pt; padding: 0 .4rem; margin-bottom: 1mm; }
  .banner ul { margin: 0; }
  header, .page, .summary, .overview, .changes { break-before: page; }
  header { break-before: avoid; }
  .summary { break-before: avoid; }
  h1 { font-size: 14pt; } h2 { font-size: 12pt; margin: 0 0 .2rem; } h3 { font-size: 9.5pt; margin: .35rem 0 .1rem; }
  h2, h3, caption { break-after: avoid; }
  table, figure, ul, .headline, .commentary { break-inside: avoid; }
  table { font-size: 7.5pt; margin: .2rem 0 .3rem; } th, td { padding: .05rem .25rem; }
  .page { margin: 0; zoom: .85; }
  .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 0 5mm; align-items: start; }
  .page p, .page ul { margin: .15rem 0; }
  .figure .value { font-size: 16pt; }
  figure.chart svg { max-height: 52mm; width: auto; }
  figure.chart figcaption { font-size: 7pt; }
  .meta, .source, .why-differ { font-size: 7pt; }
  .download, script.chart-spec { display: none; }
  a { color: inherit; text-decoration: none; }
}
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
    notices: list[str] | None = None,
    figures: DrawnCharts | None = None,
) -> RenderedReport:
    """Render the report for `area_code` from a warehouse or the published snapshot.

    `period_end`: show, for each indicator, its latest period ending on or before this date (default: latest).
    `as_of`: rebuild every figure as it stood at that time from the value history.
    `notices`: what the banner on every page must say of where the figures came from (the bundled sample);
    illustrative targets are noticed from the data.
    `figures`: the last report's figures, taken for each chart whose inputs are unchanged; it counts what was drawn.
    """
    figures = figures if figures is not None else DrawnCharts()
    cards = load_report(con, as_of, neighbours_version)
    if period_end is not None:
        cards = cards[pd.to_datetime(cards["period_end"]).dt.date <= period_end]
    report = cards[cards["area_code"] == area_code]
    if report.empty:
        raise ValueError(
            f"no indicator values for {area_code} in the warehouse{' by ' + str(period_end) if period_end else ''}"
        )
    configured = dict(con.execute("select indicator_id, headline_period_type from marts.report_indicators").fetchall())
    registry = {
        row[0]: Registry(str(row[1] or "").rstrip("."), int(row[2]) if str(row[2] or "").isdigit() else None)
        for row in con.execute("select indicator_id, definition, decimals from marts.indicator_catalogue").fetchall()
    }
    area_name = str(report["area_name"].dropna().iloc[0])
    indicators = report.sort_values(["page_order", "indicator_id"])["indicator_id"].drop_duplicates()
    headline = {}
    for indicator_id in indicators:
        rows = report[report["indicator_id"] == indicator_id]
        period_type = headline_period_type(rows, configured.get(indicator_id))
        headline[indicator_id] = rows[rows["period_type"] == period_type].sort_values("period_end")
    period = str(max(pd.Timestamp(series.iloc[-1].period_end) for series in headline.values()).date())
    versions = report["neighbours_version"].dropna()
    neighbours = neighbour_group(con, area_code, str(versions.iloc[0]) if not versions.empty else neighbours_version)
    authorities = upper_tier_codes(con)
    quarters = _quarters(con, area_code)
    commentary = {
        row.indicator_id: Commentary(
            row.commentary, row.actions, row.risk_level, row.officer, row.period, row.source_file
        )
        for row in commentary_for(con, period).itertuples()
    }
    banner = _banner([*(notices or []), *_target_notices(con, area_code)])
    pages, summary, spine, charts = [], [], [], 0
    for number, (indicator_id, series) in enumerate(headline.items(), start=1):
        latest = series.iloc[-1]
        context = PageContext(
            registry.get(indicator_id, Registry(str(latest.title), None)),
            same_period(cards, latest),
            neighbours,
            authorities,
            quarters[quarters["indicator_id"] == indicator_id],
            commentary.get(indicator_id),
            period,
            banner,
            figures,
        )
        page, drawn = _page(series, number, context)
        pages.append(page)
        charts += drawn
        unit, decimals = str(latest.unit), context.registry.decimals
        risk = commentary[indicator_id].risk_level if indicator_id in commentary else "none given"
        summary.append(
            f"<tr><th scope='row'><a href='#indicator-{esc(indicator_id)}'>{esc(latest.title)}</a></th>"
            f"<td>{esc(latest.period_label)}</td><td>{formatted(latest.value, unit, decimals)}</td>"
            f"<td>{'not compared: a count' if unit == 'count' else esc(words(latest.vs_england))}</td>"
            f"<td>{esc(words(latest.direction_of_travel))}</td>"
            f"<td>{esc(RAG_WORDS.get(str(latest.rag_status), 'no target'))}</td><td>{esc(risk)}</td></tr>"
        )
        spine.append(spine_row(latest, standing(context.peers, latest, authorities), decimals))
    title = f"Outcomes Monitoring Report: {outcome.capitalize()}: {area_name}, data to {period}"
    titles = dict(zip(report["indicator_id"], report["title"], strict=True))
    changes = _changes(con, area_code, as_of)
    since = _since_words(changes)
    built = "as it stood at " + str(as_of) if as_of else "from the current warehouse"
    model = str(neighbours["source_note"].iloc[0]) if not neighbours.empty else "no statistical neighbours recorded"
    document = f"""<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title><style>{STYLE}{PRINT_STYLE}</style></head>
<body>
<header>
  {banner}
  <h1>{esc(title)}</h1>
  <p>Population indicators of the "{esc(outcome.capitalize())}" outcome for {esc(area_name)} ({esc(area_code)}),
     compared with England, the region and statistical neighbours ({esc(model)}), built {esc(built)}. Members are
     invited to consider the evidence and commentaries and decide whether they are comfortable with the direction
     of travel.</p>
</header>
<main>
<section class="summary" aria-labelledby="summary-title">
  <h2 id="summary-title">Summary</h2>
  <table><caption>Each indicator's latest period</caption>
  <thead><tr><th scope="col">Indicator</th><th scope="col">Period</th><th scope="col">Value</th>
  <th scope="col">vs England</th><th scope="col">Direction of travel</th><th scope="col">Local target</th>
  <th scope="col">Corporate risk</th></tr></thead>
  <tbody>{"".join(summary)}</tbody></table>
  <p>"Similar", "better" and "worse" compare the 95% confidence interval with the benchmark; "higher" and "lower"
     are used where no judgement of better or worse applies. Arrows repeat the words; colour is never the only
     signal.</p>
</section>
<section class="overview" aria-labelledby="overview-title">
  {banner}
  <h2 id="overview-title">Overview</h2>
  {spine_table(spine)}
</section>
<section class="changes" aria-labelledby="changes-title">
  {banner}
  <h2 id="changes-title">What changed since {esc(since)}</h2>
  {_changes_table(changes, titles)}
</section>
{"".join(pages)}
</main>
</body>
</html>
"""
    return RenderedReport(document, title, len(pages), charts, period)


def _quarters(con: duckdb.DuckDBPyConnection, area_code: str) -> pd.DataFrame:
    """The council's own quarterly figures (its returns' variant), by indicator."""
    return con.execute(
        "select indicator_id, period_label, period_end, value, value_status from marts.indicator_values "
        "where area_code = ? and variant = 'local_return' order by indicator_id, period_end",
        [area_code],
    ).df()


def _target_notices(con: duckdb.DuckDBPyConnection, area_code: str) -> list[str]:
    illustrative = con.execute(
        "select count(*) from marts.indicator_targets where coalesce(area_code, '') in ('', ?) "
        "and (version ilike 'illustrative%' or note ilike '%illustrative%')",
        [area_code],
    ).fetchall()[0][0]
    if illustrative:
        return ["Local targets are illustrative (warehouse/reference/indicator_targets.csv), not the council's own."]
    return []


def _banner(notices: list[str]) -> str:
    """A notice repeated at the top of every printed page when any figure is not the council's real one."""
    if not notices:
        return ""
    items = "".join(f"<li>{esc(notice)}</li>" for notice in notices)
    return f"<aside class='banner' role='note' aria-label='About these figures'><ul>{items}</ul></aside>"


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
