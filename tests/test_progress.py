"""The command's console lines (issue 15): waits shown as waits, one line per finished step, quiet is quiet."""

import io
import logging

import dagster as dg
from dagster._core.events import EngineEventData, StepMaterializationData
from dagster._core.execution.plan.objects import StepFailureData, StepSuccessData
from dagster._utils.error import SerializableErrorInfo

from pipelines.progress import Progress, Verbosity


def record(event: dg.DagsterEvent | None = None, message: str = "", level: int = logging.DEBUG) -> logging.LogRecord:
    """A log record as Dagster hands it to a run's loggers: its metadata, and the event if it is one."""
    entry = logging.LogRecord("dagster", level, __file__, 0, message, None, None)
    entry.dagster_meta = {
        "run_id": "run-1",
        "step_key": event.step_key if event else "dft_casualties_sources",
        "dagster_event": event,
        "orig_message": message,
    }
    return entry


def event(kind: str, message: str = "", data: object = None) -> dg.DagsterEvent:
    return dg.DagsterEvent(
        event_type_value=kind,
        job_name="main_job",
        step_key="dft_casualties_sources",
        message=message,
        event_specific_data=data,
    )


def printed(verbosity: Verbosity, records: list[logging.LogRecord]) -> list[str]:
    stream = io.StringIO()
    handler = Progress(verbosity, stream)
    for entry in records:
        handler.handle(entry)
    return stream.getvalue().splitlines()


def materialized(key: list[str], metadata: dict) -> dg.DagsterEvent:
    return event("ASSET_MATERIALIZATION", data=StepMaterializationData(dg.AssetMaterialization(key, metadata=metadata)))


def test_waits_for_the_warehouse_show_as_waits_even_when_quiet() -> None:
    pool = EngineEventData(metadata={"pool": dg.MetadataValue.pool("duckdb_warehouse")})
    blocked = event("ENGINE_EVENT", "Step blocked by limit for pool duckdb_warehouse", pool)
    still = event("ENGINE_EVENT", "Step still blocked by limit for pool duckdb_warehouse", pool)
    lock = record(
        message="waiting for the warehouse lock (w.duckdb.lock): another run is writing", level=logging.WARNING
    )
    waits = [record(blocked), record(still), record(blocked), record(still), lock]
    assert printed(Verbosity.QUIET, waits) == [
        "  ... waiting for the warehouse: another run holds the duckdb_warehouse pool; this run's steps take turns "
        "with it (dft_casualties_sources is next)",  # once per run, however many steps wait
        "  ! dft_casualties_sources: waiting for the warehouse lock (w.duckdb.lock): another run is writing",
    ]


def test_one_line_per_finished_step_with_rows_landed_and_seconds() -> None:
    # A landing asset materialises once per partition with the same count: its rows are counted once.
    landings = [materialized(["landing", "dft_casualties"], {"dagster/row_count": 1234}) for _ in range(21)]
    clean = materialized(["clean", "dft_casualties"], {"rows_published": 1200})
    done = event("STEP_SUCCESS", data=StepSuccessData(duration_ms=2500.0))
    records = [record(item) for item in [*landings, clean, done]]
    assert printed(Verbosity.NORMAL, records) == [
        f"  {'dft_casualties_sources':<48}{'1,234 rows landed':>20}     2.5 s"
    ]
    assert printed(Verbosity.QUIET, records) == []
    assert printed(Verbosity.NORMAL, [record(message="fetched 3 files")]) == [], "information stays in the event log"


def test_a_failed_step_is_said_even_when_quiet_with_its_first_line() -> None:
    message = "casualty-2025.csv line 3: expected 23 columns but found 5\nmore"
    error = SerializableErrorInfo(message, [], "Failure")
    failed = event("STEP_FAILURE", data=StepFailureData(error=error, user_failure_data=None))
    expected = (
        f"  {'dft_casualties_sources':<48}{'FAILED':>20}  casualty-2025.csv line 3: expected 23 columns but found 5"
    )
    assert printed(Verbosity.QUIET, [record(failed)]) == [expected]
