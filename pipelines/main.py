"""`safe-outcomes run`: the main job, in this process, recorded in the Dagster instance the UI reads.

This is the README's first command's last step. It runs every asset over every configured year in one
run (each publisher file is fetched once), then prints where the warehouse is and the council's table.
"""

import argparse
import os
import sys
import time

import dagster as dg
import duckdb

from assets.partitions import STATS19_YEARS
from pipelines.definitions import defs
from pipelines.settings import current_value

RANGE_TAGS = {
    "dagster/asset_partition_range_start": STATS19_YEARS[0],
    "dagster/asset_partition_range_end": STATS19_YEARS[-1],
}


def run_main_job(instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    """Materialise every asset for every configured year; failures are reported, not raised."""
    return defs.resolve_job_def("main_job").execute_in_process(instance=instance, tags=RANGE_TAGS, raise_on_error=False)


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


def _number(value: float | None, places: int) -> str:
    return "-" if value is None or value != value else f"{value:,.{places}f}"


def _percent(value: float | None) -> str:
    return "-" if value is None or value != value else f"{value:+.1f}%"


def report_path(result: dg.ExecuteInProcessResult) -> str | None:
    """Where the run wrote the Outcomes Monitoring Report (from the report asset's metadata)."""
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        if materialization.asset_key == dg.AssetKey(["reports", "outcomes_monitoring"]):
            return str(materialization.metadata["path"].value)
    return None


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="safe-outcomes", description=__doc__)
    parser.add_argument("command", choices=["run"], help="run: the main job, offline unless configured live")
    parser.parse_args(argv)
    started = time.monotonic()
    instance = dg.DagsterInstance.get() if os.getenv("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    result = run_main_job(instance)
    elapsed = time.monotonic() - started
    published = current_value("SAFE_OUTCOMES_PUBLISHED")
    print(f"\nmain job {'succeeded' if result.success else 'FAILED'} in {elapsed:.1f} s (run {result.run_id})")
    if not result.success:
        for message in _failures(result):
            print(" - " + message)
        return 1
    print(f"source mode:        {current_value('SAFE_OUTCOMES_SOURCE_MODE')}")
    print(f"warehouse:          {current_value('SAFE_OUTCOMES_WAREHOUSE')}")
    print(f"published snapshot: {published}\n")
    print(council_table(published, current_value("SAFE_OUTCOMES_COUNCIL")))
    print(f"\nreport:             {report_path(result) or 'not rebuilt: no source changed since the last run'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
