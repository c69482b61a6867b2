"""Write-audit-publish, last two steps: checked partitions move from `landing` to `clean`, and a read-only
snapshot of what report tools read is published atomically to `data/published/`.

A report tool holding the warehouse would block the nightly run (DuckDB has one writer and refuses readers
while it writes), so readers get their own file; `os.replace` swaps it in one step, and a reader holding
the old file keeps it until it closes.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from warehouse.database import transaction
from warehouse.loads import mark_published

PUBLISHED_SCHEMAS = ("clean", "marts")
# Child-level tables (one row per child or episode, ids pseudonymised) are named `child_*`; the snapshot that
# report tools read never gets them, whoever calls publish_snapshot and whatever `exclude` says.
CHILD_LEVEL_PREFIX = "child_"


def publish_partitions(
    con: duckdb.DuckDBPyConnection,
    table: str,
    partition_column: str,
    partitions: list[int] | list[str],
) -> int:
    """Replace `partitions` of `clean.<table>` with the checked rows of `landing.<table>`; return the rows."""
    with transaction(con):
        con.execute(f"create table if not exists clean.{table} as select * from landing.{table} limit 0")
        con.execute(f"delete from clean.{table} where list_contains(?, {partition_column})", [partitions])
        con.execute(
            f"insert into clean.{table} by name select * from landing.{table} "
            f"where list_contains(?, {partition_column})",
            [partitions],
        )
        rows, load_ids = con.execute(
            f"select count(*), list(distinct _load_id) from clean.{table} where list_contains(?, {partition_column})",
            [partitions],
        ).fetchall()[0]
        mark_published(con, [load_id for load_id in load_ids or [] if load_id])
    return rows


def publish_snapshot(warehouse_path: Path, snapshot_path: Path, exclude: tuple[str, ...] = ()) -> list[str]:
    """Copy every table of the published schemas, except child-level ones, into a new file; swap it in atomically.

    The caller must hold the warehouse lock (no writer may be active). Returns the tables copied.
    """
    snapshot_path.parent.mkdir(parents=True, exist_ok=True)
    partial = snapshot_path.with_name(f".{snapshot_path.name}.partial")
    partial.unlink(missing_ok=True)
    hub = duckdb.connect()
    try:
        hub.execute(f"attach '{_quoted(warehouse_path)}' as wh (read_only)")
        hub.execute(f"attach '{_quoted(partial)}' as snap")
        tables = hub.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'wh' "
            "and list_contains(?, schema_name) order by all",
            [list(PUBLISHED_SCHEMAS)],
        ).fetchall()
        copied = []
        for schema in PUBLISHED_SCHEMAS:
            hub.execute(f"create schema if not exists snap.{schema}")
        for schema, table in tables:
            name = f"{schema}.{table}"
            if name in exclude or table.startswith(CHILD_LEVEL_PREFIX):
                continue
            hub.execute(f"create table snap.{name} as select * from wh.{name}")
            copied.append(name)
        hub.execute("detach snap")
        hub.execute("detach wh")
    finally:
        hub.close()
    os.replace(partial, snapshot_path)
    return copied


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
