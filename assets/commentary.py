"""The lead officers' commentary and risk levels: commentary folder -> the landing flow -> clean, with history.

One file per report period (`YYYY-MM-DD.csv`); each is a delivery of its period, landed, checked and published
like any source, so a rebuilt report never loses it and an edited file adds a version to the history.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from assets.sources import Landing, SourceKind, suite_check
from checks.commentary import commentary_suite
from checks.rules import Suite
from sources import commentary
from warehouse import flow
from warehouse.commentary import publish_commentary
from warehouse.loads import FileFacts


def folder(landing: Landing) -> Path:
    """The configured commentary folder, or the bundled illustrative one."""
    return Path(landing.resources.report.commentary_dir or commentary.BUNDLED)


def _facts(path: Path) -> FileFacts:
    stat = path.stat()
    modified = datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds")
    return FileFacts(
        path.resolve().as_uri(), str(path), commentary.file_sha256(path), stat.st_size, None, modified, "dropped"
    )


def _indicators(landing: Landing) -> list[str]:
    with landing.resources.warehouse.warehouse().connect() as con:
        return [row[0] for row in con.execute("select indicator_id from marts.indicator_catalogue").fetchall()]


def _deliveries(landing: Landing) -> list[flow.Delivery]:
    files = commentary.commentary_files(folder(landing))
    if not files:
        return []
    indicators, levels = set(_indicators(landing)), landing.resources.report.risk_scale()
    deliveries = []
    for path in files:

        def read(path: Path = path) -> flow.Parsed:
            return flow.Parsed({landing.dataset.table: commentary.read_commentary(path, indicators, levels)})

        deliveries.append(flow.Delivery(_facts(path), path.name, [commentary.period_of(path)], read))
    return deliveries


def _checks(landing: Landing) -> list[flow.Check]:
    levels = landing.resources.report.risk_scale()

    def suite(con: duckdb.DuckDBPyConnection) -> Suite:
        ids = [row[0] for row in con.execute("select indicator_id from marts.indicator_catalogue").fetchall()]
        return commentary_suite(f"landing.{landing.dataset.table}", ids, levels)

    return suite_check(landing.dataset, suite)


def _unchanged_results(landing: Landing) -> list[dg.AssetCheckResult]:
    """No file changed: either the folder has none yet, or each was checked when it was published."""
    files = commentary.commentary_files(folder(landing))
    return [
        dg.AssetCheckResult(
            check_name=f"{landing.dataset.key}_rules",
            passed=True,
            description=f"{len(files)} commentary files in {folder(landing)}, each unchanged since it passed"
            if files
            else f"no commentary files in {folder(landing)} yet: the report shows a draft from the numbers",
        )
    ]


COMMENTARY = SourceKind(
    deliveries=_deliveries,
    checks=_checks,
    resource_keys=frozenset({"report"}),
    unchanged_results=_unchanged_results,
    publish=lambda landing, periods: lambda con: publish_commentary(con, periods),
)
