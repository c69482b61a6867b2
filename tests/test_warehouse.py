"""The warehouse file: migrations once, one holder at a time (others wait), and a snapshot readers can hold."""

import threading
import time
from pathlib import Path

import duckdb
import pytest

from warehouse.database import Warehouse, WarehouseDamagedError, migrate
from warehouse.publish import publish_snapshot


def test_migrations_apply_once(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    first = migrate(con)
    assert first and first[0] == "001_schemas.sql"
    assert migrate(con) == []
    schemas = {row[0] for row in con.execute("select schema_name from duckdb_schemas()").fetchall()}
    assert {"landing", "clean", "marts", "meta"} <= schemas


def test_a_second_writer_waits_instead_of_failing(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "w.duckdb", lock_timeout_s=10)
    holding = threading.Event()
    order: list[str] = []

    def first_writer() -> None:
        with warehouse.connect() as con:
            con.execute("create table marts.t as select 1 as x")
            holding.set()
            time.sleep(0.6)
            order.append("first done")

    thread = threading.Thread(target=first_writer)
    thread.start()
    holding.wait(5)
    started = time.monotonic()
    with warehouse.connect() as con:  # no "Could not set lock" error: it waits for the first
        order.append("second in")
        assert con.execute("select x from marts.t").fetchall() == [(1,)]
    thread.join()
    assert order == ["first done", "second in"]
    assert time.monotonic() - started >= 0.3


def test_busy_beyond_the_timeout_is_a_clear_error(tmp_path: Path) -> None:
    holder = Warehouse(tmp_path / "w.duckdb")
    waits: list[str] = []
    impatient = Warehouse(tmp_path / "w.duckdb", lock_timeout_s=0.3, on_wait=waits.append)
    with holder.locked():
        try:
            with impatient.connect():
                raise AssertionError("should not get the warehouse")
        except TimeoutError as error:
            assert "held by another run" in str(error)
    # The wait is said once, as a wait (the command prints it); a free lock is taken without a word.
    assert waits == [
        f"waiting for the warehouse lock ({tmp_path / 'w.duckdb.lock'}): another run is writing the warehouse"
    ]
    with impatient.connect():
        assert len(waits) == 1


def test_snapshot_swaps_in_while_a_reader_holds_the_old_one(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "w.duckdb")
    snapshot = tmp_path / "published" / "outcomes.duckdb"
    with warehouse.connect() as con:
        con.execute("create table marts.indicator_values_copy as select 1 as version")
        con.execute("create table landing.child_level as select 'secret' as id")
    with warehouse.locked():
        copied = publish_snapshot(warehouse.path, snapshot)
    assert "landing.child_level" not in copied and "marts.indicator_values_copy" in copied
    reader = duckdb.connect(str(snapshot), read_only=True)  # a report tool keeps the old file open
    with warehouse.connect() as con:
        con.execute("update marts.indicator_values_copy set version = 2")
    with warehouse.locked():
        publish_snapshot(warehouse.path, snapshot)
    assert reader.execute("select version from marts.indicator_values_copy").fetchall() == [(1,)]
    reader.close()
    fresh = duckdb.connect(str(snapshot), read_only=True)
    assert fresh.execute("select version from marts.indicator_values_copy").fetchall() == [(2,)]
    assert not list(snapshot.parent.glob(".*partial"))


def test_a_damaged_warehouse_file_says_how_to_rebuild_it(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.duckdb"
    with Warehouse(path).connect() as con:
        con.execute("create table marts.t as select range as x from range(100000)")
    path.write_bytes(path.read_bytes()[:5000])  # cut short, as a full disk or a bad copy leaves it
    damaged = r"outcomes\.duckdb cannot be opened: it is damaged.*Move it aside"
    with pytest.raises(WarehouseDamagedError, match=damaged), Warehouse(path).connect():
        pass
