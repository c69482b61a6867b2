"""Dagster's SQLite event log, keeping each database's SQLAlchemy engine instead of building one per event.

Dagster's `SqliteEventLogStorage` creates a new engine for every connection and disposes of it after. A run of
the main job stores about 400 events (planned and done materialisations of each STATS19 year, check results,
step events), most of them in two databases (the run's and the cross-run index), so each event paid for an
engine, its dialect's first-connect queries and the compilation of its SQL again: about 2 s of an unchanged
national run's 11 s (measured, closing note of issue 14). This class keeps the engines, a few at a time; each
use still opens and closes its own SQLite connection (`NullPool`, as Dagster does), so nothing stays open
between events, and every process (the command, the daemon, the UI) reads and writes the same files as before.
It is Dagster's class in every other respect: `dagster.yaml` names it and the UI, the daemon and `dagster
instance migrate` use it. `dagster.postgres.yaml` keeps Dagster's PostgreSQL storage, which pools already.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster import Field, StringSource
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SQLITE_BUSY_TIMEOUT_SECONDS, SqliteEventLogStorage
from dagster._serdes import ConfigurableClassData
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

# The run being written and the cross-run index are the two in use at once; the UI reads a few runs' files.
ENGINES_KEPT = 8


class KeptEngineSqliteEventLogStorage(SqliteEventLogStorage):
    """One SQLAlchemy engine per database file, kept for the eight most recently used files."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data)

    @classmethod
    def config_type(cls) -> dict[str, Any]:
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: dict[str, Any]
    ) -> KeptEngineSqliteEventLogStorage:
        """`base_dir` defaults to Dagster's own place for the event log, `$DAGSTER_HOME/history/runs`."""
        base_dir = config_value.get("base_dir") or os.path.join(os.environ["DAGSTER_HOME"], "history", "runs")
        return cls(base_dir, inst_data=inst_data)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=NullPool,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
        self._engines[shard] = engine
        while len(self._engines) > ENGINES_KEPT:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        """Dagster's `_connect`, with the shard's kept engine."""
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()
        super().dispose()
