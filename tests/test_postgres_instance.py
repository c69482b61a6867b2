"""The production instance profile (dagster.postgres.yaml) against a real PostgreSQL server.

CI (.ci/run) starts a server and sets SAFE_OUTCOMES_TEST_POSTGRES_URL; the test makes its own database on
it, runs a real materialisation through an instance built from the profile, and reads the run back through
a second instance, so the run can only have come from PostgreSQL.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dagster as dg
import psycopg2
import pytest
import yaml

from assets.reference import areas
from tests.conftest import make_resources

ROOT = Path(__file__).resolve().parents[1]
SERVER_URL = os.getenv("SAFE_OUTCOMES_TEST_POSTGRES_URL")


def test_profile_is_the_default_instance_plus_postgres_storage() -> None:
    default = yaml.safe_load((ROOT / "dagster.yaml").read_text())
    production = yaml.safe_load((ROOT / "dagster.postgres.yaml").read_text())
    assert production.pop("storage") == {"postgres": {"postgres_url": {"env": "SAFE_OUTCOMES_DAGSTER_POSTGRES_URL"}}}
    assert production == default
    assert "storage" not in default  # the offline main job keeps SQLite under $DAGSTER_HOME


def _autocommit(url: str, statement: str) -> None:
    connection = psycopg2.connect(url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


@pytest.fixture
def database_url() -> Iterator[str]:
    """A fresh database on the CI server, dropped afterwards."""
    if not SERVER_URL:
        pytest.skip("SAFE_OUTCOMES_TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL and sets it)")
    name = f"safe_outcomes_{uuid.uuid4().hex[:12]}"
    _autocommit(SERVER_URL, f"create database {name}")
    parts = urlsplit(SERVER_URL)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        _autocommit(SERVER_URL, f"drop database {name} with (force)")


def instance_from_profile(home: Path) -> dg.DagsterInstance:
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text((ROOT / "dagster.postgres.yaml").read_text())
    return dg.DagsterInstance.from_config(str(home))


def test_a_real_run_is_stored_in_postgres_and_read_back(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialect_url = urlunsplit(urlsplit(database_url)._replace(scheme="postgresql+psycopg2"))
    monkeypatch.setenv("SAFE_OUTCOMES_DAGSTER_POSTGRES_URL", dialect_url)
    with instance_from_profile(tmp_path / "home") as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        result = dg.materialize([areas], resources=make_resources(tmp_path / "data"), instance=instance)
        assert result.success
        run_id = result.run_id

    # A second instance (another process in production) sees the run, its events and the pool limit.
    with instance_from_profile(tmp_path / "other-home") as reader:
        run = reader.get_run_by_id(run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
        [event] = reader.fetch_materializations(dg.AssetKey(["marts", "areas"]), limit=10).records
        assert event.run_id == run_id
        assert reader.event_log_storage.get_concurrency_info("duckdb_warehouse").slot_count == 1

    connection = psycopg2.connect(database_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("select status from runs where run_id = %s", [run_id])
            assert cursor.fetchall() == [("SUCCESS",)]
    finally:
        connection.close()
