"""Freshness from each publisher's calendar: a landing asset that has not materialised since its publisher's
last expected release shows as failing freshness in the UI, with the deadline it missed.

A landing asset materialises only when its publisher's files changed (an unchanged file stops at landing),
so "not materialised since the release date" means exactly "the publisher's new data has not arrived".
The calendar is data (`publication_calendar.csv`, or the file named by SAFE_OUTCOMES_PUBLICATION_CALENDAR)
because publishers move their dates; policies are fixed when the code location loads, like partitions.

Each row gives a group (the publisher's asset group), a cron deadline in UK time by which the release is
expected, and a window in days: at each deadline the landing asset must have materialised within that many
days before it (Dagster requires the window to be no longer than the shortest gap between deadlines).
Uses Dagster's `FreshnessPolicy.cron`, which the freshness daemon evaluates; the freshness checks built by
`build_*_freshness_checks` are superseded by it in Dagster 1.13.
"""

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import dagster as dg
from dagster_shared.check import CheckError

from pipelines.settings import publication_calendar

CALENDAR = publication_calendar()  # read once, when the code location loads
TIMEZONE = "Europe/London"


@dataclass(frozen=True)
class Release:
    """One publisher's calendar: when its new data is due, and how recent a load must be by then."""

    group: str
    publisher: str
    expected: str
    deadline_cron: str
    window_days: int

    def policy(self) -> dg.FreshnessPolicy:
        return dg.FreshnessPolicy.cron(
            deadline_cron=self.deadline_cron, lower_bound_delta=timedelta(days=self.window_days), timezone=TIMEZONE
        )


def read_calendar(path: Path = CALENDAR) -> dict[str, Release]:
    """The calendar by asset group; a clear error names the file and line of a bad row."""
    releases = {}
    with path.open(newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                release = Release(
                    group=row["group"].strip(),
                    publisher=row["publisher"].strip(),
                    expected=row["expected"].strip(),
                    deadline_cron=row["deadline_cron"].strip(),
                    window_days=int(row["window_days"]),
                )
                release.policy()
            except (KeyError, ValueError, TypeError, CheckError) as error:
                raise ValueError(f"{path}, line {line}: bad publication calendar row {row!r}: {error}") from error
            releases[release.group] = release
    return releases


def with_freshness(
    assets: Sequence[dg.AssetsDefinition], calendar: dict[str, Release] | None = None
) -> list[dg.AssetsDefinition]:
    """`assets` with each landing asset (key `landing/...`) given its publisher's freshness policy.

    Groups absent from the calendar, and every non-landing asset, are returned unchanged: a derived table is
    fresh when its inputs are, so one policy per source is what an engineer needs to see.
    """
    releases = read_calendar() if calendar is None else calendar

    def attach(spec: dg.AssetSpec) -> dg.AssetSpec:
        release = releases.get(spec.group_name or "")
        if release is None or spec.key.path[0] != "landing":
            return spec
        return spec.replace_attributes(freshness_policy=release.policy()).merge_attributes(
            metadata={"expected_publication": f"{release.publisher}: {release.expected}"}
        )

    return [asset.map_asset_specs(attach) for asset in assets]
