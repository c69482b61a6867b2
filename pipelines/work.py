"""The work behind the command line, in the child process it supervises: the runs, and what is printed after.

`run` (`main`): every public source for every configured year in one run (each publisher file is fetched once),
then the council's returns, then the council's tables, where the report is and any problem report. `report`: only
the report, from the published snapshot. `export`: only the snapshot and its exports. The runs print the
operator's lines as they go (`pipelines.progress`); every Dagster event stays in the run's event log.
"""

import os
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from pipelines.progress import Verbosity, console_loggers
from pipelines.settings import current_value, stats19_years
from pipelines.supervisor import PID_TAG, instance, release_before_running
from sources.drop_folders import quarter_folders
from warehouse.council_returns import partition_key
from warehouse.problem_reports import report_path as problem_report_path
from warehouse.report_files import last_report


def _definitions() -> dg.Definitions:
    """The code location, imported only once the settings have been checked (importing it reads them)."""
    from pipelines.definitions import defs

    return defs


def _execute(
    job_name: str,
    store: dg.DagsterInstance,
    verbosity: Verbosity,
    tags: dict[str, str] | None = None,
    selection: list[dg.AssetKey] | None = None,
) -> dg.ExecuteInProcessResult:
    """One run of `job_name` in this process, printing the operator's lines (`pipelines.progress`)."""
    loggers, config = console_loggers(verbosity)
    job = _definitions().resolve_job_def(job_name).with_logger_defs(loggers)
    return job.execute_in_process(
        run_config={"loggers": config},
        instance=store,
        tags={**(tags or {}), PID_TAG: str(os.getpid())},
        raise_on_error=False,
        asset_selection=selection,
    )


def run_main_job(
    instance: dg.DagsterInstance, verbosity: Verbosity = Verbosity.NORMAL
) -> list[dg.ExecuteInProcessResult]:
    """Every public source for every configured year, then the council's returns, then publish once.

    The report cards, the snapshot and the report are rebuilt once per command: by the council's returns run
    when the drop folder has quarters, else by the main job itself.
    """
    from pipelines.graph import GRAPH

    quarters = council_quarters()
    years = stats19_years()
    job = _definitions().resolve_job_def("main_job")
    selection = [key for key in job.asset_layer.executable_asset_keys if not quarters or key not in GRAPH.publishing]
    tags = {"dagster/asset_partition_range_start": years[0], "dagster/asset_partition_range_end": years[-1]}
    result = _execute("main_job", instance, verbosity, tags, selection)
    if not result.success or not quarters:
        return [result]
    tags = {"dagster/asset_partition_range_start": quarters[0], "dagster/asset_partition_range_end": quarters[-1]}
    return [result, _execute("council_returns_job", instance, verbosity, tags)]


def council_quarters() -> list[str]:
    """The quarters in the council's drop folder (the bundled sample offline), first to last."""
    folders = quarter_folders(Path(current_value("COUNCIL_RETURNS_DROP_DIR")))
    return sorted(key for key in (partition_key(as_at) for as_at in folders) if key is not None)


def council_table(published_path: str, area_code: str, rows: int = 8) -> str:
    """The council's KSI lines as the committee reads them, from the published snapshot."""
    con = duckdb.connect(published_path, read_only=True)
    try:
        name_rows = con.execute("select area_name from marts.areas where area_code = ?", [area_code]).fetchall()
        if not name_rows:
            return f"{area_code} is not an English upper-tier authority known to the warehouse."
        frame = con.execute(
            """
            with v as (
                select area_code, period_type, period_label, period_end, indicator_id, variant, value
                from marts.indicator_values
                where source = 'dft_stats19' and area_code in (?, 'E92000001')
            ),
            wide as (
                select period_type, period_label, period_end,
                    max(value) filter (where area_code = ? and indicator_id = 'road_ksi'
                                       and variant = 'unadjusted') as ksi,
                    max(value) filter (where area_code = ? and indicator_id = 'road_ksi'
                                       and variant = 'severity_adjusted') as ksi_adjusted,
                    max(value) filter (where area_code = ? and indicator_id = 'road_ksi_vs_baseline_pct'
                                       and variant = 'severity_adjusted') as vs_baseline,
                    max(value) filter (where area_code = ? and indicator_id = 'road_casualties') as casualties,
                    max(value) filter (where area_code = 'E92000001' and indicator_id = 'road_ksi_vs_baseline_pct'
                                       and variant = 'severity_adjusted') as england_vs_baseline
                from v group by all
            )
            select * from (
                select *, row_number() over (partition by period_type order by period_end desc) as recent
                from wide
            ) where recent <= ? order by period_type, period_end
            """,
            [area_code, area_code, area_code, area_code, area_code, rows],
        ).df()
    finally:
        con.close()
    lines = [
        f"{name_rows[0][0]} ({area_code}): people killed or seriously injured (KSI) on the roads",
        f"{'period':<24}{'KSI':>8}{'KSI adj.':>11}{'vs 2005-09':>12}{'England vs 2005-09':>20}{'casualties':>12}",
    ]
    for row in frame.itertuples():
        lines.append(
            f"{row.period_label:<24}{_number(row.ksi, 0):>8}{_number(row.ksi_adjusted, 1):>11}"
            f"{_percent(row.vs_baseline):>12}{_percent(row.england_vs_baseline):>20}{_number(row.casualties, 0):>12}"
        )
    lines.append("KSI adj.: DfT severity-adjusted; baseline: the 2005-09 average of the same measure.")
    return "\n".join(lines)


def council_returns_table(published_path: str, area_code: str, quarters: int = 4) -> str:
    """The council's quarterly children's social care figures from its own returns, latest quarter ends."""
    con = duckdb.connect(published_path, read_only=True)
    try:
        frame = con.execute(
            "select indicator_id, period_end, value, value_status from marts.indicator_values "
            "where source = 'council_returns' and area_code = ? and period_end in (select distinct period_end "
            "from marts.indicator_values where source = 'council_returns' order by period_end desc limit ?)",
            [area_code, quarters],
        ).df()
        # Titles and the decimal places DfE publishes each with: the indicator catalogue's.
        catalogue = con.execute(
            "select indicator_id, title, cast(decimals as integer) from marts.indicator_catalogue "
            "where list_contains(?, indicator_id) order by cast(report_order as integer)",
            [sorted(set(frame["indicator_id"]))],
        ).fetchall()
    finally:
        con.close()
    if frame.empty:
        return "No quarterly returns from the council yet (COUNCIL_RETURNS_DROP_DIR)."
    ends = sorted(frame["period_end"].unique())
    width = max(len(title) for _, title, _ in catalogue) + 2
    lines = [
        "Children's social care from the council's own returns (as at each quarter end; % over the 12 months to it)",
        f"{'':<{width}}" + "".join(f"{pd_date:%d %b %Y}".rjust(14) for pd_date in ends),
    ]
    for indicator, label, places in catalogue:
        cells = []
        for end in ends:
            row = frame[(frame["indicator_id"] == indicator) & (frame["period_end"] == end)]
            status = row["value_status"].iloc[0] if not row.empty else "not_available"
            cells.append(
                _number(row["value"].iloc[0], places) if status == "ok" else {"suppressed": "c"}.get(status, "-")
            )
        lines.append(f"{label:<{width}}" + "".join(cell.rjust(14) for cell in cells))
    lines.append(
        "c: 1 to 5 children, suppressed as DfE does. These are the council's own counts at each quarter end; the\n"
        "report's annual figures are DfE's validated census to 31 March: they differ in timing, recording and checks."
    )
    return "\n".join(lines)


def _number(value: float | None, places: int) -> str:
    return "-" if value is None or value != value else f"{value:,.{places}f}"


def _percent(value: float | None) -> str:
    return "-" if value is None or value != value else f"{value:+.1f}%"


REPORT_KEY = dg.AssetKey(["reports", "outcomes_monitoring"])


def report_path(results: list[dg.ExecuteInProcessResult]) -> tuple[str | None, bool]:
    """Where the report is, and whether these runs rebuilt it (the report asset's metadata; else the newest file)."""
    for result in reversed(results):
        for event in result.get_asset_materialization_events():
            materialization = event.event_specific_data.materialization
            if materialization.asset_key == REPORT_KEY and "path" in materialization.metadata:
                return str(materialization.metadata["path"].value), True
    written = last_report(
        Path(current_value("SAFE_OUTCOMES_REPORTS_DIR")),
        current_value("SAFE_OUTCOMES_REPORT_OUTCOME"),
        current_value("SAFE_OUTCOMES_COUNCIL"),
    )
    return (str(written) if written else None), False


def _failures(result: dg.ExecuteInProcessResult) -> list[str]:
    messages = []
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed:
            summary = evaluation.metadata.get("summary")
            messages.append(f"check {evaluation.check_name} failed: {summary.value if summary else ''}")
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data:
            error = event.step_failure_data.error
            messages.append(f"step {event.step_key} failed: {error.message.strip() if error else ''}")
    return messages


def problem_reports(quarters: list[str]) -> list[str]:
    """The data officer's problem reports for the drop folder's quarters, with what each holds."""
    folder = Path(current_value("COUNCIL_RETURNS_REPORT_DIR"))
    lines = []
    for quarter in quarters:
        path = problem_report_path(folder, quarter)
        if path.exists():
            counts = pd.read_csv(path, usecols=["severity"])["severity"].value_counts()
            held = ", ".join(f"{counts[severity]} {severity}s" for severity in ("error", "note") if severity in counts)
            lines.append(f"problem report:     {path} ({held or 'no problems'})")
    return lines


def _print_main_summary(results: list[dg.ExecuteInProcessResult], elapsed: float, verbosity: Verbosity) -> int:
    published = current_value("SAFE_OUTCOMES_PUBLISHED")
    succeeded = all(result.success for result in results)
    runs = ", ".join(result.run_id for result in results)
    if verbosity != Verbosity.QUIET:
        print()
    print(f"main job {'succeeded' if succeeded else 'FAILED'} in {elapsed:.1f} s (runs {runs})")
    if not succeeded:
        for result in results:
            for message in _failures(result):
                print(" - " + message)
        return 1
    council = current_value("SAFE_OUTCOMES_COUNCIL")
    print(f"source mode:        {current_value('SAFE_OUTCOMES_SOURCE_MODE')}")
    print(f"warehouse:          {current_value('SAFE_OUTCOMES_WAREHOUSE')}")
    print(f"published snapshot: {published}\n")
    print(council_table(published, council))
    print()
    print(council_returns_table(published, council))
    print()
    _print_report(results)
    for line in problem_reports(council_quarters()):
        print(line)
    return 0


def _print_report(results: list[dg.ExecuteInProcessResult]) -> None:
    path, rebuilt = report_path(results)
    state = "rebuilt" if rebuilt else "unchanged: nothing it is built from changed since the last run"
    print(f"report:             {path or 'none written'} ({state})")
    pdf = Path(path).with_suffix(".pdf") if path else None
    if pdf and pdf.exists():
        print(f"report PDF:         {pdf}")


def _work_main(verbosity: Verbosity) -> int:
    started = time.monotonic()
    results = run_main_job(instance(), verbosity)
    return _print_main_summary(results, time.monotonic() - started, verbosity)


def _selected(key: dg.AssetKey, verbosity: Verbosity) -> dg.ExecuteInProcessResult | None:
    """Materialise one asset of the main job; on failure print why and return None."""
    result = _execute("main_job", instance(), verbosity, selection=[key])
    if result.success:
        return result
    for message in _failures(result):
        print(" - " + message)
    return None


def _work_report(verbosity: Verbosity) -> int:
    result = _selected(REPORT_KEY, verbosity)
    if result is None:
        return 1
    _print_report([result])
    return 0


def _work_export(verbosity: Verbosity) -> int:
    if _selected(PUBLISHED_KEY, verbosity) is None:
        return 1
    published = Path(current_value("SAFE_OUTCOMES_PUBLISHED"))
    exports = sorted((published.parent / "exports").glob("*"))
    print(f"published snapshot: {published}")
    print(f"exports:            {published.parent / 'exports'} ({len(exports)} files)")
    for path in exports:
        if path.suffix == ".xlsx":
            print(f"workbook:           {path}")
    return 0


JOBS: dict[str, Callable[[Verbosity], int]] = {"main": _work_main, "report": _work_report, "export": _work_export}
PUBLISHED_KEY = dg.AssetKey(["published", "outcomes"])


def run_work(job: str, output: str) -> int:
    """Run `job` ('main', 'report' or 'export') here, printing at `output` ('quiet', 'normal', 'verbose')."""
    release_before_running(instance())
    return JOBS[job](Verbosity(output))
