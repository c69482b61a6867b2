"""The schedules' ticks and run requests in UK time, including the weekends the clocks change."""

from datetime import datetime
from itertools import islice
from zoneinfo import ZoneInfo

import dagster as dg
from dagster._utils.schedules import cron_string_iterator

from pipelines.definitions import defs
from pipelines.graph import STATS19_YEARS
from pipelines.schedules import quarterly_report

LONDON = ZoneInfo("Europe/London")


def ticks(schedule: dg.ScheduleDefinition, after: datetime, count: int) -> list[datetime]:
    """The schedule's next `count` ticks after `after`, computed as the daemon computes them."""
    iterator = cron_string_iterator(after.timestamp(), schedule.cron_schedule, schedule.execution_timezone)
    return list(islice(iterator, count))


def requests_at(schedule: dg.ScheduleDefinition, tick: datetime) -> list[dg.RunRequest]:
    """The run requests of one tick, evaluated as the daemon does (with the code location's jobs)."""
    context = dg.build_schedule_context(scheduled_execution_time=tick, repository_def=defs.get_repository_def())
    return list(schedule.evaluate_tick(context).run_requests or [])


def test_nightly_fires_once_at_three_uk_time_across_both_clock_changes() -> None:
    schedule = defs.resolve_schedule_def("nightly_refresh")
    for friday, offsets, hours_to_sunday in [
        (datetime(2026, 3, 27, 12, tzinfo=LONDON), ["+00:00", "+01:00", "+01:00"], 23),  # clocks forward 29 Mar
        (datetime(2026, 10, 23, 12, tzinfo=LONDON), ["+01:00", "+00:00", "+00:00"], 25),  # clocks back 25 Oct
    ]:
        found = ticks(schedule, friday, 3)
        assert [tick.astimezone(LONDON).strftime("%d %H:%M") for tick in found] == [
            f"{friday.day + n:02d} 03:00" for n in (1, 2, 3)
        ]
        assert [tick.astimezone(LONDON).isoformat()[-6:] for tick in found] == offsets
        assert found[1].timestamp() - found[0].timestamp() == hours_to_sunday * 3600
        for tick in found:
            [request] = requests_at(schedule, tick)
            assert request.run_key == f"nightly-{tick.astimezone(LONDON):%Y-%m-%d}"
            assert request.tags["dagster/asset_partition_range_start"] == STATS19_YEARS[0]
            assert request.tags["dagster/asset_partition_range_end"] == STATS19_YEARS[-1]


def test_quarterly_fires_on_the_fifth_after_each_quarter_for_the_quarter_just_ended() -> None:
    schedule = defs.resolve_schedule_def("quarterly_report")
    found = ticks(schedule, datetime(2025, 12, 1, tzinfo=LONDON), 5)
    assert [tick.astimezone(LONDON).strftime("%Y-%m-%d %H:%M %z") for tick in found] == [
        "2026-01-05 06:00 +0000",
        "2026-04-05 06:00 +0100",  # a week after the clocks went forward
        "2026-07-05 06:00 +0100",
        "2026-10-05 06:00 +0100",
        "2027-01-05 06:00 +0000",  # after the clocks went back
    ]
    expected = ["2025-10-01", "2026-01-01", "2026-04-01", "2026-07-01", "2026-10-01"]
    for tick, quarter in zip(found, expected, strict=True):
        [request] = requests_at(schedule, tick)
        assert request.partition_key == quarter
        assert request.run_key == f"quarterly-{quarter}"


def test_quarterly_never_targets_the_quarter_still_running() -> None:
    """A manual tick on the clock-change weekends (29 Mar and 25 Oct 2026) picks the last *complete* quarter."""
    for tick, quarter in [
        (datetime(2026, 3, 29, 3, tzinfo=LONDON), "2025-10-01"),  # Q1 2026 not over until 1 Apr
        (datetime(2026, 4, 1, 0, 30, tzinfo=LONDON), "2026-01-01"),  # 23:30 UTC on 31 Mar: already April in the UK
        (datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=LONDON), "2026-07-01"),  # the repeated hour
    ]:
        [request] = requests_at(quarterly_report, tick)
        assert request.partition_key == quarter


def test_quarterly_runs_the_council_returns_job_whose_partitions_take_the_key() -> None:
    """The quarter's returns, the report cards, the snapshot and the report, for a quarter the job knows."""
    schedule = defs.resolve_schedule_def("quarterly_report")
    assert schedule.job_name == "council_returns_job"
    job = defs.resolve_job_def("council_returns_job")
    selected = {key.to_user_string() for key in job.asset_layer.executable_asset_keys}
    assert {"landing/council_returns", "published/outcomes", "reports/outcomes_monitoring"} <= selected
    [request] = requests_at(schedule, datetime(2026, 4, 5, 6, tzinfo=LONDON))
    assert job.partitions_def.has_partition_key(request.partition_key)


def test_main_code_location_shows_both_schedules_running() -> None:
    for name in ("nightly_refresh", "quarterly_report"):
        schedule = defs.resolve_schedule_def(name)
        assert schedule.execution_timezone == "Europe/London"
        assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
