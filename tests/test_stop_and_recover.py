"""The main command stops when asked and recovers from being killed (issue 16, "runs that never end").

SIGTERM or Ctrl-C (SIGINT) mid-run ends the command within 10 s, marks its run cancelled, frees the warehouse
pool slot and the lock, and leaves the published snapshot as it was; after a `kill -9` of the command mid-run,
the next command marks the dead run failed, frees its slot and completes without any manual step; a failing
source ends the command promptly with its error, while the other sources are unchanged.
"""

import hashlib
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import ROOT, environment, run_main
from tests.test_revisions import revise_dfe

MARKER = "dfe_cin_b1_sources - STEP_START"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def start(folder: Path) -> tuple[subprocess.Popen, list[str], threading.Event]:
    """`safe-outcomes run --verbose` (Dagster's events too) in its own session; its output lines are collected;
    the event fires at MARKER."""
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines.main", "run", "--verbose"],
        cwd=ROOT,
        env=environment(folder),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    reached = threading.Event()

    def read() -> None:
        for line in process.stdout or []:
            lines.append(line)
            if MARKER in line:
                reached.set()

    threading.Thread(target=read, daemon=True).start()
    return process, lines, reached


def runs(folder: Path) -> list[dg.DagsterRun]:
    with dg.instance_for_test(temp_dir=str(folder / "dagster")) as store:
        return list(store.get_runs())


def claimed_slots(folder: Path) -> list:
    with dg.instance_for_test(temp_dir=str(folder / "dagster")) as store:
        return store.event_log_storage.get_concurrency_info("duckdb_warehouse").claimed_slots


@pytest.fixture
def installation(installed_run: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "installation"
    shutil.copytree(installed_run, folder)
    revise_dfe(folder / "samples")  # so that the next run has work to do
    return folder


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_stop_request_ends_the_run_within_10_s_and_the_next_run_completes(
    installation: Path, stop: signal.Signals
) -> None:
    snapshot = installation / "data" / "published" / "outcomes.duckdb"
    before = sha(snapshot)
    process, lines, reached = start(installation)
    assert reached.wait(120), "".join(lines[-30:])
    asked = time.monotonic()
    process.send_signal(stop)
    code = process.wait(timeout=10)
    assert time.monotonic() - asked < 10
    assert code == 128 + stop
    assert f"stopped on {stop.name}" in "".join(lines)
    assert sha(snapshot) == before, "the snapshot is as it was"
    assert not list(snapshot.parent.glob(".outcomes.duckdb.partial*"))
    [run] = [run for run in runs(installation) if run.status != dg.DagsterRunStatus.SUCCESS]
    assert run.status == dg.DagsterRunStatus.CANCELED
    assert claimed_slots(installation) == []
    if stop == signal.SIGTERM:  # the same release either way: one next run shows it (the suite's time)
        run_main(installation)  # the lock and the slot are free: the next run completes and publishes
        assert sha(snapshot) != before


def test_after_kill_9_the_next_run_frees_the_dead_runs_slot_and_completes(installation: Path) -> None:
    process, lines, reached = start(installation)
    assert reached.wait(120), "".join(lines[-30:])
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    for pid in [process.pid, *map(int, children)]:
        subprocess.run(["kill", "-9", str(pid)], check=False)
    process.wait(timeout=10)
    time.sleep(0.5)
    assert [run.status for run in runs(installation)].count(dg.DagsterRunStatus.STARTED) == 1
    started = time.monotonic()
    output = run_main(installation)
    assert time.monotonic() - started < 240
    assert "of a command that was killed is marked failed; its slot is freed" in output
    statuses = [run.status for run in runs(installation)]
    assert dg.DagsterRunStatus.STARTED not in statuses and dg.DagsterRunStatus.FAILURE in statuses
    assert claimed_slots(installation) == []


def test_a_failing_source_ends_the_command_promptly_while_the_others_are_unchanged(installation: Path) -> None:
    casualties = installation / "samples" / "data.dft.gov.uk" / "road-accidents-safety-data"
    path = casualties / "dft-road-casualty-statistics-casualty-2025.csv"
    path.write_bytes(path.read_bytes()[:20_000])  # cut mid-line, as a half-copied file is
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "pipelines.main", "run"],
        cwd=ROOT,
        env=environment(installation),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert time.monotonic() - started < 60, "the command must end, not hang, when a step fails"
    assert completed.returncode == 1
    assert "dft-road-casualty-statistics-casualty-2025.csv" in completed.stdout
    assert "expected 23 columns but found" in completed.stdout
