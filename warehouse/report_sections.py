"""The parts of an indicator's page that read beyond its own series: the named statistical neighbours, the rank
and quartile, the council's own quarters, the lead officer's commentary and risk, and the data table as CSV.

Apart from the page layout (`report_document`) so that each part is one small function of plain data; each
returns HTML with its words, never colour alone.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pandas as pd

from warehouse.report_context import Standing
from warehouse.report_format import as_float, esc, formatted

# Why the council's own quarters and DfE's annual figure differ: said once, beside the quarterly table.
WHY_THEY_DIFFER = (
    "The quarterly figures are the council's own count from its case-management extract as at each quarter end; "
    "DfE's annual figure is the validated census return for the year to 31 March, published months later. "
    "They use the same definition but differ in timing, late recording and DfE's validation"
)
QUARTERS = {3: "Quarter 4", 6: "Quarter 1", 9: "Quarter 2", 12: "Quarter 3"}  # financial-year quarters by end month


@dataclass(frozen=True)
class Commentary:
    commentary: str
    actions: str
    risk_level: str
    officer: str
    period: str
    source_file: str


def neighbours_html(
    named: list[tuple[str, str, float | None]], model: str, mean: object, unit: str, decimals: int | None
) -> str:
    """The neighbours by name in the model's order, with closeness and value, and their average."""
    if not named:
        return "<p>No statistical neighbours are recorded for this council.</p>"
    valued = sum(1 for _, _, value in named if value is not None)
    rows = "".join(
        f"<tr><td>{rank}</td><th scope='row'>{esc(name)}</th><td>{esc(closeness or '&ndash;')}</td>"
        f"<td>{formatted(value, unit, decimals) if value is not None else 'no figure in the data'}</td></tr>"
        for rank, (name, closeness, value) in enumerate(named, start=1)
    )
    return (
        f"<table class='neighbours'><caption>Statistical neighbours ({esc(model)}): {valued} of {len(named)} "
        f"with a value, average {formatted(mean, unit, decimals)}</caption><thead><tr><th scope='col'>Order</th>"
        "<th scope='col'>Authority</th><th scope='col'>Closeness</th><th scope='col'>Value</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def standing_html(found: Standing | None, unit: str, decimals: int | None) -> str:
    """The council's rank and quartile, or why there is none."""
    if found is None:
        reason = (
            "a count depends on the size of the area"
            if unit == "count"
            else "too few upper-tier authorities have a value for this period"
        )
        return f"<p class='standing'>Rank and quartile: not given ({esc(reason)}).</p>"
    return (
        f"<p class='standing'>Rank <strong>{found.rank} of {found.of}</strong> upper-tier authorities with a value "
        f"({esc(found.ranked_by)}): <strong>quartile {found.quartile}</strong> of 4 (1 = the best or highest "
        f"quarter). Range {formatted(found.low, unit, decimals)} to {formatted(found.high, unit, decimals)}; "
        f"middle half {formatted(found.q1, unit, decimals)} to {formatted(found.q3, unit, decimals)}.</p>"
    )


def quarter_name(end: pd.Timestamp) -> str:
    """ "Quarter 4 2024-25": the financial-year quarter ending on `end`."""
    first = end.year if end.month > 3 else end.year - 1
    return f"{QUARTERS.get(end.month, end.strftime('%b %Y'))} {first}-{str(first + 1)[2:]}"


def quarterly_html(quarters: pd.DataFrame, annual: pd.Series | None, unit: str, decimals: int | None) -> str:
    """Latest quarter, previous quarter and the same quarter a year earlier from the council's own returns, the
    movement in words, and DfE's annual figure for context."""
    if quarters.empty:
        return ""
    quarters = quarters.assign(period_end=pd.to_datetime(quarters["period_end"])).sort_values("period_end")
    by_end = {row.period_end: row for row in quarters.itertuples()}
    latest = quarters.iloc[-1]
    end = pd.Timestamp(latest.period_end)
    wanted = [
        ("Latest quarter", end),
        ("Previous quarter", end - pd.offsets.QuarterEnd(1)),
        ("Same quarter last year", end - pd.offsets.QuarterEnd(4)),
    ]
    rows = []
    for label, when in wanted:
        row = by_end.get(when)
        value = formatted(row.value, unit, decimals) if row is not None and as_float(row.value) is not None else None
        shown = value or ("suppressed (1 to 5 children)" if row is not None else "not in the returns")
        period = row.period_label if row is not None else when.strftime("%d %b %Y")
        rows.append(
            f"<tr><th scope='row'>{label}</th><td>{esc(quarter_name(when))} ({esc(period)})</td><td>{shown}</td></tr>"
        )
    if annual is not None:
        rows.append(
            f"<tr><th scope='row'>DfE annual figure</th><td>{esc(annual.period_label)}</td>"
            f"<td>{formatted(annual.value, unit, decimals)}</td></tr>"
        )
    return (
        f"<p class='movement'>{esc(movement(by_end, end, unit, decimals))}</p>"
        "<table class='quarterly'><caption>The council's own quarterly returns</caption><thead><tr>"
        "<th scope='col'>Quarter</th><th scope='col'>Period</th><th scope='col'>Value</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table><p class='why-differ'>{esc(WHY_THEY_DIFFER)}.</p>"
    )


def movement(by_end: dict, end: pd.Timestamp, unit: str, decimals: int | None) -> str:
    """ "rose from 6.1 to 7.1 between Quarter 3 and Quarter 4", as the seed report heads its pages."""
    previous_end = end - pd.offsets.QuarterEnd(1)
    latest, previous = by_end.get(end), by_end.get(previous_end)
    now = as_float(latest.value) if latest is not None else None
    before = as_float(previous.value) if previous is not None else None
    if now is None or before is None:
        return f"No quarter-on-quarter movement: {quarter_name(previous_end)} or {quarter_name(end)} has no value."
    verb = "rose" if now > before else "fell" if now < before else "was unchanged at"
    span = f"between {quarter_name(previous_end).rsplit(' ', 1)[0]} and {quarter_name(end)}"
    if verb == "was unchanged at":
        return f"The council's figure was unchanged at {formatted(now, unit, decimals)} {span}."
    return (
        f"The council's figure {verb} from {formatted(before, unit, decimals)} to {formatted(now, unit, decimals)} "
        f"{span}."
    )


def commentary_html(found: Commentary | None, draft: str, report_period: str) -> str:
    """The lead officer's commentary, actions and risk from the commentary file, or the draft when there is none."""
    if found is None:
        return (
            "<div class='commentary'><p><strong>No commentary in the commentary folder for this indicator.</strong> "
            f"A draft from the numbers: {esc(draft)}</p></div>"
        )
    earlier = (
        f" (from the commentary for {esc(found.period)}: none yet for {esc(report_period)})"
        if found.period != report_period
        else ""
    )
    return (
        f"<div class='commentary'><p>{esc(found.commentary)}</p>"
        f"<p><strong>Actions:</strong> {esc(found.actions or 'none recorded')}</p>"
        f"<p class='risk risk-{esc(found.risk_level.lower())}'><strong>Corporate risk level:</strong> "
        f"{esc(found.risk_level)}</p>"
        f"<p class='officer'>Lead officer: {esc(found.officer)}{earlier}; file {esc(found.source_file)}.</p></div>"
    )


def csv_link(series: pd.DataFrame, indicator_id: str, columns: list[str]) -> str:
    """The page's data table as a CSV file inside the page (a data: URI), so the download needs no server."""
    text = series[columns].to_csv(index=False)
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return (
        f"<p class='download'><a download='{esc(indicator_id)}.csv' href='data:text/csv;base64,{encoded}'>"
        f"Download this indicator's data (CSV, {len(series)} rows)</a></p>"
    )
