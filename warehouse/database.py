"""The DuckDB warehouse file: one writer at a time, migrations on first use, connections always closed.

DuckDB refuses a second writing process at once instead of waiting, and Dagster's pool claim can race on
SQLite instance storage, so every connection first takes an exclusive OS lock on `<file>.lock` and waits
for it. The lock is `filelock`'s: `flock` on Linux and macOS, `LockFileEx` on Windows, released by the OS when
the process dies. Readers who must never wait use the published snapshot instead (`warehouse.publish`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from warehouse.private import FILE_MODE, owner_only_umask, private_folder, tighten


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block in one transaction: commit when it ends, roll back and re-raise when anything escapes it.

    Re-entrant: opened while a transaction is already open (DuckDB has no nested transactions or savepoints),
    the block joins the outer one and neither commits nor rolls back; an error from it reaches the outer
    block, which rolls everything back. The open transaction is detected before `begin`, not from `begin`'s
    "cannot start a transaction within a transaction": that failed statement would already have aborted the
    outer transaction (DuckDB 2.0.1).

    The error raised is always the original one: if the rollback fails too (after a commit that failed on a
    full disk DuckDB has no transaction left to roll back), that failure is added to the original error as a
    note instead of replacing it.
    """
    if transaction_open(con):
        yield con  # joined: the outer transaction commits or rolls back
        return
    con.execute("begin transaction")
    try:
        yield con
        con.execute("commit")
    except BaseException as error:
        try:
            con.execute("rollback")
        except Exception as rollback_error:
            error.add_note(f"the rollback after it failed too: {type(rollback_error).__name__}: {rollback_error}")
        raise


def transaction_open(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `con` is inside an explicit transaction: in autocommit every statement gets a transaction id of
    its own, inside one transaction they share it."""
    first, second = (con.execute("select current_transaction_id()").fetchall()[0][0] for _ in range(2))
    return first == second


class WarehouseBusyError(TimeoutError):
    """Another process held the warehouse for longer than the configured wait."""


class WarehouseDamagedError(RuntimeError):
    """The warehouse file cannot be read: the message says how to rebuild it."""


class Warehouse:
    """A DuckDB file plus the lock that serialises access to it."""

    def __init__(
        self,
        path: Path | str,
        lock_timeout_s: float = 1800.0,
        on_wait: Callable[[str], None] | None = None,
        memory_limit: str | None = None,
    ) -> None:
        """`on_wait` hears, once per wait, that another process holds the warehouse: the operator sees a wait,
        not a hang. `memory_limit` caps DuckDB's memory (like '1GB'; None = DuckDB's default, 80% of RAM)."""
        self.path = Path(path)
        self.lock_timeout_s = lock_timeout_s
        self.on_wait = on_wait
        self.memory_limit = memory_limit

    @property
    def config(self) -> dict[str, str]:
        """DuckDB's settings for every connection to this warehouse.

        DuckDB's buffer pool may grow to 80% of the machine's memory by default, on a server the council shares
        with other work; under a limit it spills to `<warehouse>.tmp` instead (owner-only, like the file).
        """
        return {"memory_limit": self.memory_limit} if self.memory_limit else {}

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the exclusive lock without opening DuckDB: for copying the file while no one writes it.

        The warehouse's folder, when this creates it, and the lock file are the owner's only (`warehouse.private`).
        """
        private_folder(self.path.parent)
        lock_path = Path(f"{self.path}.lock")
        lock = FileLock(lock_path, mode=FILE_MODE)
        try:
            lock.acquire(blocking=False)
        except Timeout:
            if self.on_wait is not None:
                self.on_wait(f"waiting for the warehouse lock ({lock_path}): another run is writing the warehouse")
            try:
                lock.acquire(timeout=self.lock_timeout_s)
            except Timeout:
                raise WarehouseBusyError(
                    f"{self.path} was held by another run for {self.lock_timeout_s:.0f} s"
                ) from None
        tighten(lock_path)
        try:
            yield
        finally:
            lock.release()

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Yield a read-write connection with the schema migrated, holding the file lock throughout.

        `landing` holds children's ids, birth dates and postcodes, so the warehouse is the owner's only: the
        connection is made and used under umask 077, which covers the write-ahead log (`.wal`, which DuckDB
        deletes at each checkpoint and creates again at the next write) and DuckDB's spill files, and a file
        made before this rule is tightened to 0600 when it is opened.
        """
        with self.locked(), owner_only_umask():
            try:
                con = duckdb.connect(str(self.path), config=self.config)
            except duckdb.Error as error:
                if "already open" in str(error) or "lock" in str(error).lower():
                    raise
                raise WarehouseDamagedError(
                    f"{self.path} cannot be opened: it is damaged ({str(error).splitlines()[0]}). Move it aside "
                    "(with its .wal file) and run again: the warehouse is rebuilt from the raw store, and the "
                    "published snapshot stays as it is until then."
                ) from error
            try:
                tighten(self.path)
                tighten(Path(f"{self.path}.wal"))
                migrate(con)
                yield con
            finally:
                con.close()


@dataclass(frozen=True)
class Compaction:
    """What a compaction found: the share of the file's blocks that were free, and its size before and after."""

    free_share: float
    before_bytes: int
    after_bytes: int | None  # None: the file was not copied (too little free)


def compact(warehouse: Warehouse, free_share_at_least: float) -> Compaction | None:
    """Copy the warehouse into a fresh file when free blocks are at least `free_share_at_least` of it.

    DuckDB reuses a freed block but never gives it back to the file system, so a warehouse whose partitions are
    replaced run after run keeps its high-water mark (477 MB grew to 595 MB after one national revision). A copy
    (`COPY FROM DATABASE`) holds live blocks only. It is made beside the file under the warehouse's lock and
    swapped in with one rename, so a crash at any moment leaves one whole warehouse, the old or the new.
    """
    if not warehouse.path.exists():
        return None
    fresh = warehouse.path.with_name(warehouse.path.name + ".compacting")
    with warehouse.locked(), owner_only_umask():
        con = duckdb.connect(str(warehouse.path), config=warehouse.config)
        try:
            con.execute("checkpoint")
            total, free = con.execute("select total_blocks, free_blocks from pragma_database_size()").fetchone()
            share = free / total if total else 0.0
            before = warehouse.path.stat().st_size
            if share < free_share_at_least:
                return Compaction(share, before, None)
            for leftover in (fresh, Path(f"{fresh}.wal")):
                leftover.unlink(missing_ok=True)
            name = con.execute("select current_database()").fetchone()[0]
            con.execute(f"attach '{str(fresh).replace(chr(39), chr(39) * 2)}' as compacted")
            con.execute(f'copy from database "{name}" to compacted')
            con.execute("detach compacted")
        finally:
            con.close()
        os.replace(fresh, warehouse.path)
        tighten(warehouse.path)
        return Compaction(share, before, warehouse.path.stat().st_size)


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the numbered SQL files in `warehouse/migrations/` not yet recorded; return those applied.

    Each migration runs in its own transaction with its record, so a crash never half-applies one.
    """
    con.execute("create schema if not exists meta")
    con.execute("create table if not exists meta.schema_migrations (name varchar primary key, applied_at timestamp)")
    done = {row[0] for row in con.execute("select name from meta.schema_migrations").fetchall()}
    folder = resources.files("warehouse") / "migrations"
    applied = []
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".sql") or entry.name in done:
            continue
        with transaction(con):
            con.execute(entry.read_text())
            con.execute("insert into meta.schema_migrations values (?, now())", [entry.name])
        applied.append(entry.name)
    return applied
