"""Faults of processes an unattended pipeline meets, each bounded in time: a run killed mid-load, two runs at
once, and a report reader holding the snapshot.

Runs that must be killed or raced run in their own processes (`tests/fault_worker.py`) against a local file
server. Each test starts from a copy of one baseline warehouse (2021-2022 loaded and published;
`tests/fault_support.py`) and compares `table_fingerprints` before and after.
"""

import fcntl
import http.server
import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb

from tests import fault_support
from tests.conftest import range_tags, table_fingerprints
from tests.fault_support import COLLISION_2022, SCHEMAS, count, pipeline, resources_for, warehouse_of
from tests.stats19_fixtures import CASUALTY_HEADER_2024, casualty
from tests.test_road_pipeline import CASUALTY_2022, FOLDER, stats19_files

# The shared fixtures, bound here for pytest to find (site and baseline have module scope: built once per module).
site, baseline, data_dir = fault_support.site, fault_support.baseline, fault_support.data_dir

ROOT = Path(__file__).resolve().parents[1]
BIG_FILE = "dft-road-casualty-statistics-casualty-1979-latest-published-year.csv"


def drop_a_2022_collision(site: http.server.ThreadingHTTPServer) -> None:
    """Publish a revised 2022: one collision (2022550000007, one casualty) withdrawn from both files. Its police
    force has other collisions that year, so the revision is not a file cut short (which loses whole forces)."""
    for path in (COLLISION_2022, CASUALTY_2022):
        target = site_file(site, path)
        lines = target.read_text().splitlines()
        kept = [line for line in lines if not line.startswith("2022550000007,")]
        assert len(kept) == len(lines) - 1
        target.write_text("\n".join(kept) + "\n")


def write_casualties(path: Path, rows: int, year: int = 2015) -> None:
    """`rows` distinct, valid casualties of `year` in DfT's 2024 header, written by DuckDB in well under a second."""
    template = casualty(f"{year}550000001", 1, severity=3, adjusted_serious="0.2")
    columns = []
    for name in CASUALTY_HEADER_2024:
        if name == "collision_index":
            columns.append(f"'{year}' || lpad(i::varchar, 9, '0') as {name}")
        elif name == "collision_reference":
            columns.append(f"lpad(i::varchar, 9, '0') as {name}")
        else:
            value = template.get(name, "")
            columns.append(f"'{value}' as {name}" if value != "" else f"null::varchar as {name}")
    duckdb.sql(f"copy (select {', '.join(columns)} from range({rows}) t(i)) to '{path}' (header, quote '')")


def holds_lock(database: Path) -> bool:
    """Whether some process holds the warehouse's exclusive lock right now."""
    with open(f"{database}.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def bytes_read(pid: int) -> int:
    """Bytes the process has read so far (sockets and files), from /proc."""
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/pid/io")


def worker(data_dir: Path, base_url: str, first: str, last: str, selection: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.fault_worker", str(data_dir), base_url, first, last, selection],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def loads(database: Path) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(
            "select run_id, dataset, url, status, started_at, finished_at from meta.loads order by started_at"
        ).fetchall()
    finally:
        con.close()


def test_sigkill_mid_load_leaves_the_warehouse_as_before_and_the_next_run_succeeds(
    site: http.server.ThreadingHTTPServer, data_dir: Path
) -> None:
    big = Path(site.RequestHandlerClass.keywords["directory"]) / FOLDER.strip("/") / BIG_FILE
    write_casualties(big, 1_500_000)
    size = big.stat().st_size
    database = warehouse_of(data_dir)
    before, loads_before = table_fingerprints(database, SCHEMAS), loads(database)

    process = worker(data_dir, site.base_url, "2015", "2015", "casualties")
    deadline, read_at_lock = time.monotonic() + 90, None
    try:
        while True:
            assert time.monotonic() < deadline, "the load never started"
            assert process.poll() is None, f"the run ended before it could be killed:\n{process.stdout.read()}"
            if read_at_lock is None and holds_lock(database):
                read_at_lock = bytes_read(process.pid)  # the file is downloaded; counting its lines comes next
            # More than the line count's one pass over the file: the INSERT is reading it, inside its transaction.
            if read_at_lock is not None and bytes_read(process.pid) - read_at_lock > 1.2 * size:
                break
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        process.kill()
        big.unlink()

    assert table_fingerprints(database, SCHEMAS) == before
    new_loads = loads(database)[len(loads_before) :]
    # The only trace is the audit row of the load that never finished.
    assert [(row[1], row[2].rsplit("/", 1)[-1], row[3], row[5]) for row in new_loads] == [
        ("casualties", BIG_FILE, "started", None)
    ]
    assert loads(database)[: len(loads_before)] == loads_before

    drop_a_2022_collision(site)
    try:
        result = dg.materialize(
            pipeline(data_dir, site.base_url),
            resources=resources_for(data_dir, site.base_url),
            tags=range_tags("2021", "2022"),
        )
        assert result.success
        assert count(database, "clean.dft_casualties") == 11  # 12 casualties in the fixture, one withdrawn
        assert count(data_dir / "published" / "outcomes.duckdb", "clean.dft_collisions") == 7
    finally:
        restore(site)


def site_file(site: http.server.ThreadingHTTPServer, path: str) -> Path:
    """A served file, with its modification time moved on so a conditional GET sees it changed."""
    target = Path(site.RequestHandlerClass.keywords["directory"]) / path.lstrip("/")
    later = time.time() + 10
    os.utime(target, (later, later))
    return target


def restore(site: http.server.ThreadingHTTPServer) -> None:
    for path, body in stats19_files().items():
        site_file(site, path).write_text(body)


def test_two_runs_started_at_once_take_turns_without_a_lock_error(
    site: http.server.ThreadingHTTPServer, data_dir: Path
) -> None:
    big = Path(site.RequestHandlerClass.keywords["directory"]) / FOLDER.strip("/") / BIG_FILE
    write_casualties(big, 400_000)
    drop_a_2022_collision(site)
    database = warehouse_of(data_dir)
    loads_before = len(loads(database))
    try:
        first = worker(data_dir, site.base_url, "2015", "2015", "casualties")
        second = worker(data_dir, site.base_url, "2021", "2022", "road")
        outputs = [process.communicate(timeout=120)[0] for process in (first, second)]
    finally:
        big.unlink()
        restore(site)
    for process, output in zip((first, second), outputs, strict=True):
        assert process.returncode == 0, output
        # A wait for the other run is said as a wait; DuckDB's lock errors and a timed-out wait never appear.
        assert not any(error in output for error in ("Could not set lock", "Conflicting lock", "WarehouseBusy")), output
    new = loads(database)[loads_before:]
    runs = {row[0] for row in new}
    # (the unchanged 2021 files are only logged: a run re-lands the files that changed)
    assert len(runs) == 2 and all(row[3] in ("landed", "published", "unchanged") for row in new)
    assert {row[0] for row in new if row[3] == "published"} == runs
    # Every load of one run happened while the other run held no load open: they took turns.
    spans = sorted((row[4], row[5], row[0]) for row in new)
    for (_, end, run), (start, _, other) in itertools.pairwise(spans):
        assert run == other or end <= start
    assert count(database, "landing.dft_casualties where collision_year = 2015") == 400_000
    # Each run published what it landed: 2015 from the first, 2021-2022 (11 casualties) from the second.
    assert count(database, "clean.dft_casualties") == 400_000 + 11


def test_a_report_reader_holding_the_snapshot_does_not_block_a_run(
    site: http.server.ThreadingHTTPServer, data_dir: Path
) -> None:
    published = data_dir / "published" / "outcomes.duckdb"
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys\n"
            f"con = duckdb.connect({str(published)!r}, read_only=True)\n"
            "for line in sys.stdin:\n"
            "    print(con.execute('select count(*) from clean.dft_casualties').fetchall()[0][0], flush=True)\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        reader.stdin.write("count\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "12"
        drop_a_2022_collision(site)
        started = time.monotonic()
        result = dg.materialize(
            pipeline(data_dir, site.base_url),
            resources=resources_for(data_dir, site.base_url),
            tags=range_tags("2021", "2022"),
        )
        assert result.success
        assert time.monotonic() - started < 60
        reader.stdin.write("count\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "12"  # the reader keeps the snapshot it opened
    finally:
        reader.kill()
        reader.wait(timeout=10)
        restore(site)
    assert count(published, "clean.dft_casualties") == 11  # a new reader sees the new snapshot
