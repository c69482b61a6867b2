"""Shared by the fault tests (`test_faults_processes.py`, `test_faults_io.py`): the road pipeline against a
publisher at a given URL, its resources, a static publisher site served over HTTP, and a baseline data folder
(2021-2022 loaded, published and snapshotted) that each test starts from a copy of.

A module of its own because both test modules start from the same baseline and read the warehouse the same way;
each test module binds the fixtures (module scope: each builds its own site and baseline).
"""

import http.server
import shutil
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.resources import PublisherClient
from tests.conftest import range_tags
from tests.test_road_pipeline import CASUALTY_2022, FOLDER, road_assets, road_graph, stats19_files

SCHEMAS = ("landing", "clean", "marts")


def pipeline(data_dir: Path, base_url: str) -> list[dg.AssetsDefinition]:
    """The road assets of a catalogue at `base_url`, then the report cards and the published snapshot."""
    folder = data_dir.parent / "catalogue"
    graph = road_graph(folder, base_url)
    return [*road_assets(folder, base_url), graph.cards, graph.published]


COLLISION_2022 = CASUALTY_2022.replace("casualty-2022", "collision-2022")


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
