"""Shared fixtures: a throwaway warehouse and raw store per test, resources in sample or HTTP mode."""

import hashlib
import os
from pathlib import Path

# Step retries are fixed when the assets are imported; a test that meets a transient failure should not
# wait the production 30 s backoff.
os.environ.setdefault("SAFE_OUTCOMES_STEP_RETRIES", "1")
os.environ.setdefault("SAFE_OUTCOMES_STEP_RETRY_DELAY_S", "0.1")

import dagster as dg
import duckdb
import pytest

from assets.resources import (
    AscofResource,
    CouncilResource,
    CouncilReturnsResource,
    EesResource,
    FingertipsResource,
    PopulationResource,
    PublisherClient,
    ReportResource,
    Stats19Resource,
    WarehouseResource,
)
from pipelines.settings import DEFAULTS

REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "real-data"
SAMPLES = Path(__file__).resolve().parents[1] / "sources" / "samples"


def make_resources(data_dir: Path, mode: str = "sample", stats19_base_url: str | None = None) -> dict:
    """The code location's resources pointed at `data_dir`; `stats19_base_url` for a local HTTP server."""
    stats19 = Stats19Resource(base_url=stats19_base_url) if stats19_base_url else Stats19Resource()
    return {
        "warehouse": WarehouseResource(
            path=str(data_dir / "warehouse" / "outcomes.duckdb"),
            published_path=str(data_dir / "published" / "outcomes.duckdb"),
            lock_timeout_s=60.0,
        ),
        "publisher": PublisherClient(
            mode=mode, raw_dir=str(data_dir / "raw"), retries=2, backoff_factor=0.01, read_timeout_s=5.0
        ),
        "stats19_source": stats19,
        "council": CouncilResource(),
        "fingertips_source": FingertipsResource(),
        "ascof_source": AscofResource(releases=DEFAULTS["ASCOF_RELEASES"]),
        "council_returns": CouncilReturnsResource(
            drop_dir=str(data_dir / "drop"),
            pseudonym_key="test-only-key",
            key_file=str(data_dir / "keys" / "pseudonym.key"),
            report_dir=str(data_dir / "reports"),
        ),
        "ees_source": EesResource(),
        "population_source": PopulationResource(),
        "report": ReportResource(reports_dir=str(data_dir / "reports")),
    }


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
