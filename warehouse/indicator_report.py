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

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from warehouse.card_statistics import card_statistics
from warehouse.database import transaction
from warehouse.value_history import CURRENT_VALUES, VALUES_AS_OF, changes_between, record_history

ENGLAND = "E92000001"

# Headline variant per indicator (configured, else 'all', else the first), the council rows with their region,
# and the England, region and neighbour-mean comparators for the same period. The values and headline rows are
# read in place rather than materialised (each use reads only the columns it needs: measured faster).
REPORT_SQL = """
with vals as not materialized ({values}),
chosen as (
    select v.indicator_id,
           coalesce(max(case when v.variant = r.headline_variant then v.variant end),
                    max(case when v.variant = 'all' then v.variant end), min(v.variant)) as variant
    from vals v left join marts.report_indicators r on r.indicator_id = v.indicator_id
    group by v.indicator_id
),
headline as not materialized (select v.* from vals v join chosen c using (indicator_id, variant)),
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
           avg(h.value) as neighbours_mean, count(h.value) as neighbours_count
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
"""

# The report rows, kept for the steps below (a temporary table: the published snapshot is opened read-only), each
# known by its `rowid` (numbering them in the query, or sorting them, cost more than the query itself).
BASE_SQL = """
create or replace temp table report_base as {report}
"""

# Each card's place in its indicator/area/period-type series, the cards in series order (each series together, in
# period order): its position, its period's first and last day (days since 1970, for `card_statistics` to find the
# previous comparable period), whether its period is a year or a point in time the trend test may take yearly
# (`annual`), and whether it is the next year after the card before (`follows`: the next day, or, for points in
# time, a year on).
SERIES_SQL = """
select b.rowid as row_id, starts_with(b.period_type, 'rolling') as rolling, b.unit, b.polarity, b.value, b.numerator,
       b.denominator, b.lower_95, b.upper_95, b.lower_998, b.upper_998, b.ci_method, b.england_value, b.region_value,
       b.neighbours_mean, b.target, b.amber_margin, row_number() over series - 1 as position,
       b.period_start - date '1970-01-01' as start_day, b.period_end - date '1970-01-01' as end_day,
       not contains(b.period_type, 'rolling') and (b.period_start = b.period_end
           or date_diff('day', b.period_start, b.period_end) between 360 and 370) as annual,
       coalesce(case
           when b.period_start = b.period_end and lag(b.period_start) over series = lag(b.period_end) over series
           then date_diff('day', lag(b.period_end) over series, b.period_end) between 365 and 366
           else date_diff('day', lag(b.period_end) over series, b.period_start) = 1
       end, false) as follows
from report_base b
window series as (partition by b.indicator_id, b.area_code, b.period_type order by b.period_end, b.rowid)
order by b.indicator_id, b.area_code, b.period_type, b.period_end, b.rowid
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


def _number_words(column: str) -> str:
    """SQL for a number as the commentary writes it: DuckDB's `format` speaks Python's format specifiers."""
    return f"""case when {column} is null or isnan({column}) then 'not available'
        when unit = 'percent' then format('{{:.1f}}%', {column})
        when counted and {column} = floor({column}) then format('{{:,.0f}}', {column})
        else format('{{:,.1f}}', {column}) end"""


# The cards with their statistics (`card_statistics`, registered from `warehouse.card_statistics`), the previous
# period's label and value, the caveats and a neutral first draft of the commentary (the lead officer replaces its
# last sentence). `period_start` is compared with `valid_from` as text, as written (e.g. '2019-04-01 00:00:00').
# `extra_columns` follow the report's own (the build adds `built_at`).
def _cards_sql(extra_columns: str = "") -> str:
    return f"""
with cards as (
    select b.* exclude (lower_95, upper_95, lower_998, upper_998, ci_method), s.* exclude (row_id),
           p.period_label as previous_period_label, p.value as previous_value
    from report_base b join card_statistics s on s.row_id = b.rowid
    left join report_base p on p.rowid = s.previous_row
)
select indicator_id, title, area_code, area_name, region_code, region_name, period_type, period_label,
       period_start::timestamp_ns as period_start, period_end::timestamp_ns as period_end, variant, value,
       lower_95, upper_95, lower_998, upper_998, ci_method, numerator, denominator, unit, polarity, england_value,
       region_value, neighbours_mean, neighbours_count, neighbours_version, vs_england, vs_region, vs_neighbours,
       significance_basis, previous_period_label, previous_value, direction_of_travel, trend, trend_method, target,
       rag_status, value_status, status_token, coalesce(value_status = 'provisional', false) as provisional,
       retrieved_at::timestamp_ns as as_of, published_at,
       concat_ws('; ',
           case when value_status is distinct from 'ok' then 'value ' || value_status
               || case when status_token <> '' then ' (' || status_token || ')' else '' end end,
           case when area_valid_from <> '' and period_start::timestamp::varchar < area_valid_from then
               case when source = 'dft_stats19'
                   then 'periods before ' || area_valid_from
                       || ' rebuilt on current boundaries (STATS19''s current authority)'
                   else 'break in series: the authority began on ' || area_valid_from
                       || '; earlier figures are its predecessors''' end end,
           case when starts_with(coalesce(ci_method, ''), 'published') then 'confidence interval as published'
               || case when trim(substr(ci_method, 10), ': ') <> ''
                  then ' (' || trim(substr(ci_method, 10), ': ') || ')' else '' end end,
           case when counted then 'a count: compared over time, not with England or the region'
               when (lower_95 is null or isnan(lower_95)) and not (value is null or isnan(value))
               then 'no confidence interval (published or computable): comparisons are of the values only' end,
           case when variant <> 'all' then 'variant shown: ' || replace(variant, '_', ' ') end,
           case when trend is null and not contains(period_type, 'rolling') and not annual
               then 'periods other than single years: no trend test' end
       ) as caveats,
       source, source_url, source_sha256, load_id,
       concat_ws(' ',
           area_name || ': ' || {_number_words("value")} || ' in ' || period_label || '.',
           case when vs_england <> '' then upper(vs_england[1]) || lower(vs_england[2:])
               || ' compared with England (' || {_number_words("england_value")} || ').' end,
           case when previous_period_label <> '' then 'Against ' || previous_period_label
               || ' (' || {_number_words("previous_value")} || '): '
               || coalesce(direction_of_travel, 'not assessed') || '.' end,
           case when trend <> '' then 'Recent trend: ' || trend || '.' end,
           '[Lead officer: what the council and partners are doing, and its effect.]'
       ) as commentary,
       page_order::bigint as page_order{extra_columns}
from cards
order by page_order, indicator_id, area_code, period_type, period_end
"""


@contextmanager
def _cards(con: duckdb.DuckDBPyConnection, values: str, params: dict[str, object]) -> Iterator[bool]:
    """Make `_cards_sql()` runnable on `con` while the block runs; yields whether there is any card.

    Set-based: SQL gathers the cards and places each in its series, numpy computes their statistics a column at
    a time (`warehouse.card_statistics`), and `_cards_sql` words the caveats and commentary.
    """
    con.execute(BASE_SQL.format(report=REPORT_SQL.format(values=values, england=ENGLAND)), params)
    try:
        cards = con.execute(SERIES_SQL).df()
        if cards.empty:
            yield False
            return
        con.register("card_statistics", card_statistics(cards))
        try:
            yield True
        finally:
            con.unregister("card_statistics")
    finally:
        con.execute("drop table if exists report_base")


def compute_report(
    con: duckdb.DuckDBPyConnection, as_of: datetime | None = None, neighbours_version: str | None = None
) -> pd.DataFrame:
    """The report rows (current, or as they stood at `as_of` from the history), one per indicator/council/period."""
    values = CURRENT_VALUES if as_of is None else VALUES_AS_OF
    params: dict[str, object] = {"neighbours_version": neighbours_version}
    if as_of is not None:
        params["as_of"] = as_of
    with _cards(con, values, params) as any_cards:
        return con.execute(_cards_sql()).df() if any_cards else pd.DataFrame(columns=REPORT_COLUMNS)


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
        with _cards(con, CURRENT_VALUES, {"neighbours_version": neighbours_version}) as any_cards:
            if any_cards:  # written from SQL: a pandas round trip of the cards took as long as computing them
                sql = _cards_sql(", $built_at::timestamp as built_at")
                cards = con.execute(f"create or replace table marts.indicator_report as {sql}", {"built_at": built_at})
                rows = cards.fetchall()[0][0]
            else:
                empty = pd.DataFrame(columns=REPORT_COLUMNS)
                empty["built_at"] = built_at
                _write(con, "marts.indicator_report", empty)
                rows = 0
        since = changes_since or previous_build or datetime.min
        changes = changes_between(con, since, built_at)
        changes["since"] = since
        _write(con, "marts.changes_since", changes)
        values_rows = con.execute("select count(*) from marts.indicator_values").fetchall()[0][0]
        con.execute("insert into marts.report_builds values (?, ?, ?, ?)", [built_at, values_rows, added, withdrawn])
    return ReportBuild(rows, built_at, added, withdrawn, len(changes))
