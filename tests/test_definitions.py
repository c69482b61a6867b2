"""The code location as the Dagster UI sees it: assets, checks, pools, schedule."""

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.definitions import defs
from pipelines.graph import STATS19_YEARS
from pipelines.schedules import nightly_refresh

ROOT = Path(__file__).resolve().parents[1]


def test_definitions_load_and_keys_mirror_tables() -> None:
    dg.Definitions.validate_loadable(defs)
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {
        "marts/areas",
        "landing/dft_collisions",
        "landing/dft_casualties",
        "clean/dft_collisions",
        "clean/dft_casualties",
        "marts/road_indicators",
        "published/outcomes",
        "marts/indicator_report",
        "reports/outcomes_monitoring",
    } <= keys


def test_landing_and_clean_nodes_say_which_they_are() -> None:
    """The UI labels a node with its key's last part, the same for a landing asset and its clean asset: the kind
    tag on the node tells them apart (issue 15)."""
    graph = defs.resolve_asset_graph()
    layers = {"landing": [], "clean": []}
    for key in graph.get_all_asset_keys():
        layer = key.path[0]
        if layer in layers:
            layers[layer].append(key)
            other = "clean" if layer == "landing" else "landing"
            assert layer in graph.get(key).kinds and other not in graph.get(key).kinds, key
    assert len(layers["landing"]) == len(layers["clean"]) > 10


# Assets that only read the published snapshot (never the warehouse) stay out of the writers' pool.
SNAPSHOT_READERS = {dg.AssetKey(["reports", "outcomes_monitoring"])}


def test_every_warehouse_writer_is_in_the_pool_and_checks_block() -> None:
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.pools == (set() if key in SNAPSHOT_READERS else {"duckdb_warehouse"}), key
    specs = {key.name: graph.get_check_spec(key) for key in graph.asset_check_keys}
    assert specs["dft_casualties_rules"].blocking and specs["dft_collisions_rules"].blocking


def test_nightly_schedule_runs_every_year_in_one_run_at_three_uk_time() -> None:
    schedule = defs.resolve_schedule_def("nightly_refresh")
    assert schedule.cron_schedule == "0 3 * * *"
    assert schedule.execution_timezone == "Europe/London"
    tick = datetime(2026, 3, 29, 3, tzinfo=ZoneInfo("Europe/London"))  # the morning the clocks go forward
    request = nightly_refresh(dg.build_schedule_context(scheduled_execution_time=tick))
    assert request.run_key == "nightly-2026-03-29"
    assert request.tags["dagster/asset_partition_range_start"] == STATS19_YEARS[0]
    assert request.tags["dagster/asset_partition_range_end"] == STATS19_YEARS[-1]


def test_definitions_import_without_deprecation_warnings() -> None:
    completed = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", "import pipelines.definitions"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr


def test_dg_check_defs_passes_without_deprecation_warnings() -> None:
    dg_command = Path(sys.executable).parent / "dg"
    completed = subprocess.run(
        [str(dg_command), "check", "defs"],
        cwd=ROOT,
        env={**os.environ, "VIRTUAL_ENV": str(Path(sys.executable).parent.parent)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-3000:]
    assert "All definitions loaded successfully." in output
    assert "DeprecationWarning" not in output
