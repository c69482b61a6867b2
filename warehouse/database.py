"""The DuckDB warehouse file: one writer at a time, migrations on first use, connections always closed.

DuckDB refuses a second writing process at once instead of waiting, and Dagster's pool claim can race on
SQLite instance storage, so every connection first takes an exclusive OS lock on `<file>.lock` and waits
for it. Readers who must never wait use the published snapshot instead (`warehouse.publish`).
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb


class WarehouseBusyError(TimeoutError):
    """Another process held the warehouse for longer than the configured wait."""


class Warehouse:
    """A DuckDB file plus the lock that serialises access to it."""

    def __init__(self, path: Path | str, lock_timeout_s: float = 1800.0) -> None:
        self.path = Path(path)
        self.lock_timeout_s = lock_timeout_s

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the exclusive lock without opening DuckDB: for copying the file while no one writes it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(f"{self.path}.lock", "a") as lock_file:
            deadline = time.monotonic() + self.lock_timeout_s
            while True:
                try:
                    fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise WarehouseBusyError(
                            f"{self.path} was held by another run for {self.lock_timeout_s:.0f} s"
                        ) from None
                    time.sleep(0.2)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Yield a read-write connection with the schema migrated, holding the file lock throughout."""
        with self.locked():
            con = duckdb.connect(str(self.path))
            try:
                migrate(con)
                yield con
            finally:
                con.close()


_OPEN: set[int] = set()  # connections with a transaction opened by `transaction` (DuckDB cannot be asked)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction around the block; inside an open transaction it joins that one (re-entrant)."""
    if id(con) in _OPEN:
        yield
        return
    con.execute("begin transaction")
    _OPEN.add(id(con))
    try:
        yield
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        _OPEN.discard(id(con))


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
        con.execute("begin transaction")
        try:
            con.execute(entry.read_text())
            con.execute("insert into meta.schema_migrations values (?, now())", [entry.name])
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        applied.append(entry.name)
    return applied
