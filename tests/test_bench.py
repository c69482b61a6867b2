"""The load benchmark itself, at a small size (slow: run with `./run test -m slow`)."""

import json
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
