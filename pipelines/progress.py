"""What the command prints while a run goes: one line per step as it finishes, waits shown as waits.

Dagster's own console logger prints every event at DEBUG (about 300 lines on the bundled sample, one per
partition materialised), which buries the few lines an operator needs. The command's runs use this logger
instead: it reads the same events and prints a step's name, rows and seconds when it finishes, a wait for the
warehouse (its lock, or the `duckdb_warehouse` pool held by another run) when it starts, failed checks and
warnings. Every event still goes to the run's event log, which the Dagster UI shows; `--verbose` adds Dagster's
console logger back.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TextIO

import dagster as dg

from assets.resources import WAREHOUSE_POOL


class Verbosity(StrEnum):
    QUIET = "quiet"  # waits, warnings and failures only
    NORMAL = "normal"  # and one line per finished step
    VERBOSE = "verbose"  # and every Dagster event (its console logger)


@dataclass
class _Step:
    rows: dict[str, int] = field(default_factory=dict)
    rebuilt: bool = False

    def summary(self) -> str:
        """Rows landed (a source's step) or built (an indicator's), 'rebuilt', or 'unchanged'."""
        landed = [rows for key, rows in self.rows.items() if key.startswith("landing/")]
        if landed:
            return f"{sum(landed):,} rows landed"
        if not self.rebuilt:
            return "unchanged"
        built = [rows for key, rows in self.rows.items() if not key.startswith("clean/")]
        return f"{sum(built):,} rows" if built else "rebuilt"


class Progress(logging.Handler):
    """A logging handler for Dagster's log records that prints the operator's lines to `stream`."""

    def __init__(self, verbosity: Verbosity, stream: TextIO | None = None) -> None:
        super().__init__(level=logging.DEBUG)
        self.verbosity = verbosity
        self.stream = stream or sys.stdout
        self.steps: dict[tuple[str, str], _Step] = {}
        self.waiting: set[str] = set()  # runs whose wait for the pool has been said

    def say(self, line: str) -> None:
        print(line, file=self.stream, flush=True)

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event: dg.DagsterEvent | None = meta.get("dagster_event")
        run_id, step_key = meta.get("run_id") or "", meta.get("step_key") or ""
        if event is None:
            if record.levelno >= logging.WARNING:
                self.say(f"  ! {step_key + ': ' if step_key else ''}{meta.get('orig_message', record.getMessage())}")
            return
        step = self.steps.setdefault((run_id, event.step_key or ""), _Step())
        kind = event.event_type
        if kind == dg.DagsterEventType.RUN_START and self.verbosity != Verbosity.QUIET:
            self.say(f"{event.job_name}: run {run_id}")
        elif kind == dg.DagsterEventType.ENGINE_EVENT and "blocked by limit for pool" in (event.message or ""):
            # Said once per run: the two runs' steps then take turns, and every turn would be another line.
            if run_id not in self.waiting:
                self.waiting.add(run_id)
                self.say(
                    f"  ... waiting for the warehouse: another run holds the {WAREHOUSE_POOL} pool; this run's "
                    f"steps take turns with it ({event.step_key} is next)"
                )
        elif kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.step_materialization_data.materialization
            metadata = {key: value.value for key, value in materialization.metadata.items()}
            rows = metadata.get("dagster/row_count", metadata.get("rows_published"))
            key = materialization.asset_key.to_user_string()
            if isinstance(rows, int):
                step.rows[key] = rows  # a landing asset repeats per partition with the same count: counted once
            step.rebuilt = step.rebuilt or metadata.get("rebuilt", key.startswith("landing/")) is True
        elif kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed and self.verbosity != Verbosity.QUIET:
                level = "warning" if evaluation.severity == dg.AssetCheckSeverity.WARN else "FAILED"
                self.say(f"  ! check {evaluation.check_name} ({level}): {_short(evaluation.description or '')}")
        elif kind == dg.DagsterEventType.STEP_SUCCESS and self.verbosity != Verbosity.QUIET:
            seconds = event.step_success_data.duration_ms / 1000
            self.say(f"  {event.step_key:<48}{step.summary():>20}{seconds:>8.1f} s")
        elif kind == dg.DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error  # its first line here; the summary after the run has it all
            first = error.message.strip().splitlines()[0] if error and error.message.strip() else ""
            self.say(f"  {event.step_key:<48}{'FAILED':>20}  {_short(first)}")
        elif kind == dg.DagsterEventType.STEP_SKIPPED and self.verbosity != Verbosity.QUIET:
            self.say(f"  {event.step_key:<48}{'skipped':>20}  (an earlier step failed)")


def _short(text: str, limit: int = 160) -> str:
    """A check's summary on one line: the full text is in the event log and the problem report."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def console_loggers(verbosity: Verbosity) -> tuple[dict[str, dg.LoggerDefinition], dict[str, dict]]:
    """The loggers a command's runs use, and their run config: the operator's lines, and Dagster's console logger
    at DEBUG (every event, as Dagster prints with no logger configured) when verbose."""
    handler = Progress(verbosity)

    @dg.logger(description="One line per finished step, waits and failures (the command line's output).")
    def progress(_context: dg.InitLoggerContext) -> logging.Logger:
        log = logging.Logger("safe_outcomes.progress", level=logging.DEBUG)
        log.addHandler(handler)
        return log

    if verbosity != Verbosity.VERBOSE:
        return {"progress": progress}, {"progress": {}}
    return (
        {"progress": progress, "console": dg.colored_console_logger},
        {"progress": {}, "console": {"config": {"log_level": "DEBUG"}}},
    )
