"""The main command's runs happen in a child process it can always stop, and whose leftovers it can always clear.

Dagster's in-process executor captures SIGINT and SIGTERM and only looks at them between steps of its own
choosing, so a stop request to a process running a job is ignored until the job ends; and a run whose process
was killed keeps its `duckdb_warehouse` pool slot, so every later run waits for it forever. So the command
supervises: it starts the work in a child process (tagging each run with the child's pid), and on SIGTERM or
Ctrl-C kills the child, marks its runs cancelled and frees their pool slots. Killing is safe at any point: every
warehouse write is one DuckDB transaction (rolled back when the file is next opened), the warehouse lock is an OS
lock that dies with the process, and the snapshot is swapped in by one rename. At start it also clears what an
earlier command left behind when it was killed with no chance to clean up (`kill -9`, the OOM killer, a power cut):
the child does that, before its own runs, so the command itself starts without loading Dagster (2 s of every
command) and loads it only when it must mark runs after a stop.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dagster as dg

PID_TAG = "safe_outcomes/pid"


def _active() -> list[dg.DagsterRunStatus]:
    import dagster as dg

    return [
        dg.DagsterRunStatus.QUEUED,
        dg.DagsterRunStatus.NOT_STARTED,
        dg.DagsterRunStatus.STARTING,
        dg.DagsterRunStatus.STARTED,
        dg.DagsterRunStatus.CANCELING,
    ]


def instance() -> dg.DagsterInstance:
    """The instance of `$DAGSTER_HOME` (Dagster's SQLite there keeps its engines: `pipelines.event_log`), else a
    temporary one."""
    import dagster as dg

    if not os.getenv("DAGSTER_HOME"):
        return dg.DagsterInstance.ephemeral()
    from pipelines.event_log import kept_engine_instance

    dg.DagsterInstance.get().dispose()  # Dagster's own checks of $DAGSTER_HOME (absolute, a folder), with its words
    return kept_engine_instance(os.environ["DAGSTER_HOME"])


def _runs(store: dg.DagsterInstance, **tags: str) -> list[dg.DagsterRun]:
    """The runs not yet finished, of the child with these tags."""
    import dagster as dg

    return list(store.get_runs(filters=dg.RunsFilter(statuses=_active(), tags=tags or None)))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _release(store: dg.DagsterInstance, run: dg.DagsterRun, message: str, cancelled: bool) -> None:
    if cancelled:
        store.report_run_canceled(run, message=message)
    else:
        store.report_run_failed(run, message=message)
    store.event_log_storage.free_concurrency_slots_for_run(run.run_id)


def release_abandoned_runs(store: dg.DagsterInstance) -> list[str]:
    """Runs of an earlier command whose process is gone: marked failed and their pool slots freed."""
    released = []
    for run in _runs(store):
        pid = run.tags.get(PID_TAG)
        if pid and pid.isdigit() and not _alive(int(pid)):
            message = f"its process ({pid}) ended without finishing it (killed or crashed); its pool slot is freed"
            _release(store, run, message, cancelled=False)
            released.append(run.run_id)
    return released


def cancel_runs_of(store: dg.DagsterInstance, pid: int) -> list[str]:
    """The active runs of the child `pid`, marked cancelled and their pool slots freed."""
    runs = _runs(store, **{PID_TAG: str(pid)})
    for run in runs:
        _release(store, run, "stopped by a stop request (SIGTERM or Ctrl-C)", cancelled=True)
    return [run.run_id for run in runs]


def remove_partial_snapshots(published: Path) -> list[Path]:
    """Half-written snapshot files a killed publish left beside the snapshot (readers never opened them)."""
    leftovers = sorted(published.parent.glob(f".{published.name}.partial*")) if published.parent.exists() else []
    for path in leftovers:
        path.unlink(missing_ok=True)
    return leftovers


def supervise(arguments: list[str], published: Path) -> int:
    """Run `python -m pipelines.main <arguments>` as a child; stop it (and clean up) on SIGTERM or Ctrl-C."""
    remove_partial_snapshots(published)
    child = subprocess.Popen([sys.executable, "-m", "pipelines.main", *arguments], start_new_session=True)
    stop: list[int] = []

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        stop.append(signum)
        if child.poll() is None:
            child.kill()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        code = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not stop:
        if code < 0:  # the child was killed by someone else (the OOM killer, kill -9): free what its runs held
            store = instance()
            for run in _runs(store, **{PID_TAG: str(child.pid)}):
                _release(store, run, f"its process was killed ({signal.Signals(-code).name})", cancelled=False)
            remove_partial_snapshots(published)
        return code
    started = time.monotonic()
    cancelled = cancel_runs_of(instance(), child.pid)
    remove_partial_snapshots(published)
    name = signal.Signals(stop[0]).name
    print(
        f"\nsafe-outcomes: stopped on {name}; runs cancelled: {', '.join(cancelled) or 'none'}. The warehouse and "
        f"the published snapshot are as the last finished step left them ({time.monotonic() - started:.1f} s).",
        file=sys.stderr,
    )
    return 128 + stop[0]


def release_before_running(store: dg.DagsterInstance) -> None:
    """In the child, before its first run: what an earlier command's killed process left is released and said."""
    for run_id in release_abandoned_runs(store):
        print(f"safe-outcomes: run {run_id} of a command that was killed is marked failed; its slot is freed")
