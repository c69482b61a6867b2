"""Write-audit-publish, last two steps: checked partitions move from `landing` to `clean`, and a read-only
snapshot of what report tools read is published atomically to `data/published/`, with exports beside it.

A report tool holding the warehouse would block the nightly run (DuckDB has one writer and refuses readers
while it writes), so readers get their own file; `os.replace` swaps it in one step, and a reader holding
the old file keeps it until it closes.

Report tools embed older DuckDB releases than the pipeline, so the snapshot is written in storage version
`STORAGE_VERSION` (format 64, which DuckDB 0.10.3 and every release since 1.0.0 read), with portable column
types (`portable_type`) and a `COMMENT ON` for every table and column (`warehouse/reference/published_columns.csv`
and the indicator catalogue).

Publishing is incremental. `<snapshot>.manifest.json` keeps each published table's fingerprint (its published
columns and types, its row count, and the set of `_load_id`s for tables that carry one, else a hash aggregate
of every row). The next publish copies the previous snapshot file (a file copy, not a re-encoding), drops and
re-copies from the warehouse only the tables whose fingerprint changed, and swaps the result in; exports are
rewritten only for changed tables. A manifest that does not describe the snapshot on disk (another program
wrote it, a crash between the swap and the manifest, a new pipeline or DuckDB version) means a full rebuild.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse import exports
from warehouse.database import transaction
from warehouse.loads import mark_published
from warehouse.published_columns import (
    DICTIONARY,
    column_expression,
    data_dictionary,
    definition,
    identifier,
    indicator_definitions,
)

PUBLISHED_SCHEMAS = ("clean", "marts")
# Child-level tables (one row per child or episode, ids pseudonymised) are named `child_*`; the snapshot that
# report tools read never gets them, whoever calls publish_snapshot and whatever `exclude` says.
CHILD_LEVEL_PREFIX = "child_"

# The oldest storage version the published tables need: plain types and comments, nothing newer. DuckDB 2.0.1
# names storage format 64 'v1.0.0'; DuckDB 0.10.3 and every release from 1.0.0 on read it (README, "Reading
# the warehouse from report tools").
STORAGE_VERSION = "v1.0.0"
# Bump when the way tables are published changes (types, comments, exports): the next publish rebuilds all.
PUBLISH_FORMAT = 1


class PublishedTables(list[str]):
    """The tables published (a list, as publish_snapshot always returned), with what this publish did."""

    def __init__(
        self,
        tables: list[str],
        *,
        copied: list[str],
        reused: list[str],
        exported: list[str],
        full: bool,
        seconds: dict[str, float],
        by_load: list[str] | None = None,
    ) -> None:
        super().__init__(tables)
        self.copied = copied  # copied from the warehouse this time (new or changed)
        self.by_load = by_load or []  # of those, updated load by load in the previous snapshot's copy
        self.reused = reused  # unchanged since the last publish: kept from the previous snapshot
        self.exported = exported  # export files (re)written this time
        self.full = full  # a full rebuild (no usable previous snapshot) rather than an incremental one
        self.seconds = seconds  # wall time of each step and in all ('total')


@dataclass(frozen=True)
class _Table:
    name: str  # schema.table
    select: str  # the published columns, cast to portable types, as a select list
    fingerprint: str
    comments: dict[str, str]  # '' -> the table's comment, column -> the column's
    rows: int
    loads: bool = False  # carries `_load_id`: its rows arrive and leave as whole loads
    load_ids: tuple[str, ...] = ()  # those loads, recorded in the manifest for the next update load by load

    @property
    def comments_digest(self) -> str:
        return _digest(json.dumps(self.comments, sort_keys=True))

    @property
    def shape(self) -> str:
        """The published columns and types: a table of the same shape can be updated in place, load by load."""
        return _digest(json.dumps([PUBLISH_FORMAT, self.select]))


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


def publish_snapshot(
    warehouse_path: Path,
    snapshot_path: Path,
    exclude: tuple[str, ...] = (),
    *,
    council: str | None = None,
    exports_dir: Path | None = None,
    memory_limit: str | None = None,
) -> PublishedTables:
    """Publish every table of the published schemas, except child-level ones, to a new snapshot file swapped in
    atomically, with Parquet and CSV exports of every `marts` table (and, given `council`, its Excel workbook)
    in `exports_dir` (default: `exports/` beside the snapshot). `memory_limit` caps DuckDB's memory as the
    warehouse's connections are capped (`Warehouse.config`).

    Only tables that changed since the last publish are copied from the warehouse. The caller must hold the
    warehouse lock (no writer may be active). Returns the tables published.
    """
    started = time.perf_counter()
    snapshot_path = Path(snapshot_path)
    exports_dir = Path(exports_dir) if exports_dir else snapshot_path.parent / "exports"
    snapshot_path.parent.mkdir(parents=True, exist_ok=True)
    partial = snapshot_path.with_name(f".{snapshot_path.name}.partial")
    partial.unlink(missing_ok=True)
    manifest_path = manifest_file(snapshot_path)
    manifest = _read_manifest(manifest_path)
    previous = manifest if _describes(manifest, snapshot_path) else None
    previous_exports = (manifest or {}).get("exports", {})
    # Spilled blocks go where the warehouse's own go (`<warehouse>.tmp`), never into the working directory.
    spill = {"memory_limit": memory_limit, "temp_directory": f"{warehouse_path}.tmp"} if memory_limit else {}
    hub = duckdb.connect(config=spill)
    worker = ThreadPoolExecutor(max_workers=1)
    try:
        hub.execute(f"attach '{_quoted(warehouse_path)}' as wh (read_only)")
        tables = _published_tables(hub, exclude)
        seconds = {"fingerprints": time.perf_counter() - started}
        # The exports read the warehouse through the same select list as the snapshot (the same rows and types),
        # so they are written beside it, on a second connection, while the snapshot is built.
        exporting = worker.submit(
            _export,
            hub.cursor(),
            {table.name: table.select for table in tables if table.name.startswith("marts.")},
            {table.name: table.fingerprint for table in tables},
            exports_dir,
            previous_exports,
            council,
            f"{snapshot_path.stem}-{council}.xlsx" if council else None,
        )
        building = time.perf_counter()
        built = _build_snapshot(hub, snapshot_path, partial, tables, previous)
        if built is None:  # copying the last snapshot left the file more than half free space: start afresh
            previous = None
            built = _build_snapshot(hub, snapshot_path, partial, tables, previous)
        assert built is not None
        changed, by_load = built
        seconds["snapshot"] = time.perf_counter() - building
        written = exporting.result()
        seconds["exports"] = written.seconds
        hub.execute("detach wh")
    except BaseException:
        worker.shutdown(wait=True)
        hub.close()
        partial.unlink(missing_ok=True)
        exports.discard_partials(exports_dir)
        raise
    worker.shutdown(wait=True)
    hub.close()
    if partial.exists():
        os.replace(partial, snapshot_path)
    exports.swap_in(written, exports_dir, previous_exports)
    _write_manifest(manifest_path, snapshot_path, tables, written.files)
    seconds["total"] = time.perf_counter() - started
    return PublishedTables(
        [table.name for table in tables],
        copied=changed,
        reused=[table.name for table in tables if table.name not in changed],
        exported=written.rewritten,
        full=previous is None,
        seconds={step: round(value, 3) for step, value in seconds.items()},
        by_load=by_load,
    )


def _export(cursor: duckdb.DuckDBPyConnection, *args: object) -> exports.Written:
    """The exports on their own connection (`cursor`, made in the calling thread), closed when done."""
    try:
        return exports.write_exports(cursor, "wh", *args)  # type: ignore[arg-type]
    finally:
        cursor.close()


def _build_snapshot(
    hub: duckdb.DuckDBPyConnection, snapshot_path: Path, partial: Path, tables: list[_Table], previous: dict | None
) -> tuple[list[str], list[str]] | None:
    """Write the new snapshot to `partial`: from nothing (no previous publish), or as a copy of the last snapshot
    with only the changed tables copied again from the warehouse (a clean table of the same shape load by load);
    nothing at all when nothing changed. Returns the tables copied from the warehouse and, of those, the ones
    updated load by load; or None when the copy would be more than half free space (tables dropped over many
    publishes) and should be rebuilt from nothing instead."""
    kept = previous["tables"] if previous else {}
    wanted = {table.name for table in tables}
    changed = [table for table in tables if kept.get(table.name, {}).get("fingerprint") != table.fingerprint]
    dropped = [name for name in kept if name not in wanted]
    commented = [table for table in tables if kept.get(table.name, {}).get("comments") != table.comments_digest]
    if previous is not None and not (changed or dropped or commented):
        return [], []
    partial.unlink(missing_ok=True)
    if previous is None:
        hub.execute(f"attach '{_quoted(partial)}' as snap (storage_version '{STORAGE_VERSION}')")
    else:
        shutil.copyfile(snapshot_path, partial)  # a reader holding the snapshot keeps it: it is only read here
        hub.execute(f"attach '{_quoted(partial)}' as snap")
    hub.execute("begin transaction")  # one commit (the copy is not yet anyone's snapshot either way)
    for schema in PUBLISHED_SCHEMAS:
        hub.execute(f"create schema if not exists snap.{schema}")
    by_load = [
        table
        for table in changed
        if table.loads and kept.get(table.name, {}).get("shape") == table.shape and "loads" in kept[table.name]
    ]
    for name in [*dropped, *(table.name for table in changed if table not in by_load)]:
        hub.execute(f"drop table if exists snap.{name}")
    updated = []
    for table in changed:
        if table in by_load and _update_by_load(hub, table, kept[table.name]["loads"]):
            updated.append(table.name)
            continue
        hub.execute(f"drop table if exists snap.{table.name}")
        hub.execute(f"create table snap.{table.name} as select {table.select} from wh.{table.name}")
    for table in {table.name: table for table in [*changed, *commented]}.values():
        _comment(hub, table)
    hub.execute("commit")
    hub.execute("checkpoint snap")
    total, free = hub.execute(
        "select total_blocks, free_blocks from pragma_database_size() where database_name = 'snap'"
    ).fetchall()[0]
    hub.execute("detach snap")
    if previous is not None and free * 2 > total:
        partial.unlink(missing_ok=True)
        return None
    return [table.name for table in changed], updated


def _update_by_load(hub: duckdb.DuckDBPyConnection, table: _Table, published_loads: list[str]) -> bool:
    """Bring the last snapshot's copy of a clean table up to date load by load: its rows of loads the warehouse no
    longer has go, the warehouse's rows of loads it lacks come. A revised per-year STATS19 file so moves one
    year's rows, not the national table. Which loads those are, the last manifest says (`published_loads`), so
    neither table's load ids are scanned again. False (copy it whole instead) if the rows then do not add up.

    Exact because clean rows only ever arrive and leave as a whole checked load under a new `_load_id`
    (`publish_partitions`), the same rule the fingerprint rests on.
    """
    name, now = table.name, set(table.load_ids)
    gone, new = sorted(set(published_loads) - now), sorted(now - set(published_loads))
    if gone:
        hub.execute(f"delete from snap.{name} where list_contains(?, _load_id)", [gone])
    if new:
        hub.execute(
            f"insert into snap.{name} select {table.select} from wh.{name} where list_contains(?, _load_id)", [new]
        )
    return hub.execute(f"select count(*) from snap.{name}").fetchall()[0][0] == table.rows


def manifest_file(snapshot_path: Path) -> Path:
    """`outcomes.duckdb` -> `outcomes.manifest.json`, beside it."""
    return snapshot_path.with_name(f"{snapshot_path.stem}.manifest.json")


def _published_tables(hub: duckdb.DuckDBPyConnection, exclude: tuple[str, ...]) -> list[_Table]:
    names = hub.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = 'wh' "
        "and list_contains(?, schema_name) order by all",
        [list(PUBLISHED_SCHEMAS)],
    ).fetchall()
    dictionary = data_dictionary()
    indicators = indicator_definitions(hub) if ("marts", "indicator_catalogue") in names else ""
    tables = []
    for schema, table in names:
        name = f"{schema}.{table}"
        if name in exclude or table.startswith(CHILD_LEVEL_PREFIX):
            continue
        columns = hub.execute(
            "select column_name, data_type from duckdb_columns() where database_name = 'wh' "
            "and schema_name = ? and table_name = ? order by column_index",
            [schema, table],
        ).fetchall()
        select = ", ".join(column_expression(name, column, kind, dictionary) for column, kind in columns)
        loads = any(column == "_load_id" for column, _ in columns)
        if loads:
            # Clean rows only ever arrive as a whole checked load under a new `_load_id` (publish_partitions),
            # so the load ids and the count say whether the content moved, at the cost of one column's scan.
            rows, content, load_ids = hub.execute(
                f"select rows, load_ids::varchar, load_ids from (select count(*) as rows, "
                f"list(distinct _load_id order by _load_id) as load_ids from wh.{name})"
            ).fetchall()[0]
        else:
            load_ids = []
            rows, content = hub.execute(
                f"select count(*), coalesce(sum(hash(*columns(*))::hugeint), 0)::varchar from wh.{name}"
            ).fetchall()[0]
        identity = json.dumps([PUBLISH_FORMAT, STORAGE_VERSION, duckdb.__version__, select, rows, content])
        comments = {"": definition(dictionary, name, "") or f"Table {name} of the published snapshot."}
        for column, _ in columns:
            text = definition(dictionary, name, column) or (
                f"Column {column} of {name} (not yet defined in warehouse/reference/{DICTIONARY})."
            )
            if column == "indicator_id" and indicators:
                text = f"{text} Indicators (marts.indicator_catalogue): {indicators}"
            comments[column] = text
        tables.append(_Table(name, select, _digest(identity), comments, rows, loads, tuple(load_ids or ())))
    return tables


def _comment(hub: duckdb.DuckDBPyConnection, table: _Table) -> None:
    for column, text in table.comments.items():
        target = f"table snap.{table.name}" if not column else f"column snap.{table.name}.{identifier(column)}"
        hub.execute(f"comment on {target} is '{_quoted(text)}'")


def _read_manifest(manifest_path: Path) -> dict | None:
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def _describes(manifest: dict | None, snapshot_path: Path) -> bool:
    """Whether the last publish's manifest describes the snapshot on disk, written the way this code writes it."""
    try:
        stat = snapshot_path.stat()
    except OSError:
        return False
    expected = {
        "format": PUBLISH_FORMAT,
        "storage_version": STORAGE_VERSION,
        "duckdb": duckdb.__version__,
        "snapshot": {"bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns},
    }
    return manifest is not None and all(manifest.get(key) == value for key, value in expected.items())


def _write_manifest(
    manifest_path: Path, snapshot_path: Path, tables: list[_Table], written: dict[str, dict[str, object]]
) -> None:
    stat = snapshot_path.stat()
    manifest = {
        "format": PUBLISH_FORMAT,
        "storage_version": STORAGE_VERSION,
        "duckdb": duckdb.__version__,
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "snapshot": {"bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns},
        "tables": {
            table.name: {
                "rows": table.rows,
                "fingerprint": table.fingerprint,
                "comments": table.comments_digest,
                "shape": table.shape,
                **({"loads": list(table.load_ids)} if table.loads else {}),
            }
            for table in tables
        },
        "exports": written,
    }
    partial = manifest_path.with_name(f".{manifest_path.name}.partial")
    partial.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(partial, manifest_path)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _quoted(path: Path | str) -> str:
    return str(path).replace("'", "''")
