"""Schedules in UK local time. Both fire outside 01:00-01:59, the hour the clocks skip in March and repeat
in October, so each fires exactly once a day (or once a quarter) whatever the season."""

from datetime import datetime

import dagster as dg

from assets.council_returns import council_quarters
from pipelines.jobs import council_returns_job, nightly_job
from pipelines.settings import stats19_years

TIMEZONE = "Europe/London"
# The STATS19 partition keys, fixed when the code location loads (as the assets' partitions are).
STATS19_YEARS = stats19_years()


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
    return council_quarters.get_partition_keys(current_time=moment)[-1]


@dg.schedule(
    name="quarterly_report",
    job=council_returns_job,
    # 06:00 on the 5th of Jan/Apr/Jul/Oct: a few days after quarter end, for the council's returns to arrive.
    cron_schedule="0 6 5 1,4,7,10 *",
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="A few days after each quarter ends: that quarter's council returns, the report cards, the "
    "snapshot and the report.",
)
def quarterly_report(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """One run for the quarter that has just ended (never the current, incomplete one).

    The run key makes it one run per quarter however often the tick is retried. The drop-folder sensor also
    runs a quarter when its files arrive; this run makes sure the report is rebuilt even if none arrived.
    """
    quarter = last_complete_quarter(context.scheduled_execution_time)
    return dg.RunRequest(run_key=f"quarterly-{quarter}", partition_key=quarter)
