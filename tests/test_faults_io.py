"""Faults of the outside world an unattended pipeline meets, each bounded in time: a flaky or hanging publisher,
and a raw store that is full or read-only.

The publisher is a local pytest-httpserver that answers some paths badly; the runs are in this process. Each
test starts from a copy of one baseline warehouse (2021-2022 loaded and published; `tests/fault_support.py`) and
compares `table_fingerprints` before and after.
"""

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests import fault_support
from tests.conftest import range_tags, table_fingerprints
from tests.fault_support import COLLISION_2022, SCHEMAS, count, pipeline, resources_for, warehouse_of
from tests.test_road_pipeline import CASUALTY_2022, FOLDER, stats19_files

# The shared fixtures, bound here for pytest to find (site and baseline have module scope: built once per module).
site, baseline, data_dir = fault_support.site, fault_support.baseline, fault_support.data_dir


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
