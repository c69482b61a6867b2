"""Freshness from the publishers' calendars: each landing asset carries its policy, and a source whose new
release has not arrived by the expected date evaluates as failing, as the UI's freshness daemon shows it."""

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from dagster._core.definitions import freshness_evaluator
from dagster._core.definitions.freshness import FreshnessState
from dagster._core.loader import LoadingContextForTest

from pipelines.definitions import defs
from pipelines.freshness import calendar_of, with_freshness
from pipelines.graph import CATALOGUE
from sources.source_catalogue import CatalogueError, load

LONDON = ZoneInfo("Europe/London")


def test_every_landing_asset_of_a_calendar_publisher_has_its_policy_and_expected_release() -> None:
    graph = defs.resolve_asset_graph()
    calendar = calendar_of(CATALOGUE)
    landing = [key for key in graph.get_all_asset_keys() if key.path[0] == "landing"]
    assert landing
    for key in landing:
        node = graph.get(key)
        release = calendar[node.group_name]
        policy = node.freshness_policy
        assert policy.deadline_cron == release.deadline_cron and policy.timezone == "Europe/London"
        assert policy.lower_bound_delta == timedelta(days=release.window_days)
        assert release.expected in node.metadata["expected_publication"]
    derived = [key for key in graph.get_all_asset_keys() if key.path[0] != "landing"]
    assert all(graph.get(key).freshness_policy is None for key in derived)


def freshness_at(instance: dg.DagsterInstance, node: object, moment: datetime) -> FreshnessState:
    """The state Dagster's freshness evaluator (what the daemon runs) gives `node` at `moment`."""
    with mock.patch.object(freshness_evaluator, "get_current_datetime", lambda tz=None: moment.astimezone(LONDON)):
        policy_type = type(node.freshness_policy)
        evaluator = freshness_evaluator.FRESHNESS_EVALUATORS_BY_POLICY_TYPE[policy_type]()
        return asyncio.run(evaluator.evaluate_freshness(context=LoadingContextForTest(instance), node=node))


def test_fingertips_is_fresh_until_its_next_monthly_release_is_overdue() -> None:
    """Monthly calendar: due by 09:00 on the 10th; a load within the 28 days before that deadline counts."""

    @dg.asset(key=["landing", "ohid_fingertips"], group_name="ohid")
    def landing_stand_in() -> None:
        return None

    [asset] = with_freshness([landing_stand_in], calendar_of(CATALOGUE))
    node = dg.Definitions(assets=[asset]).resolve_asset_graph().get(asset.key)
    with dg.instance_for_test() as instance:
        assert freshness_at(instance, node, datetime.now(LONDON)) == FreshnessState.UNKNOWN  # never loaded
        assert dg.materialize([asset], instance=instance).success
        loaded = datetime.now(LONDON)
        next_deadline = next_tenth(loaded)
        assert freshness_at(instance, node, next_deadline - timedelta(minutes=1)) == FreshnessState.PASS
        # The next release is expected by the following 10th; without a new load the source is then overdue.
        overdue = next_tenth(next_deadline + timedelta(days=1)) + timedelta(minutes=1)
        assert freshness_at(instance, node, overdue) == FreshnessState.FAIL
        assert dg.materialize([asset], instance=instance).success
        assert freshness_at(instance, node, datetime.now(LONDON)) == FreshnessState.PASS


def next_tenth(after: datetime) -> datetime:
    """The first 10th-of-the-month 09:00 UK time after `after`."""
    candidate = after.astimezone(LONDON).replace(day=10, hour=9, minute=0, second=0, microsecond=0)
    if candidate <= after:
        month = candidate.month % 12 + 1
        candidate = candidate.replace(year=candidate.year + (candidate.month == 12), month=month)
    return candidate


def test_a_bad_calendar_names_its_catalogue_file(tmp_path: Path) -> None:
    bundled = (Path(CATALOGUE.directory) / "ohid.toml").read_text(encoding="utf-8")
    (tmp_path / "ohid.toml").write_text(bundled.replace("window_days = 28", "window_days = 40"), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"ohid\.toml: bad \[publisher.calendar\] for ohid.*lower_bound_delta"):
        calendar_of(load(tmp_path))
    (tmp_path / "ohid.toml").write_text(bundled.replace("window_days = 28", 'window_days = "ninety"'), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"ohid\.toml"):
        calendar_of(load(tmp_path))
