"""Schedules in UK local time (03:00 avoids the hour the clocks skip or repeat)."""

import dagster as dg

from assets.partitions import STATS19_YEARS
from pipelines.jobs import nightly_job


@dg.schedule(
    name="nightly_refresh",
    job=nightly_job,
    cron_schedule="0 3 * * *",
    execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every night at 03:00 UK time: probe every publisher and refresh what changed.",
)
def nightly_refresh(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """One run over every configured STATS19 year (a single-run range: each file is fetched once)."""
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    return dg.RunRequest(
        run_key=f"nightly-{day}",
        tags={
            "dagster/asset_partition_range_start": STATS19_YEARS[0],
            "dagster/asset_partition_range_end": STATS19_YEARS[-1],
        },
    )
