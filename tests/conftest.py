"""Shared fixtures: a throwaway warehouse and raw store per test, resources in sample or HTTP mode."""

import hashlib
import os
from pathlib import Path

# Step retries are fixed when the assets are imported; a test that meets a transient failure should not
# wait the production 30 s backoff.
os.environ.setdefault("SAFE_OUTCOMES_STEP_RETRIES", "1")
os.environ.setdefault("SAFE_OUTCOMES_STEP_RETRY_DELAY_S", "0.1")

import shutil
import subprocess
import sys
import tempfile
from functools import cache

import dagster as dg
import duckdb
import pytest

from assets.common import network_retry
from assets.graph import Graph, build_graph
from assets.resources import (
    CouncilResource,
    CouncilReturnsResource,
    PopulationResource,
    PublisherClient,
    ReportResource,
    Stats19Resource,
    WarehouseResource,
)
from sources.http import Downloader, HttpSettings, RawStore, build_session
from sources.source_catalogue import BUNDLED, load

ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "real-data"
SAMPLES = Path(__file__).resolve().parents[1] / "sources" / "samples"
# A pseudonymisation key for tests: 32 bytes or more, as every key must be.
TEST_PSEUDONYM_KEY = "test-only-key-never-used-for-real-data"


def make_resources(data_dir: Path, mode: str = "sample", sample_root: Path | None = None) -> dict:
    """The code location's resources pointed at `data_dir` (and at a copy of the sample, `sample_root`)."""
    return {
        "warehouse": WarehouseResource(
            path=str(data_dir / "warehouse" / "outcomes.duckdb"),
            published_path=str(data_dir / "published" / "outcomes.duckdb"),
            lock_timeout_s=60.0,
        ),
        "publisher": PublisherClient(
            mode=mode,
            raw_dir=str(data_dir / "raw"),
            retries=2,
            backoff_factor=0.01,
            read_timeout_s=5.0,
            sample_dir=str(sample_root or ""),
        ),
        "stats19_source": Stats19Resource(),
        "council": CouncilResource(),
        "council_returns": CouncilReturnsResource(
            drop_dir=str(data_dir / "drop"),
            pseudonym_key=TEST_PSEUDONYM_KEY,
            key_file=str(data_dir / "keys" / "pseudonym.key"),
            report_dir=str(data_dir / "reports"),
        ),
        "population_source": PopulationResource(),
        # Printing the PDF costs seconds per run: only the browser test, which reads it, asks for it.
        "report": ReportResource(reports_dir=str(data_dir / "reports"), chromium="none"),
    }


def graph_for(catalogue_dir: Path | None = None, years: tuple[str, ...] | None = None) -> Graph:
    """Every asset built from a catalogue (the bundled one by default), as the code location builds them."""
    return _graph(str(catalogue_dir or ""), years or tuple(str(year) for year in range(2005, 2026)))


@cache
def _graph(catalogue_dir: str, years: tuple[str, ...]) -> Graph:
    return build_graph(load(catalogue_dir or None), list(years), "2022-04-01", network_retry(1, 0.1))


def local_catalogue(folder: Path, replacements: dict[str, str]) -> Path:
    """A copy of the bundled catalogue with text replaced (a publisher's address pointed at a local server)."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in BUNDLED.glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        for old, new in replacements.items():
            text = text.replace(old, new)
        (folder / path.name).write_text(text, encoding="utf-8")
    return folder


def sample_downloader(raw_dir: Path | None = None) -> Downloader:
    """The sample mode's HTTP client (answers from the bundled sample) with a throwaway raw store."""
    settings = HttpSettings()
    root = raw_dir or Path(tempfile.mkdtemp(prefix="raw-"))
    return Downloader(build_session(settings, sample_root=SAMPLES), RawStore(root), settings)


def sample_copy(folder: Path) -> Path:
    """A copy of the bundled offline sample that a test may revise."""
    shutil.copytree(SAMPLES, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return folder


def asset(graph: Graph, *path: str) -> dg.AssetsDefinition:
    """The assets definition that materialises `path` (a landing and its clean asset share one)."""
    key = dg.AssetKey(list(path))
    for definition in graph.all:
        if key in definition.keys:
            return definition
    raise KeyError(key)


@pytest.fixture(scope="session")
def main_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, Path]:
    """The README's first command (`safe-outcomes run --quiet`, offline on the bundled sample) in a fresh data
    folder, once per session: its tests read what it wrote and change nothing."""
    data = tmp_path_factory.mktemp("data")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SAFE_OUTCOMES_", "DAGSTER_"))}
    completed = subprocess.run(
        [sys.executable, "-m", "pipelines.main", "run", "--quiet"],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT), "SAFE_OUTCOMES_DATA_DIR": str(data), "SAFE_OUTCOMES_CHROMIUM": "none"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return completed, data


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def resources(data_dir: Path) -> dict:
    return make_resources(data_dir)


def range_tags(first: str, last: str) -> dict[str, str]:
    """Run tags that make one run cover partitions first..last (single-run backfill policy)."""
    return {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}


def materialize(
    assets: list, resources: dict, first: str | None = None, last: str | None = None
) -> dg.ExecuteInProcessResult:
    """Materialise `assets` in process over a partition range, without raising on failure."""
    tags = range_tags(first, last or first) if first else None
    return dg.materialize(assets, resources=resources, tags=tags, raise_on_error=False)


def table_fingerprints(database: Path, schemas: tuple[str, ...] = ("clean", "marts")) -> dict[str, str]:
    """A hash of every row of every non-empty table in `schemas`, to prove a failed run changed nothing."""
    if not database.exists():
        return {}
    con = duckdb.connect(str(database), read_only=True)
    try:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where list_contains(?, schema_name) order by all",
            [list(schemas)],
        ).fetchall()
        prints = {}
        for schema, table in tables:
            rows = con.execute(f"select * from {schema}.{table} order by all").fetchall()
            if rows:  # empty tables made by migrations hold nothing a failed run could have changed
                prints[f"{schema}.{table}"] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return prints
    finally:
        con.close()


def rebuilt(result: dg.ExecuteInProcessResult) -> set[str]:
    """The assets a run actually rebuilt: landings of changed files, clean tables that received rows, and
    derived assets whose inputs changed (an unchanged step materialises too, with `rebuilt: False`)."""
    keys = set()
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        metadata = materialization.metadata
        key = materialization.asset_key.to_user_string()
        if key.startswith("landing/"):
            keys.add(key)
        elif key.startswith("clean/"):
            if metadata["rows_published"].value:
                keys.add(key)
        elif metadata["rebuilt"].value:
            keys.add(key)
    return keys


def environment(folder: Path) -> dict[str, str]:
    """The settings of one engineer's installation, all under `folder` (the main command run as a person would)."""
    return {
        **os.environ,
        "SAFE_OUTCOMES_DATA_DIR": str(folder / "data"),
        "DAGSTER_HOME": str(folder / "dagster"),
        "SAFE_OUTCOMES_SAMPLE_DIR": str(folder / "samples"),
        "COUNCIL_RETURNS_DROP_DIR": str(folder / "samples" / "council_returns"),
        "COUNCIL_RETURNS_PSEUDONYM_KEY": "revision-tests-key-at-least-32-bytes-long",
        "STATS19_YEARS": "2024-2025",
        "SAFE_OUTCOMES_STEP_RETRIES": "0",
        "SAFE_OUTCOMES_CHROMIUM": "none",
    }


def main_command(folder: Path, *arguments: str, **settings: str) -> subprocess.CompletedProcess:
    """`safe-outcomes run` (or the command `arguments` name) in `folder`'s installation, with `settings` set in its
    environment; whatever it ends with."""
    return subprocess.run(
        [sys.executable, "-m", "pipelines.main", *(arguments or ("run",))],
        cwd=ROOT,
        env={**environment(folder), **settings},
        capture_output=True,
        text=True,
        timeout=600,
    )


def run_main(folder: Path, *arguments: str) -> str:
    """`safe-outcomes run` (or the command `arguments` name) in `folder`'s installation; it must succeed."""
    completed = main_command(folder, *arguments)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return completed.stdout + completed.stderr


@pytest.fixture(scope="session")
def installed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One installation after a first `safe-outcomes run` on a copy of the sample: tests copy it and go on."""
    folder = tmp_path_factory.mktemp("first")
    sample_copy(folder / "samples")
    (folder / "dagster").mkdir()
    shutil.copy(ROOT / "dagster.yaml", folder / "dagster" / "dagster.yaml")
    run_main(folder)
    return folder
