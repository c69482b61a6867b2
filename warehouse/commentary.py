"""The lead officers' commentary in the warehouse: the current text per report period and indicator
(`clean.indicator_commentary`), and every version ever landed (`clean.indicator_commentary_history`).

The report reads it from the published snapshot, so a rebuilt report always shows the commentary that was
landed, and an edited file adds a version to the history instead of overwriting the last one.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from warehouse.database import transaction
from warehouse.publish import publish_partitions

TABLE = "indicator_commentary"
HISTORY = f"clean.{TABLE}_history"


def publish_commentary(con: duckdb.DuckDBPyConnection, periods: list[str]) -> int:
    """Replace `periods` of the current commentary with the landed rows and add them to the history."""
    rows = publish_partitions(con, TABLE, "period", periods)
    with transaction(con):
        con.execute(
            f"create table if not exists {HISTORY} as "
            f"select *, now()::timestamp as recorded_at from clean.{TABLE} limit 0"
        )
        con.execute(
            f"insert into {HISTORY} by name select *, now()::timestamp as recorded_at from clean.{TABLE} c "
            f"where list_contains(?, period) and not exists (select 1 from {HISTORY} h where h._load_id = c._load_id)",
            [periods],
        )
    return rows


def commentary_for(con: duckdb.DuckDBPyConnection, period: str) -> pd.DataFrame:
    """Each indicator's commentary for the report period, or the latest earlier one (with its own period), from
    a warehouse or snapshot that may hold none."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'clean' and table_name = ?", [TABLE]
    ).fetchall()[0][0]
    if not exists:
        return pd.DataFrame(columns=["indicator_id", "commentary", "actions", "risk_level", "officer", "period"])
    return con.execute(
        f"""
        select indicator_id, commentary, actions, risk_level, officer, period, source_file
        from clean.{TABLE} where period <= ?
        qualify row_number() over (partition by indicator_id order by period desc) = 1
        """,
        [period],
    ).df()
