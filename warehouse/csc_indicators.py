"""Children's social care and persistent absence rows of `marts.indicator_values` (source `dfe_ees`).

The SQL (`warehouse/sql/csc_indicators.sql`) computes each indicator with its numerator and denominator for
every authority, region and England; this module swaps the rows in one transaction, marks series that cross
a reorganisation, and compares our values with DfE's own where DfE publishes one.

Reorganisations (`marts.area_successions`): where the successor has the predecessor's boundary (North
Yorkshire, Somerset, Buckinghamshire) the series is rebuilt by carrying the predecessor's values under the
successor's code, with a caveat saying so; where the boundary changed (Dorset, BCP, the Northamptonshire and
Cumbria splits) the successor's first period carries a break-in-series caveat.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

import duckdb
import pandas as pd

from warehouse.database import transaction
from warehouse.indicator_values import replace_rows

SOURCE = "dfe_ees"
# Per EES data set key: (decimals DfE publishes its rate or percentage to, the multiple England's and the
# regions' counts are rounded to, or 0): the source catalogue's `published_decimals`, `counts_rounded_above_la`.
Rounding = Mapping[str, tuple[int, int]]


@dataclass(frozen=True)
class CscBuild:
    rows: int
    indicators: dict[str, int]
    breaks: int
    rebuilt: int
    mismatches: pd.DataFrame
    compared: int


def build_csc_indicators(con: duckdb.DuckDBPyConnection, rounding: Rounding) -> CscBuild:
    """Rebuild every `dfe_ees` row of `marts.indicator_values` from `clean`; return counts and the mismatches
    with DfE's published values beyond each data set's `rounding`."""
    sql = (resources.files("warehouse") / "sql" / "csc_indicators.sql").read_text()
    with transaction(con):
        for table in ("dfe_ees", "ons_population"):  # nothing published yet: build from empty tables
            con.execute(f"create table if not exists clean.{table} as select * from landing.{table} limit 0")
        con.execute(sql)
        replace_rows(
            con,
            SOURCE,
            "select indicator_id, area_code, area_name, area_type, period_type, period_label, period_start, "
            "period_end, 'all' as variant, value, numerator, denominator, value_status, status_token, "
            "note as caveat, load_id from csc_indicator_rows",
        )
        rebuilt = _rebuild_same_boundary(con)
        breaks = _mark_breaks(con)
        counts = dict(
            con.execute(
                "select indicator_id, count(*) from marts.indicator_values where source = ? group by all order by 1",
                [SOURCE],
            ).fetchall()
        )
        comparison = con.execute(
            "select r.indicator_id, r.dataset, r.area_code, r.area_name, r.geographic_level, r.period_label, "
            "r.numerator, r.denominator, r.computed, r.published, c.unit from csc_indicator_rows r "
            "join marts.indicator_catalogue c on c.indicator_id = r.indicator_id "
            "where r.computed is not null and r.published is not null"
        ).df()
    mismatches = reconcile(comparison, rounding)
    return CscBuild(sum(counts.values()), counts, breaks, rebuilt, mismatches, len(comparison))


def _rebuild_same_boundary(con: duckdb.DuckDBPyConnection) -> int:
    """Carry a same-boundary predecessor's values under its successor's code for the years before the change."""
    before = con.execute("select count(*) from marts.indicator_values where source = ?", [SOURCE]).fetchall()[0][0]
    con.execute(
        """
        insert into marts.indicator_values by name
        select v.indicator_id, s.successor_code as area_code, a.area_name, v.area_type, v.period_type,
               v.period_label, v.period_start, v.period_end, v.variant, v.value, v.numerator, v.denominator,
               v.value_status, v.status_token,
               'rebuilt: value of ' || s.predecessor_code || ' ' || s.predecessor_name
                   || ', which had the same boundary before ' || s.effective_date as caveat,
               v.source, v.source_url, v.source_sha256, v.load_id, v.built_at
        from marts.indicator_values v
        join marts.area_successions s on s.predecessor_code = v.area_code and s.boundary_unchanged = 'yes'
        left join marts.areas a on a.area_code = s.successor_code
        where v.source = ? and v.period_start < cast(s.effective_date as date)
          and not exists (
              select 1 from marts.indicator_values w
              where w.source = v.source and w.indicator_id = v.indicator_id and w.area_code = s.successor_code
                and w.period_type = v.period_type and w.period_start = v.period_start and w.variant = v.variant)
        """,
        [SOURCE],
    )
    after = con.execute("select count(*) from marts.indicator_values where source = ?", [SOURCE]).fetchall()[0][0]
    return after - before


def _mark_breaks(con: duckdb.DuckDBPyConnection) -> int:
    """Caveat the first period of a successor whose boundary differs from its predecessors', where a
    predecessor has values for the same indicator before the change (otherwise there is no series to break)."""
    con.execute(
        """
        create or replace temp table csc_breaks as
        with changes as (
            select successor_code, cast(min(effective_date) as date) as effective_date,
                   string_agg(predecessor_code || ' ' || predecessor_name, ', ' order by predecessor_code) as was
            from marts.area_successions where boundary_unchanged <> 'yes' group by successor_code
        ),
        firsts as (
            select v.indicator_id, v.area_code, v.period_type, v.variant, min(v.period_start) as period_start,
                   any_value(c.effective_date) as effective_date, any_value(c.was) as was
            from marts.indicator_values v join changes c on c.successor_code = v.area_code
            where v.source = ? and v.period_start >= c.effective_date
              and exists (select 1 from marts.indicator_values p
                          join marts.area_successions s on s.predecessor_code = p.area_code
                          where s.successor_code = v.area_code and p.source = v.source
                            and p.indicator_id = v.indicator_id and p.period_start < c.effective_date)
            group by all
        )
        select * from firsts
        """,
        [SOURCE],
    )
    con.execute(
        """
        update marts.indicator_values v
        set caveat = 'break in series: on ' || b.effective_date || ' ' || v.area_code || ' replaced ' || b.was
                     || ' with a different boundary; earlier values are for the predecessor and are not comparable'
        from csc_breaks b
        where v.source = ? and v.indicator_id = b.indicator_id and v.area_code = b.area_code
          and v.period_type = b.period_type and v.variant = b.variant and v.period_start = b.period_start
        """,
        [SOURCE],
    )
    return con.execute("select count(*) from csc_breaks").fetchall()[0][0]


def tolerance(row: pd.Series, decimals: int, rounded_to: int) -> float:
    """How far our value may be from DfE's: half the published rounding, plus what rounding England's and the
    regions' counts to the nearest `rounded_to` can move a ratio built from them."""
    allowed = 0.5 * 10 ** (-decimals) + 1e-9
    if row["geographic_level"] != "Local authority" and rounded_to and row["denominator"]:
        half = rounded_to / 2
        if row["unit"] == "rate per 10000":  # the unit in the indicator catalogue
            allowed += half / row["denominator"] * 10_000
        else:
            allowed += 100 * (half / row["denominator"] + row["numerator"] * half / row["denominator"] ** 2)
    return allowed


def reconcile(comparison: pd.DataFrame, rounding: Rounding) -> pd.DataFrame:
    """The rows where our value differs from DfE's published one by more than its rounding allows."""
    if comparison.empty:
        return comparison.assign(difference=[], allowed=[])
    allowed = comparison.apply(lambda row: tolerance(row, *rounding[row["dataset"]]), axis=1)
    out = comparison.assign(difference=(comparison["computed"] - comparison["published"]).abs(), allowed=allowed)
    return out[out["difference"] > out["allowed"]].reset_index(drop=True)
