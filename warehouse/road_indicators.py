"""Road safety indicators (`road_ksi`, `road_casualties` and their change against the 2005-09 baseline).

The SQL lives in `warehouse/sql/road_indicators.sql`; this module runs it and swaps the DfT rows of
`marts.indicator_values` in one transaction, so a reader never sees half a rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import duckdb

from warehouse.database import transaction

SOURCE = "dft_stats19"


@dataclass(frozen=True)
class RoadBuild:
    rows: int
    unplaced_casualties: int
    baseline_available: bool
    first_year: int | None
    last_year: int | None


def build_road_indicators(
    con: duckdb.DuckDBPyConnection, baseline_first: int = 2005, baseline_last: int = 2009
) -> RoadBuild:
    """Rebuild every road indicator row from `clean.dft_*`; returns what was built."""
    sql = (resources.files("warehouse") / "sql" / "road_indicators.sql").read_text()
    with transaction(con):
        con.execute(f"set variable baseline_first = {int(baseline_first)}")
        con.execute(f"set variable baseline_last = {int(baseline_last)}")
        con.execute(sql)
        con.execute("delete from marts.indicator_values where source = ?", [SOURCE])
        con.execute(
            """
            insert into marts.indicator_values by name
            select r.indicator_id, r.area_code, r.area_name, r.area_type, r.period_type, r.period_label,
                   r.period_start, r.period_end, r.variant, r.value, r.numerator, r.denominator,
                   'ok' as value_status, ? as source, l.url as source_url, l.sha256 as source_sha256,
                   r.load_id, now() as built_at
            from road_indicator_rows r
            left join meta.loads l on l.load_id = r.load_id
            """,
            [SOURCE],
        )
        rows = con.execute("select count(*) from marts.indicator_values where source = ?", [SOURCE]).fetchall()[0][0]
        unplaced = con.execute("select count(*) from road_casualties_placed where highway_current is null").fetchall()[
            0
        ][0]
        baseline = con.execute("select count(*) > 0 from road_baselines").fetchall()[0][0]
        first, last = con.execute("select min(year), max(year) from road_years").fetchall()[0]
    return RoadBuild(rows, unplaced, bool(baseline), first, last)
