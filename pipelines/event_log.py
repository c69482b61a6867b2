"""The command's Dagster instance: Dagster's own SQLite storage, keeping each event database's SQLAlchemy engine.

Dagster's `SqliteEventLogStorage` creates a new engine for every connection and disposes of it after. A run of
the main job stores about 400 events (planned and done materialisations of each STATS19 year, check results,
step events), most of them in two databases (the run's and the cross-run index), so each event paid for an
engine, its dialect's first-connect queries and the compilation of its SQL again: about 2 s of an unchanged
national run's 11 s (measured, closing note of issue 14). Here the engines are kept, a few at a time; each use
still opens and closes its own SQLite connection (`NullPool`, as Dagster does), so nothing stays open between
events and the files are exactly Dagster's: the UI and the daemon read them with Dagster's stock classes.

Only the command's runs use it (`pipelines.supervisor.instance`), and only when `dagster.yaml` leaves storage to
Dagster's default SQLite under `$DAGSTER_HOME`: a configured storage (PostgreSQL in production, which pools its
connections already) is used as configured.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from dagster._core.instance.factory import create_instance_from_ref
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SQLITE_BUSY_TIMEOUT_SECONDS, SqliteEventLogStorage
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage
from dagster._serdes import ConfigurableClassData
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

# The run being written and the cross-run index are the two in use at once.
ENGINES_KEPT = 8


class KeptEngineSqliteEventLogStorage(SqliteEventLogStorage):
    """One SQLAlchemy engine per database file, kept for the eight most recently used files."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data)

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


class KeptEngineSqliteStorage(DagsterSqliteStorage):
    """Dagster's default storage under `$DAGSTER_HOME`, with the event log above."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        super().__init__(base_dir, inst_data)
        stock = self._event_log_storage
        self._event_log_storage = KeptEngineSqliteEventLogStorage(stock._base_dir)
        stock.dispose()

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData, config_value: dict) -> KeptEngineSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)


def kept_engine_instance(home: str) -> dg.DagsterInstance:
    """The instance `dagster.yaml` in `home` describes, with the kept-engine event log when its storage is
    Dagster's default SQLite."""
    ref = InstanceRef.from_dir(home)
    storage = ref.storage_data
    if storage is not None and (storage.module_name, storage.class_name) == (
        "dagster._core.storage.sqlite_storage",
        "DagsterSqliteStorage",
    ):
        ref = ref._replace(storage_data=storage._replace(module_name=__name__, class_name="KeptEngineSqliteStorage"))
    return create_instance_from_ref(ref)
