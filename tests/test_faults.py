"""Faults an unattended pipeline meets, each bounded in time: a run killed mid-load, two runs at once, a report
reader holding the snapshot, a flaky or hanging publisher, and a raw store that is full or read-only.

Runs that must be killed or raced run in their own processes (`tests/fault_worker.py`) against a local file
server; the others run in this process. Each starts from a copy of one baseline warehouse (2021-2022 loaded
and published) and compares `table_fingerprints` before and after.
"""

import fcntl
import http.server
import itertools
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from assets.resources import PublisherClient
from tests.conftest import range_tags, table_fingerprints
from tests.stats19_fixtures import CASUALTY_HEADER_2024, casualty
from tests.test_road_pipeline import CASUALTY_2022, FOLDER, road_assets, road_graph, stats19_files

ROOT = Path(__file__).resolve().parents[1]
BIG_FILE = "dft-road-casualty-statistics-casualty-1979-latest-published-year.csv"
SCHEMAS = ("landing", "clean", "marts")


def pipeline(data_dir: Path, base_url: str) -> list[dg.AssetsDefinition]:
    """The road assets of a catalogue at `base_url`, then the report cards and the published snapshot."""
    folder = data_dir.parent / "catalogue"
    graph = road_graph(folder, base_url)
    return [*road_assets(folder, base_url), graph.cards, graph.published]


COLLISION_2022 = CASUALTY_2022.replace("casualty-2022", "collision-2022")


def drop_last_2022_collision(site: http.server.ThreadingHTTPServer) -> None:
    """Publish a revised 2022: its last collision (2022630000008, one casualty) withdrawn from both files."""
    for path in (COLLISION_2022, CASUALTY_2022):
        target = site_file(site, path)
        lines = target.read_text().splitlines()
        assert lines[-1].startswith("2022630000008,")
        target.write_text("\n".join(lines[:-1]) + "\n")


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


def count(database: Path, table: str) -> int:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(f"select count(*) from {table}").fetchall()[0][0]
    finally:
        con.close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output to the pipeline's own messages."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder served over HTTP the way a static publisher serves it (Last-Modified and 304s included)."""
    root = tmp_path_factory.mktemp("site")
    folder = root / FOLDER.strip("/")
    folder.mkdir(parents=True)
    for path, body in stats19_files().items():
        (root / path.lstrip("/")).write_text(body)
    handler = partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.base_url = f"http://127.0.0.1:{server.server_address[1]}{FOLDER}"
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def baseline(site: http.server.ThreadingHTTPServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with 2021-2022 landed, checked, published to clean and marts, and snapshotted."""
    data_dir = tmp_path_factory.mktemp("baseline") / "data"
    result = dg.materialize(
        pipeline(data_dir, site.base_url),
        resources=resources_for(data_dir, site.base_url),
        tags=range_tags("2021", "2022"),
    )
    assert result.success
    return data_dir


def resources_for(data_dir: Path, base_url: str, **publisher: float) -> dict:
    from assets.resources import Stats19Resource
    from tests.conftest import make_resources

    resources = make_resources(data_dir, mode="live")
    resources["stats19_source"] = Stats19Resource(baseline_first_year=2021, baseline_last_year=2022)
    if publisher:
        settings = {"retries": 2, "backoff_factor": 0.01, "read_timeout_s": 5.0} | publisher
        resources["publisher"] = PublisherClient(mode="live", raw_dir=str(data_dir / "raw"), **settings)
    return resources


@pytest.fixture
def data_dir(baseline: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(baseline, copy)
    return copy


def warehouse_of(data_dir: Path) -> Path:
    return data_dir / "warehouse" / "outcomes.duckdb"


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

    drop_last_2022_collision(site)
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
    drop_last_2022_collision(site)
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
        assert "lock" not in output.lower(), output
    new = loads(database)[loads_before:]
    runs = {row[0] for row in new}
    assert len(runs) == 2 and all(row[3] in ("landed", "published") for row in new)
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
        drop_last_2022_collision(site)
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


def served(httpserver: HTTPServer, handlers: dict) -> str:
    """Serve the fixture with `handlers` replacing some paths; return the base URL."""
    for path, body in stats19_files().items():
        handler = handlers.get(path) or (lambda request, body=body: Response(body, content_type="text/csv"))
        httpserver.expect_request(path).respond_with_handler(handler)
    return httpserver.url_for(FOLDER)


def test_a_source_answering_503_five_times_then_succeeding(httpserver: HTTPServer, data_dir: Path) -> None:
    body = stats19_files()[CASUALTY_2022]
    answers = iter([Response("Service Unavailable", status=503)] * 5)

    def flaky(request: Request) -> Response:
        return next(answers, None) or Response(body, content_type="text/csv")

    base_url = served(httpserver, {CASUALTY_2022: flaky})
    resources = resources_for(data_dir, base_url, retries=5)
    result = dg.materialize(pipeline(data_dir, base_url), resources=resources, tags=range_tags("2021", "2022"))
    assert result.success
    statuses = [response.status_code for request, response in httpserver.log if request.path == CASUALTY_2022]
    assert statuses == [503, 503, 503, 503, 503, 200]  # each table's step fetches only its own files
    assert count(warehouse_of(data_dir), "clean.dft_casualties") == 12


def test_a_source_that_hangs_past_the_read_timeout_fails_clearly(httpserver: HTTPServer, data_dir: Path) -> None:
    released = threading.Event()

    def hang(request: Request) -> Response:
        released.wait(timeout=10)
        return Response("too late", content_type="text/csv")

    base_url = served(httpserver, {CASUALTY_2022: hang})
    database = warehouse_of(data_dir)
    before = table_fingerprints(database, SCHEMAS)
    started = time.monotonic()
    try:
        result = dg.materialize(
            pipeline(data_dir, base_url),
            resources=resources_for(data_dir, base_url, retries=0, read_timeout_s=0.5),
            tags=range_tags("2021", "2022"),
            raise_on_error=False,
        )
    finally:
        released.set()
    assert not result.success
    assert time.monotonic() - started < 30
    message = step_errors(result)
    assert "timed out" in message and httpserver.url_for(CASUALTY_2022) in message
    assert table_fingerprints(database, SCHEMAS) == before


def step_errors(result: dg.ExecuteInProcessResult) -> str:
    """Every error the UI shows for the run's failed attempts, with their causes (a step retried by its
    policy reports "Exceeded max_retries" last; the cause is on the attempts before)."""
    messages = []
    for event in result.all_events:
        if event.is_step_failure or event.is_step_up_for_retry:
            error = getattr(event.event_specific_data, "error", None)
            while error is not None:
                messages.append(error.message)
                error = error.cause
    return "\n".join(messages)


@pytest.fixture
def small_filesystem(data_dir: Path) -> Iterator[callable]:
    """Mount a tmpfs over the raw store (root only): `mount(options)`; unmounted afterwards."""
    raw = data_dir / "raw"
    shutil.rmtree(raw)
    raw.mkdir()
    mounted = []

    def mount(options: str) -> Path:
        completed = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(raw)], capture_output=True, text=True, timeout=10
        )
        if completed.returncode != 0:
            pytest.skip(f"cannot mount a small filesystem here (needs root): {completed.stderr.strip()}")
        mounted.append(raw)
        return raw

    yield mount
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], check=False, timeout=10)


@pytest.mark.parametrize(
    ("options", "expected"),
    [("size=64k", "No space left on device"), ("ro,size=64k", "Read-only file system")],
    ids=["disk-full", "read-only"],
)
def test_a_full_or_read_only_raw_store_fails_clearly_and_changes_nothing(
    httpserver: HTTPServer, data_dir: Path, small_filesystem, options: str, expected: str
) -> None:
    # A revised 2022 (both files change, so both landing steps must store a new file): the casualty file is
    # about 200 KB, more than the 64 KB store holds.
    files = stats19_files()
    collisions = "\n".join(files[COLLISION_2022].splitlines()[:-1]) + "\n"
    lines = files[CASUALTY_2022].splitlines()
    large = "\n".join([lines[0], *(lines[1:-1] * 400)]) + "\n"
    base_url = served(
        httpserver,
        {
            COLLISION_2022: lambda request: Response(collisions, content_type="text/csv"),
            CASUALTY_2022: lambda request: Response(large, content_type="text/csv"),
        },
    )
    raw = small_filesystem(options)
    database = warehouse_of(data_dir)
    before = table_fingerprints(database, SCHEMAS)
    result = dg.materialize(
        pipeline(data_dir, base_url),
        resources=resources_for(data_dir, base_url),
        tags=range_tags("2021", "2022"),
        raise_on_error=False,
    )
    assert not result.success
    message = step_errors(result)
    assert expected in message, message
    # The small collisions file may still fit a nearly full store and land on its own; the casualties and
    # everything built from them stay exactly as they were.
    after = table_fingerprints(database, SCHEMAS)
    assert {key: value for key, value in after.items() if "dft_collisions" not in key} == {
        key: value for key, value in before.items() if "dft_collisions" not in key
    }
    assert not list(raw.rglob(".partial-*"))  # no half-written file left in the store
