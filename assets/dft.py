"""DfT road casualty statistics (STATS19): which files hold the run's data years, read with DuckDB, checked.

Recent years have their own file; earlier years come from the 1979-latest file, fetched once for every year it
serves. The file is read by a typed DuckDB scan (never pandas: national files are millions of rows).
"""

from __future__ import annotations

import duckdb

from assets.common import file_facts
from assets.sources import CheckDeclaration, Landing, SourceKind, suite_check
from checks.rules import Suite
from checks.stats19 import casualties_suite, collisions_suite
from sources import stats19
from sources.source_catalogue import Dataset
from warehouse import flow
from warehouse.reference import english_upper_tier_codes


def _table(dataset: Dataset) -> str:
    return dataset.option("stats19_table")


def _deliveries(landing: Landing) -> list[flow.Delivery]:
    dataset = landing.dataset
    files = stats19.Stats19Files(dataset.publisher.option("base_url"), dataset.option("single_year_files_from"))
    table = _table(dataset)
    downloader = landing.downloader()
    deliveries = []
    for url, years in files.years_by_url(table, [int(year) for year in landing.partitions]).items():
        fetched = downloader.fetch(url, stats19.PUBLISHER, table)

        def read(path=fetched.path) -> flow.Parsed:
            scan = stats19.scan(path, table)
            return flow.Parsed({dataset.table: scan}, detail=f"{path.name}: {scan.vintage} headers")

        deliveries.append(flow.Delivery(file_facts(fetched), table, years, read))
    return deliveries


def _suite(dataset: Dataset, con: duckdb.DuckDBPyConnection) -> Suite:
    if _table(dataset) == "collisions":
        return collisions_suite(english_upper_tier_codes(con))
    return casualties_suite()


def _checks(landing: Landing) -> list[flow.Check]:
    return suite_check(landing.dataset, lambda con: _suite(landing.dataset, con))


STATS19 = SourceKind(
    deliveries=_deliveries,
    checks=_checks,
    declared_checks=(CheckDeclaration("rules", True, ""),),
    preview_sql=lambda dataset: (
        f"select * from landing.{dataset.table} where list_contains(?, {dataset.partition_column})"
    ),
)
