"""Road safety indicators (`road_ksi`, `road_casualties` and their change against the 2005-09 baseline).

The SQL lives in `warehouse/sql/road_indicators.sql`; this module runs it and swaps the DfT rows of
`marts.indicator_values` in one transaction, so a reader never sees half a rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import duckdb

from warehouse.database import transaction
from warehouse.indicator_values import replace_rows

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
        rows = replace_rows(con, SOURCE, "select *, 'ok' as value_status from road_indicator_rows")
        unplaced = con.execute("select count(*) from road_casualties_placed where highway_current is null").fetchall()[
            0
        ][0]
        baseline = con.execute("select count(*) > 0 from road_baselines").fetchall()[0][0]
        first, last = con.execute("select min(year), max(year) from road_years").fetchall()[0]
    return RoadBuild(rows, unplaced, bool(baseline), first, last)
