"""Partitions: STATS19 by data year, the council's returns by quarter. Both are fixed when the code location
loads, so their settings (STATS19_YEARS, COUNCIL_RETURNS_FIRST_QUARTER) are passed in by `pipelines/`."""

import dagster as dg


def data_years(years: list[str]) -> dg.StaticPartitionsDefinition:
    return dg.StaticPartitionsDefinition(years)


def quarters(first_quarter: str) -> dg.TimeWindowPartitionsDefinition:
    """Calendar quarters keyed by their first day (Dagster's time windows); the extract is as at the last day."""
    return dg.TimeWindowPartitionsDefinition(
        cron_schedule="0 0 1 1,4,7,10 *", start=first_quarter, fmt="%Y-%m-%d", timezone="Europe/London"
    )
