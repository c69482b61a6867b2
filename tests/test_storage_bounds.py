"""Storage that does not grow without bound: the raw store's superseded copies and the warehouse's free blocks.

A delivery replaced night after night left every version of every file in the raw store, and DuckDB never gives a
freed block back to the file system. Each case builds the situation by hand and counts what is left.
"""

import hashlib
import json
import os
from pathlib import Path

import duckdb

from sources.http import RawStore
from warehouse.database import Warehouse, compact


def test_a_mostly_free_warehouse_is_copied_smaller_with_every_row(tmp_path: Path) -> None:
    warehouse = Warehouse(tmp_path / "outcomes.duckdb")
    with warehouse.connect() as con:
        con.execute("create schema if not exists clean")
        con.execute("create table clean.wide as select i, repeat('x', 60) || i as text from range(1500000) t(i)")
        con.execute("create table clean.kept as select i, i * 2 as twice from range(1000) t(i)")
        con.execute("checkpoint")
        con.execute("drop table clean.wide")
        con.execute("checkpoint")
    before = warehouse.path.stat().st_size

    kept_too_little_free = compact(warehouse, 1.0)
    assert kept_too_little_free is not None and kept_too_little_free.after_bytes is None
    assert warehouse.path.stat().st_size == before

    compaction = compact(warehouse, 0.25)
    assert compaction is not None and compaction.free_share >= 0.25
    assert compaction.before_bytes == before and compaction.after_bytes == warehouse.path.stat().st_size
    assert compaction.after_bytes < before / 3
    assert oct(warehouse.path.stat().st_mode & 0o777) == "0o600"
    assert not list(tmp_path.glob("*.compacting*"))
    with warehouse.connect() as con:
        assert con.execute("select count(*), sum(twice) from clean.kept").fetchall() == [(1000, 999 * 1000)]
        assert con.execute("select count(*) from meta.schema_migrations").fetchall()[0][0] > 0
    again = compact(warehouse, 0.25)
    assert again is not None and again.after_bytes is None  # the copy has next to nothing free


def _stored(folder: Path, content: bytes, age: int) -> Path:
    """A raw-store copy named by its sha256, `age` hours old."""
    path = folder / f"{hashlib.sha256(content).hexdigest()}-casualty-2025.csv"
    path.write_bytes(content)
    stamp = 1_800_000_000 - age * 3600
    os.utime(path, (stamp, stamp))
    return path


def test_the_raw_store_keeps_the_latest_the_newest_superseded_and_what_loads_need(tmp_path: Path) -> None:
    folder = tmp_path / "raw" / "dft" / "casualties"
    (folder / "_index").mkdir(parents=True)
    copies = [_stored(folder, f"version {n}\n".encode(), age=n) for n in range(5)]  # copies[0] is the newest
    (folder / "_index" / "0123456789abcdef.json").write_text(json.dumps({"path": str(copies[0])}))
    other = folder / "notes.txt"
    other.write_text("not a stored copy")
    needed = {copies[4].name[:64]}  # the published rows still come from the oldest copy

    removed = RawStore(tmp_path / "raw").prune(needed, superseded=2)

    assert removed == [copies[3]]
    assert [path.exists() for path in copies] == [True, True, True, False, True]
    assert other.exists()
    assert RawStore(tmp_path / "raw").prune(set(), superseded=0) == [copies[1], copies[2], copies[4]]
    assert copies[0].exists(), "the latest fetch is never removed"


def test_an_empty_warehouse_file_is_left_alone(tmp_path: Path) -> None:
    assert compact(Warehouse(tmp_path / "absent.duckdb"), 0.25) is None
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    result = compact(Warehouse(tmp_path / "empty.duckdb"), 0.25)
    assert result is not None and result.after_bytes is None


def test_the_memory_limit_caps_every_warehouse_connection(tmp_path: Path) -> None:
    """SAFE_OUTCOMES_DUCKDB_MEMORY_LIMIT reaches DuckDB: 100MB is 100,000,000 bytes, which DuckDB shows in MiB."""
    warehouse = Warehouse(tmp_path / "w.duckdb", memory_limit="100MB")
    with warehouse.connect() as con:
        shown = con.execute("select current_setting('memory_limit')").fetchone()[0]
    number, unit = shown.split()
    assert unit == "MiB" and abs(float(number) - 100e6 / 2**20) < 0.1, shown
    with Warehouse(tmp_path / "w.duckdb").connect() as con:  # no limit: DuckDB's own default, far above it
        assert con.execute("select current_setting('memory_limit')").fetchone()[0] != shown
