"""`marts.indicator_report`: the report-ready card per indicator, council and period.

Driven by `marts.indicator_values` and `marts.indicator_catalogue` only: any source's rows with a catalogue id
become cards, so a new publisher's indicators reach the report without a change here. For each council value
it adds the 95% and 99.8% limits (published ones kept and labelled as published, otherwise computed), England,
region and statistical-neighbour comparators with Fingertips' wording, direction of travel against the previous
comparable period, the recent trend (annual series) or a process-control signal (rolling series), a RAG status
against the local targets, caveats and a commentary stub for the lead officer to edit.

Each build first records the value history (`warehouse.value_history`), so `compute_report(con, as_of=...)`
rebuilds the report as it stood on an earlier date and `marts.changes_since` lists what is new or revised.
Computing reads only `marts` tables, so it works on the published snapshot too.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from warehouse import statistics as st
from warehouse.database import transaction
from warehouse.value_history import CURRENT_VALUES, VALUES_AS_OF, changes_between, record_history

ENGLAND = "E92000001"

# Headline variant per indicator (configured, else 'all', else the first), the council rows with their region,
# and the England, region and neighbour-mean comparators for the same period.
REPORT_SQL = """
with vals as ({values}),
chosen as (
    select v.indicator_id,
           coalesce(max(case when v.variant = r.headline_variant then v.variant end),
                    max(case when v.variant = 'all' then v.variant end), min(v.variant)) as variant
    from vals v left join marts.report_indicators r on r.indicator_id = v.indicator_id
    group by v.indicator_id
),
headline as (select v.* from vals v join chosen c using (indicator_id, variant)),
neighbour_version as (
    select coalesce($neighbours_version, max_by(version, try_cast(as_of as date))) as version
    from marts.statistical_neighbours
),
neighbours as (
    select n.area_code, n.neighbour_code, n.version
    from marts.statistical_neighbours n join neighbour_version using (version)
),
neighbour_means as (
    select n.area_code, h.indicator_id, h.period_type, h.period_start, h.period_end,
           avg(h.value) as neighbours_mean, count(h.value) as neighbours_count, any_value(n.version) as version
    from neighbours n join headline h on h.area_code = n.neighbour_code
    group by all
)
select h.indicator_id, c.title, h.area_code, h.area_name, a.parent_code as region_code, ra.area_name as region_name,
       a.valid_from as area_valid_from, h.period_type, h.period_label, h.period_start, h.period_end, h.variant,
       h.value, h.numerator, h.denominator, h.lower_95, h.upper_95, h.lower_998, h.upper_998, h.ci_method,
       c.unit, c.polarity, c.comparators, h.value_status, h.status_token,
       e.value as england_value, g.value as region_value,
       nm.neighbours_mean, coalesce(nm.neighbours_count, 0) as neighbours_count,
       (select version from neighbour_version) as neighbours_version,
       try_cast(t.target as double) as target, try_cast(t.amber_margin as double) as amber_margin,
       t.note as target_note,
       coalesce(try_cast(r.page_order as integer), 1000) as page_order,
       h.source, h.source_url, h.source_sha256, h.load_id, h.retrieved_at, h.published_at
from headline h
join marts.indicator_catalogue c on c.indicator_id = h.indicator_id
left join marts.areas a on a.area_code = h.area_code
left join marts.areas ra on ra.area_code = a.parent_code
left join headline e on e.area_code = '{england}' and e.indicator_id = h.indicator_id
    and e.period_type = h.period_type and e.period_start = h.period_start and e.period_end = h.period_end
left join headline g on g.area_code = a.parent_code and g.indicator_id = h.indicator_id
    and g.period_type = h.period_type and g.period_start = h.period_start and g.period_end = h.period_end
left join neighbour_means nm on nm.area_code = h.area_code and nm.indicator_id = h.indicator_id
    and nm.period_type = h.period_type and nm.period_start = h.period_start and nm.period_end = h.period_end
left join marts.report_indicators r on r.indicator_id = h.indicator_id
left join marts.indicator_targets t on t.indicator_id = h.indicator_id
    and (t.area_code = h.area_code or coalesce(t.area_code, '') = '')
where h.area_type = 'council'
order by page_order, h.indicator_id, h.area_code, h.period_type, h.period_end
"""

REPORT_COLUMNS = [
    "indicator_id", "title", "area_code", "area_name", "region_code", "region_name", "period_type", "period_label",
    "period_start", "period_end", "variant", "value", "lower_95", "upper_95", "lower_998", "upper_998",
    "ci_method", "numerator", "denominator", "unit", "polarity", "england_value", "region_value",
    "neighbours_mean", "neighbours_count", "neighbours_version", "vs_england", "vs_region", "vs_neighbours",
    "significance_basis", "previous_period_label", "previous_value", "direction_of_travel", "trend",
    "trend_method", "target", "rag_status", "value_status", "status_token", "provisional", "as_of",
    "published_at", "caveats", "source", "source_url", "source_sha256", "load_id", "commentary", "page_order",
]  # fmt: skip


@dataclass(frozen=True)
class ReportBuild:
    rows: int
    built_at: datetime
    new_or_revised: int
    withdrawn: int
    changes: int


def _number(value: object) -> float | None:
    """A float, or None for null/NaN (pandas hands both)."""
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _multiplier(unit: str) -> float | None:
    """'rate per 10000' -> 10000; None when the unit is not a rate."""
    match = re.search(r"per\s+([\d,]+)", unit or "")
    return float(match.group(1).replace(",", "")) if match else None


def is_count(unit: str) -> bool:
    return (unit or "").strip() == "count"


def value_kind(row: dict) -> str | None:
    """'proportion', 'rate' or 'count' when the value can be tested as one, else None.

    Only where the value is the ratio itself (to published rounding): a change against a baseline carries a
    numerator and denominator too, but is neither a proportion nor a rate.
    """
    value, numerator, denominator = (_number(row[name]) for name in ("value", "numerator", "denominator"))
    unit = row["unit"] or ""
    if value is None:
        return None
    ratio = numerator / denominator if numerator is not None and denominator else None
    if unit == "percent" and ratio is not None and 0 <= ratio <= 1 and abs(value - 100 * ratio) <= 0.5:
        return "proportion"
    multiplier = _multiplier(unit)
    if multiplier and ratio is not None and ratio >= 0 and abs(value - multiplier * ratio) <= 0.02 * abs(value):
        return "rate"
    if is_count(unit) and value >= 0:
        return "count"
    return None


def computed_limits(row: dict) -> tuple[list[float | None], str | None]:
    """95% and 99.8% limits for a value the publisher gave none for, and the method's label."""
    kind = value_kind(row)
    value, numerator, denominator = (_number(row[name]) for name in ("value", "numerator", "denominator"))
    if kind == "proportion":
        limits = [*st.wilson_interval(numerator, denominator, 0.95), *st.wilson_interval(numerator, denominator, 0.998)]
        return [limit * 100 for limit in limits], "computed: Wilson"
    if kind == "rate":
        multiplier = _multiplier(row["unit"])
        limits = [
            *st.rate_interval(numerator, denominator, multiplier, 0.95),
            *st.rate_interval(numerator, denominator, multiplier, 0.998),
        ]
        return limits, st.poisson_method(numerator)
    if kind == "count":
        return [*st.poisson_interval(value, 0.95), *st.poisson_interval(value, 0.998)], st.poisson_method(value)
    return [None] * 4, None


def _interval(row: dict) -> tuple[float | None, float | None, float | None]:
    """(value, lower_95, upper_95); a value without an interval counts as its own interval (values only)."""
    value, lower, upper = _number(row["value"]), _number(row["lower_95"]), _number(row["upper_95"])
    if lower is None or upper is None:
        return value, value, value
    return value, lower, upper


def _is_annual(period_type: str, start: object, end: object) -> bool:
    """A year's period, or a point in time (a count at 31 March) that the trend test may take yearly."""
    days = (pd.Timestamp(end) - pd.Timestamp(start)).days
    return "rolling" not in period_type and (360 <= days <= 370 or days == 0)


def _follows(earlier: dict, later: dict) -> bool:
    """`later` is the next year after `earlier`: the next day, or, for points in time, a year on."""
    start, end = pd.Timestamp(later["period_start"]), pd.Timestamp(later["period_end"])
    previous_start, previous_end = pd.Timestamp(earlier["period_start"]), pd.Timestamp(earlier["period_end"])
    if start == end and previous_start == previous_end:
        return 365 <= (end - previous_end).days <= 366
    return (start - previous_end).days == 1


def _series_statistics(rows: list[dict]) -> list[dict]:
    """Previous comparable period, direction of travel and trend for one indicator/area/period-type series
    (`rows` in period order)."""
    ends = [pd.Timestamp(row["period_end"]) for row in rows]
    results = []
    for index, row in enumerate(rows):
        polarity = row["polarity"]
        # The latest earlier period that does not overlap this one (a year earlier for rolling 12 months).
        previous_index = bisect.bisect_left(ends, pd.Timestamp(row["period_start"])) - 1
        previous = rows[previous_index] if previous_index >= 0 else None
        here, before = _interval(row), _interval(previous) if previous else None
        direction = st.direction_of_travel(
            None if None in here else here, None if before is None or None in before else before, polarity
        )
        trend, method = None, None
        history = rows[: index + 1]
        kind = value_kind(row)
        if _is_annual(row["period_type"], row["period_start"], row["period_end"]):
            last = history[-5:]
            consecutive = len(last) == 5 and all(_follows(a, b) for a, b in itertools.pairwise(last))
            if consecutive and kind and all(value_kind(item) == kind for item in last):
                if kind == "count":
                    trend = st.recent_trend([_number(item["value"]) for item in last], None, "rate", polarity)
                else:
                    numerators = [_number(item["numerator"]) for item in last]
                    denominators = [_number(item["denominator"]) for item in last]
                    test = "proportion" if kind == "proportion" else "rate"
                    trend = st.recent_trend(numerators, denominators, test, polarity)
                method = "chi-squared test for trend, last 5 annual points, 99.8%"
        elif row["period_type"].startswith("rolling") and kind == "count":
            values = [_number(item["value"]) for item in history]
            if len(values) >= 9 and None not in values[-9:]:
                trend = st.spc_signal(values, polarity)
                method = "process control: latest vs mean of previous 8 points +/- 3 sigma (Poisson)"
        results.append(
            {
                "previous_period_label": previous["period_label"] if previous else None,
                "previous_value": _number(previous["value"]) if previous else None,
                "direction_of_travel": direction,
                "trend": trend,
                "trend_method": method,
            }
        )
    return results


def _caveats(row: dict) -> str:
    notes = []
    if row["value_status"] != "ok":
        token = f" ({row['status_token']})" if row["status_token"] else ""
        notes.append(f"value {row['value_status']}{token}")
    valid_from = row["area_valid_from"]
    if valid_from and str(row["period_start"]) < str(valid_from):
        if row["source"] == "dft_stats19":
            notes.append(f"periods before {valid_from} rebuilt on current boundaries (STATS19's current authority)")
        else:
            notes.append(f"break in series: the authority began on {valid_from}; earlier figures are its predecessors'")
    if str(row["ci_method"] or "").startswith("published"):
        detail = str(row["ci_method"]).removeprefix("published").strip(": ")
        notes.append("confidence interval as published" + (f" ({detail})" if detail else ""))
    if is_count(row["unit"]):
        notes.append("a count: compared over time, not with England or the region")
    elif _number(row["lower_95"]) is None and _number(row["value"]) is not None:
        notes.append("no confidence interval (published or computable): comparisons are of the values only")
    if row["variant"] != "all":
        notes.append(f"variant shown: {row['variant'].replace('_', ' ')}")
    if (
        row["trend"] is None
        and "rolling" not in row["period_type"]
        and not _is_annual(row["period_type"], row["period_start"], row["period_end"])
    ):
        notes.append("periods other than single years: no trend test")
    return "; ".join(notes)


def _format(value: float | None, unit: str) -> str:
    if value is None:
        return "not available"
    if unit == "percent":
        return f"{value:.1f}%"
    if is_count(unit):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{value:,.1f}"


def _commentary(row: dict) -> str:
    """A neutral first draft from the numbers; the lead officer replaces the last sentence."""
    unit = row["unit"] or ""
    parts = [f"{row['area_name']}: {_format(_number(row['value']), unit)} in {row['period_label']}."]
    if row["vs_england"]:
        parts.append(
            f"{row['vs_england'].capitalize()} compared with England ({_format(_number(row['england_value']), unit)})."
        )
    if row["previous_period_label"]:
        change = row["direction_of_travel"] or "not assessed"
        parts.append(
            f"Against {row['previous_period_label']} ({_format(_number(row['previous_value']), unit)}): {change}."
        )
    if row["trend"]:
        parts.append(f"Recent trend: {row['trend']}.")
    parts.append("[Lead officer: what the council and partners are doing, and its effect.]")
    return " ".join(parts)


def compute_report(
    con: duckdb.DuckDBPyConnection, as_of: datetime | None = None, neighbours_version: str | None = None
) -> pd.DataFrame:
    """The report rows (current, or as they stood at `as_of` from the history), one per indicator/council/period."""
    values = CURRENT_VALUES if as_of is None else VALUES_AS_OF
    params: dict[str, object] = {"neighbours_version": neighbours_version}
    if as_of is not None:
        params["as_of"] = as_of
    frame = con.execute(REPORT_SQL.format(values=values, england=ENGLAND), params).df()
    if frame.empty:
        return pd.DataFrame(columns=REPORT_COLUMNS)
    records = frame.to_dict("records")
    for row in records:
        if _number(row["lower_95"]) is None:
            limits, method = computed_limits(row)
            row["lower_95"], row["upper_95"], row["lower_998"], row["upper_998"] = limits
            row["ci_method"] = method
        comparable = not is_count(row["unit"])
        lower, upper = _number(row["lower_95"]), _number(row["upper_95"])
        row["significance_basis"] = "95% confidence interval"
        polarity = row["polarity"]
        if lower is None or upper is None:
            # Nothing to test (a change against a baseline): the values are compared, and with no interval a
            # difference cannot be called better or worse, only higher or lower.
            lower = upper = _number(row["value"])
            polarity = "no_judgement"
            row["significance_basis"] = "values only: no interval to test, so higher or lower, not better or worse"
        for column, benchmark in (
            ("vs_england", "england_value"),
            ("vs_region", "region_value"),
            ("vs_neighbours", "neighbours_mean"),
        ):
            verdict = st.compare_with_benchmark(lower, upper, _number(row[benchmark]), polarity)
            row[column] = verdict if comparable else None
        row["rag_status"] = st.rag_status(
            _number(row["value"]), _number(row["target"]), _number(row["amber_margin"]), row["polarity"]
        )
        row["provisional"] = row["value_status"] == "provisional"
        row["as_of"] = row["retrieved_at"]
    series: dict[tuple, list[dict]] = {}
    for row in records:
        series.setdefault((row["indicator_id"], row["area_code"], row["period_type"]), []).append(row)
    for rows in series.values():
        for row, stats_row in zip(rows, _series_statistics(rows), strict=True):
            row.update(stats_row)
    for row in records:
        row["caveats"] = _caveats(row)
        row["commentary"] = _commentary(row)
    return pd.DataFrame.from_records(records)[REPORT_COLUMNS]


def _write(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    con.register("frame_to_write", frame)
    try:
        con.execute(f"create or replace table {table} as select * from frame_to_write")
    finally:
        con.unregister("frame_to_write")


def build_indicator_report(
    con: duckdb.DuckDBPyConnection,
    changes_since: datetime | None = None,
    neighbours_version: str | None = None,
) -> ReportBuild:
    """Record the value history, rebuild `marts.indicator_report` and `marts.changes_since`, in one transaction.

    `changes_since`: the date of the last report the committee saw; by default the previous build.
    """
    built_at = con.execute("select now()::timestamp").fetchall()[0][0]
    with transaction(con):
        previous_build = con.execute("select max(built_at) from marts.report_builds").fetchall()[0][0]
        added, withdrawn = record_history(con, built_at)
        report = compute_report(con, neighbours_version=neighbours_version)
        report["built_at"] = built_at
        _write(con, "marts.indicator_report", report)
        since = changes_since or previous_build or datetime.min
        changes = changes_between(con, since, built_at)
        changes["since"] = since
        _write(con, "marts.changes_since", changes)
        values_rows = con.execute("select count(*) from marts.indicator_values").fetchall()[0][0]
        con.execute("insert into marts.report_builds values (?, ?, ?, ?)", [built_at, values_rows, added, withdrawn])
    return ReportBuild(len(report), built_at, added, withdrawn, len(changes))
