"""Partitions. STATS19 is partitioned by data year; the years are configuration (STATS19_YEARS)."""

import os

import dagster as dg


def _years(spec: str) -> list[str]:
    """'2005-2025' or '2019,2020,2021' -> the partition keys."""
    years: set[int] = set()
    for part in spec.replace(" ", "").split(","):
        if "-" in part:
            first, last = (int(value) for value in part.split("-", 1))
            years.update(range(first, last + 1))
        elif part:
            years.add(int(part))
    return [str(year) for year in sorted(years)]


# Partition keys must be known when the code location loads, so this one setting is read from the
# environment here rather than through a resource.
STATS19_YEARS = _years(os.getenv("STATS19_YEARS", "2005-2025"))
stats19_years = dg.StaticPartitionsDefinition(STATS19_YEARS)
