"""PHOF (OHID Fingertips) and ASCOF rows of `marts.indicator_values`, carried through as published.

Each build swaps its own `source` rows in one transaction, so a reader never sees half a rebuild and the
other publishers' rows are untouched. The SQL lives in `warehouse/sql/`; the configured id maps are passed in
as small temp tables so the ids stay configuration.
"""

from __future__ import annotations

from importlib import resources

import duckdb
import pandas as pd

from warehouse.database import transaction
from warehouse.indicator_values import replace_rows

FINGERTIPS_SOURCE = "ohid_fingertips"
ASCOF_SOURCE = "ascof"


def _swap(con: duckdb.DuckDBPyConnection, source: str, sql_file: str, rows_table: str, mapping: pd.DataFrame) -> int:
    sql = (resources.files("warehouse") / "sql" / sql_file).read_text()
    map_table = rows_table.replace("_rows", "_map")
    con.register("configured_map", mapping)
    try:
        with transaction(con):
            con.execute(f"create or replace temp table {map_table} as select * from configured_map")
            con.execute(sql)
            rows = replace_rows(con, source, f"select * from {rows_table}")
    finally:
        con.unregister("configured_map")
    return rows


def build_fingertips_indicators(con: duckdb.DuckDBPyConnection, indicator_ids: dict[str, int]) -> int:
    """Rebuild the PHOF rows from `clean.ohid_fingertips`; `indicator_ids` maps catalogue id -> Fingertips id."""
    mapping = pd.DataFrame({"indicator_id": list(indicator_ids), "fingertips_id": list(indicator_ids.values())})
    return _swap(con, FINGERTIPS_SOURCE, "fingertips_indicators.sql", "fingertips_indicator_rows", mapping)


def build_ascof_indicators(con: duckdb.DuckDBPyConnection, measures: dict[str, str]) -> int:
    """Rebuild the ASCOF rows from `clean.ascof_measures`; `measures` maps catalogue id -> measure code (4A)."""
    mapping = pd.DataFrame({"indicator_id": list(measures), "measure_group": list(measures.values())})
    return _swap(con, ASCOF_SOURCE, "ascof_indicators.sql", "ascof_indicator_rows", mapping)
