"""Schedules in UK local time. Both fire outside 01:00-01:59, the hour the clocks skip in March and repeat
in October, so each fires exactly once a day (or once a quarter) whatever the season."""

from datetime import datetime

import dagster as dg

from assets.partitions import STATS19_YEARS
from pipelines.jobs import nightly_job, quarterly_job

TIMEZONE = "Europe/London"

# The quarter calendar of the council's quarterly returns (quarters start 1 Jan/Apr/Jul/Oct, UK time).
# It matches the returns' partitions, so the key computed here is one the quarterly job accepts.
QUARTERS = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1,4,7,10 *", start="2000-01-01", fmt="%Y-%m-%d", timezone=TIMEZONE
)


@dg.schedule(
    name="nightly_refresh",
    job=nightly_job,
    cron_schedule="0 3 * * *",
    execution_timezone=TIMEZONE,
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


def last_complete_quarter(moment: datetime) -> str:
    """The partition key (its first day) of the latest quarter that has ended by `moment`."""
    return QUARTERS.get_partition_keys(current_time=moment)[-1]


@dg.schedule(
    name="quarterly_report",
    job=quarterly_job,
    # 06:00 on the 5th of Jan/Apr/Jul/Oct: a few days after quarter end, for the council's returns to arrive.
    cron_schedule="0 6 5 1,4,7,10 *",
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="A few days after each quarter ends: build that quarter's council returns and the report.",
)
def quarterly_report(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """One run for the quarter that has just ended (never the current, incomplete one).

    The quarter is the run's partition once quarter-partitioned assets are in the job; until a deployment has
    any, the run still rebuilds the report, and the quarter is recorded as a tag.
    """
    quarter = last_complete_quarter(context.scheduled_execution_time)
    job = context.repository_def.get_job(quarterly_job.name)
    partition_key = quarter if job.partitions_def is not None else None
    return dg.RunRequest(run_key=f"quarterly-{quarter}", partition_key=partition_key, tags={"quarter": quarter})
