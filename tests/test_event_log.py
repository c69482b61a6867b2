"""The command's instance (pipelines/event_log.py): Dagster's SQLite keeps its engines and stays Dagster's own files."""

import shutil
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

import pipelines.event_log
from assets.reference import areas
from pipelines.event_log import ENGINES_KEPT, KeptEngineSqliteEventLogStorage, kept_engine_instance
from pipelines.supervisor import instance
from tests.conftest import make_resources

ROOT = Path(__file__).resolve().parents[1]


def test_a_run_builds_one_engine_a_database_and_dagsters_own_storage_reads_its_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    create_engine = pipelines.event_log.create_engine

    def counted(url: str, **options: object) -> object:
        built.append(url)
        return create_engine(url, **options)

    monkeypatch.setattr(pipelines.event_log, "create_engine", counted)
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with instance() as store:
        assert isinstance(store.event_log_storage, KeptEngineSqliteEventLogStorage)
        result = dg.materialize([areas], resources=make_resources(tmp_path / "data"), instance=store)
        assert result.success
        stored = store.all_logs(result.run_id)
    # Dozens of events went to the run's database and the index, through one engine for each.
    assert len(stored) > 10
    assert sorted(set(built)) == sorted(built)
    assert {Path(url.split("///")[-1]).name for url in built} >= {"index.db", f"{result.run_id}.db"}

    # Dagster's stock instance (the UI's, the daemon's) reads the same files.
    with dg.DagsterInstance.from_config(str(home)) as stock:
        assert type(stock.event_log_storage) is SqliteEventLogStorage
        assert [entry.dagster_event_type for entry in stock.all_logs(result.run_id)] == [
            entry.dagster_event_type for entry in stored
        ]
        [record] = stock.fetch_materializations(dg.AssetKey(["marts", "areas"]), limit=10).records
        assert record.run_id == result.run_id


def test_a_storage_configured_in_dagster_yaml_is_used_as_configured(tmp_path: Path) -> None:
    events = tmp_path / "events"
    (tmp_path / "dagster.yaml").write_text(
        "event_log_storage:\n  module: dagster._core.storage.event_log\n  class: SqliteEventLogStorage\n"
        f"  config:\n    base_dir: {events}\n"
    )
    with kept_engine_instance(str(tmp_path)) as store:
        assert type(store.event_log_storage) is SqliteEventLogStorage
        assert Path(store.event_log_storage._base_dir) == events


def test_only_the_most_recently_used_engines_are_kept(tmp_path: Path) -> None:
    storage = KeptEngineSqliteEventLogStorage(str(tmp_path))
    shards = [f"run-{number}" for number in range(ENGINES_KEPT + 2)]
    for shard in shards:
        with storage.run_connection(shard) as conn:
            conn.exec_driver_sql("select 1")
    with storage.run_connection(shards[2]) as conn:  # used again: now the most recent
        conn.exec_driver_sql("select 1")
    assert list(storage._engines) == [*shards[3:], shards[2]]
    storage.dispose()
    assert not storage._engines
