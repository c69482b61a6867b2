"""The load benchmark itself, at a small size (slow: run with `./run test -m slow`)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_benchmark_runs_and_reconciles_every_row() -> None:
    rows = 100_000
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "stats19_load.py"), str(rows)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    results = json.loads((ROOT / "data" / "bench" / str(rows) / "results.json").read_text())
    assert results["bare"]["rows"] == results["load"]["rows"] == results["load+checks"]["rows"] == rows
    assert "rules passed on 100,000 rows" in results["load+checks"]["checks"]


@pytest.mark.slow
def test_the_national_benchmark_runs_the_whole_command_three_ways(tmp_path: Path) -> None:
    """`./run bench national 0.001`: fresh, unchanged and revised runs of the main command, one table, one line."""
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "national_run.py"), "0.001"],
        cwd=ROOT,
        env={**os.environ, "BENCH_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    lines = completed.stdout.strip().splitlines()
    last = r"fresh/floor \d+\.\d\d revision/fresh \d+\.\d\d unchanged_s \d+\.\d peak_rss_mb \d+"
    assert re.fullmatch(last, lines[-1]), lines[-1]
    assert sum(line.startswith(("| fresh", "| unchanged", "| revision", "| floor")) for line in lines) == 4
    revised = tmp_path / "12000" / "samples" / "data.dft.gov.uk" / "road-accidents-safety-data"
    assert (revised / "dft-road-casualty-statistics-casualty-2025.csv").is_file()
