"""Freshness from each publisher's calendar: a landing asset that has not materialised since its publisher's
last expected release shows as failing freshness in the UI, with the deadline it missed.

A landing asset materialises only when its publisher's files changed (an unchanged file is only logged, and its
clean asset carries the run on), so "not materialised since the release date" means exactly "the publisher's
new data has not arrived". The calendar is data, in each publisher's catalogue file (`[publisher.calendar]`),
because publishers move their dates; policies are fixed when the code location loads, like partitions.

Each calendar gives a cron deadline in UK time by which the release is expected, and a window in days: at each
deadline the landing asset must have materialised within that many days before it (Dagster requires the window
to be no longer than the shortest gap between deadlines). Uses Dagster's `FreshnessPolicy.cron`, which the
freshness daemon evaluates; the freshness checks built by `build_*_freshness_checks` are superseded by it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import dagster as dg
from dagster_shared.check import CheckError

from sources.source_catalogue import Catalogue, CatalogueError

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


def calendar_of(catalogue: Catalogue) -> dict[str, Release]:
    """Each publisher's calendar by asset group (the publisher's key); a bad one names its catalogue file."""
    releases = {}
    for publisher in catalogue.publishers.values():
        if publisher.calendar is None:
            continue
        calendar = publisher.calendar
        try:
            release = Release(
                publisher.key, publisher.name, calendar.expected, calendar.deadline_cron, int(calendar.window_days)
            )
            release.policy()
        except (ValueError, TypeError, CheckError) as error:
            files = sorted({str(d.file) for d in catalogue.of_publisher(publisher.key)})
            raise CatalogueError(
                f"{', '.join(files)}: bad [publisher.calendar] for {publisher.key}: {error}"
            ) from error
        releases[publisher.key] = release
    return releases


def with_freshness(assets: Sequence[dg.AssetsDefinition], calendar: dict[str, Release]) -> list[dg.AssetsDefinition]:
    """`assets` with each landing asset (key `landing/...`) given its publisher's freshness policy.

    Groups absent from the calendar, and every non-landing asset, are returned unchanged: a derived table is
    fresh when its inputs are, so one policy per source is what an engineer needs to see.
    """

    def attach(spec: dg.AssetSpec) -> dg.AssetSpec:
        release = calendar.get(spec.group_name or "")
        if release is None or spec.key.path[0] != "landing":
            return spec
        return spec.replace_attributes(freshness_policy=release.policy()).merge_attributes(
            metadata={"expected_publication": f"{release.publisher}: {release.expected}"}
        )

    return [asset.map_asset_specs(attach) for asset in assets]
