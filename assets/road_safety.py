"""DfT road casualty statistics (STATS19): landing -> blocking checks -> clean, per data year, then indicators.

Each landing asset fetches the files holding the run's years (recent years have their own file, earlier
ones come from the 1979-latest file, fetched once), lands them with DuckDB, and runs the dataset's suite
as a blocking check in the same step. Only checked years are published to `clean`.
"""

from collections.abc import Iterator

import dagster as dg
import duckdb

from assets.common import NETWORK_RETRY, check_result, combined_version, file_facts, preview
from assets.partitions import stats19_years
from assets.reference import areas
from assets.resources import WAREHOUSE_POOL, PublisherClient, Stats19Resource, WarehouseResource
from checks.rules import Suite
from checks.runner import run_suite
from checks.stats19 import casualties_suite, collisions_suite
from sources import stats19
from sources.errors import FormatError, SourceError
from sources.http import Downloader, FetchedFile
from warehouse.landing import LoadError, land
from warehouse.loads import finish_load, record_unchanged, start_load, unchanged_since_published
from warehouse.publish import publish_partitions
from warehouse.reference import english_upper_tier_codes
from warehouse.road_indicators import SOURCE, build_road_indicators

PARTITION_COLUMN = "collision_year"
SINGLE_RUN = dg.BackfillPolicy.single_run()


def _suite(table: str, con: duckdb.DuckDBPyConnection) -> Suite:
    if table == "collisions":
        return collisions_suite(english_upper_tier_codes(con))
    return casualties_suite()


def _fetch(
    downloader: Downloader, files: stats19.Stats19Files, table: str, years: list[int]
) -> dict[str, tuple[FetchedFile, list[int]]]:
    """Each file holding the years asked for (fetched once however many years it serves), with its years."""
    return {
        url: (downloader.fetch(url, stats19.PUBLISHER, table), url_years)
        for url, url_years in files.years_by_url(table, years).items()
    }


def _unchanged(con: duckdb.DuckDBPyConnection, table: str, fetched: dict[str, tuple[FetchedFile, list[int]]]) -> bool:
    return all(
        unchanged_since_published(con, SOURCE, table, file.sha256, [str(year) for year in url_years])
        for file, url_years in fetched.values()
    )


def _land_files(
    context: dg.AssetExecutionContext,
    con: duckdb.DuckDBPyConnection,
    table: str,
    fetched: dict[str, tuple[FetchedFile, list[int]]],
    files: dict[str, str],
) -> int:
    """Land each fetched file's years, logging each load; fills `files` (load id -> file name)."""
    loaded = 0
    for url, (file, url_years) in fetched.items():
        facts = file_facts(file)
        load_id = start_load(con, SOURCE, table, facts, [str(y) for y in url_years], context.run.run_id)
        try:
            read = stats19.scan(file.path, table)
            landed = land(con, read, f"dft_{table}", PARTITION_COLUMN, url_years, load_id)
        except (FormatError, LoadError) as error:
            message = f"{error} (from {url})"
            finish_load(con, load_id, "failed", message=message)
            raise dg.Failure(
                description=message, metadata={"url": url, "sha256": file.sha256}, allow_retries=False
            ) from error
        finish_load(con, load_id, "landed", landed.rows_in_file, landed.rows_loaded)
        files[load_id] = url.rsplit("/", 1)[-1]
        loaded += landed.rows_loaded
        context.log.info(
            f"{file.path.name} ({read.vintage}): {landed.rows_loaded:,} of {landed.rows_in_file:,} rows "
            f"for {url_years[0]}-{url_years[-1]}"
        )
    return loaded


def _landing_asset(table: str) -> dg.AssetsDefinition:
    key = dg.AssetKey(["landing", f"dft_{table}"])
    check_name = f"dft_{table}_rules"

    @dg.asset(
        key=key,
        group_name="dft",
        partitions_def=stats19_years,
        backfill_policy=SINGLE_RUN,
        pool=WAREHOUSE_POOL,
        retry_policy=NETWORK_RETRY,
        deps=[areas],
        kinds={"duckdb", "csv"},
        output_required=False,
        check_specs=[
            dg.AssetCheckSpec(
                check_name,
                asset=key,
                blocking=True,
                description=f"STATS19 {table}: codes in DfT's code lists, ids well formed and unique per year, "
                "dates in the partition's year, ages in range, highway authorities that exist. "
                "Great Expectations on a partition up to 250,000 rows, the same rules in DuckDB SQL above.",
            )
        ],
        description=f"STATS19 {table} as DfT delivered them, typed, one partition per data year "
        "(`landing.dft_{table}`).",
    )
    def landing(
        context: dg.AssetExecutionContext,
        warehouse: WarehouseResource,
        publisher: PublisherClient,
        stats19_source: Stats19Resource,
    ) -> Iterator[dg.MaterializeResult]:
        years = sorted(int(partition) for partition in context.partition_keys)
        files = stats19.Stats19Files(stats19_source.base_url, stats19_source.single_year_files_from)
        downloader = publisher.downloader()
        # DfT publishes collisions and casualties together and the indicators join them, so a change in
        # either table's files lands both: a step that skipped would skip the indicators built on the other.
        sibling = "casualties" if table == "collisions" else "collisions"
        try:
            fetched = _fetch(downloader, files, table, years)
        except SourceError as error:
            raise dg.Failure(description=str(error), allow_retries=error.transient) from error
        try:
            sibling_fetched = _fetch(downloader, files, sibling, years)
        except SourceError as error:
            # Its own step reports the problem; here it only means "cannot tell", so nothing is skipped.
            context.log.warning(f"could not tell whether {sibling} changed: {error}")
            sibling_fetched = None

        # From here on a failure is about the data or the warehouse, not the network: no retry.
        where = f"list_contains(?, {PARTITION_COLUMN})"
        try:
            with warehouse.warehouse().connect() as con:
                own_unchanged = _unchanged(con, table, fetched)
                if own_unchanged:
                    for file, url_years in fetched.values():
                        years_of_file = [str(year) for year in url_years]
                        record_unchanged(con, SOURCE, table, file_facts(file), years_of_file, context.run.run_id)
                if own_unchanged and sibling_fetched is not None and _unchanged(con, sibling, sibling_fetched):
                    context.log.info(
                        f"{table} {years[0]}-{years[-1]}: DfT's files are unchanged and already in clean; "
                        "nothing downstream needs rebuilding."
                    )
                    # No materialisation, so downstream steps skip; the check still reports on the landed rows.
                    yield check_result(check_name, run_suite(con, _suite(table, con), where, [years]))
                    return
                files: dict[str, str] = {}
                if own_unchanged:
                    # Only the other table changed: this one's landed rows stand as they are (same load ids,
                    # so clean is republished byte for byte) and the step materialises to let the indicators run.
                    context.log.info(f"{table}: files unchanged; {sibling} changed, so the indicators rebuild")
                    loaded = con.execute(f"select count(*) from landing.dft_{table} where {where}", [years]).fetchall()[
                        0
                    ][0]
                else:
                    loaded = _land_files(context, con, table, fetched, files)
                verdict = run_suite(con, _suite(table, con), where, [years])
                sample = preview(con, f"select * from landing.dft_{table} where {where}", [years])
        except dg.Failure:
            raise
        except Exception as error:
            raise dg.Failure(description=f"{type(error).__name__}: {error}", allow_retries=False) from error

        yield dg.MaterializeResult(
            metadata={
                "dagster/row_count": loaded,
                "period_range": f"{years[0]}-{years[-1]}",
                "source_urls": dg.MetadataValue.json(sorted(fetched)),
                "sha256": dg.MetadataValue.json({url: file.sha256 for url, (file, _) in fetched.items()}),
                "fetch_status": dg.MetadataValue.json({url: file.status for url, (file, _) in fetched.items()}),
                "preview": sample,
            },
            data_version=combined_version(file.sha256 for file, _ in fetched.values()),
            check_results=[check_result(check_name, verdict, files)],
        )

    return landing


def _clean_asset(table: str, upstream: dg.AssetsDefinition) -> dg.AssetsDefinition:
    @dg.asset(
        key=["clean", f"dft_{table}"],
        group_name="dft",
        partitions_def=stats19_years,
        backfill_policy=SINGLE_RUN,
        pool=WAREHOUSE_POOL,
        deps=[upstream],
        kinds={"duckdb"},
        description=f"STATS19 {table} that passed their blocking checks (`clean.dft_{table}`), per data year.",
    )
    def clean(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        years = sorted(int(partition) for partition in context.partition_keys)
        where = f"list_contains(?, {PARTITION_COLUMN})"
        with warehouse.warehouse().connect() as con:
            rows = publish_partitions(con, f"dft_{table}", PARTITION_COLUMN, years)
            sources = con.execute(
                f"select l.url, l.sha256 from meta.loads l where l.load_id in "
                f"(select distinct _load_id from clean.dft_{table} where {where}) order by l.url",
                [years],
            ).fetchall()
            sample = preview(con, f"select * from clean.dft_{table} where {where}", [years])
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "period_range": f"{years[0]}-{years[-1]}",
                "source_urls": dg.MetadataValue.json([url for url, _ in sources]),
                "sha256": dg.MetadataValue.json(dict(sources)),
                "preview": sample,
            }
        )

    return clean


landing_dft_collisions = _landing_asset("collisions")
landing_dft_casualties = _landing_asset("casualties")
clean_dft_collisions = _clean_asset("collisions", landing_dft_collisions)
clean_dft_casualties = _clean_asset("casualties", landing_dft_casualties)


@dg.asset(
    key=["marts", "road_indicators"],
    group_name="indicators",
    pool=WAREHOUSE_POOL,
    deps=[clean_dft_collisions, clean_dft_casualties, areas],
    kinds={"duckdb", "sql"},
    description="Road safety rows of `marts.indicator_values`: KSI and all casualties per calendar year and "
    "per rolling 12 months to each quarter end (severity-adjusted and unadjusted), and their change against "
    "the 2005-09 average, for every English upper-tier authority on current boundaries, its region and England.",
)
def road_indicators(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    stats19_source: Stats19Resource,
) -> dg.MaterializeResult:
    with warehouse.warehouse().connect() as con:
        built = build_road_indicators(con, stats19_source.baseline_first_year, stats19_source.baseline_last_year)
        sample = preview(
            con,
            "select indicator_id, area_code, period_label, variant, value from marts.indicator_values "
            "where source = ? and area_type = 'england' and period_type = 'calendar_year' "
            "order by period_start desc, indicator_id, variant",
            [SOURCE],
        )
    if built.unplaced_casualties:
        context.log.warning(
            f"{built.unplaced_casualties:,} casualties could not be placed in a current highway authority"
        )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": built.rows,
            "period_range": f"{built.first_year}-{built.last_year}",
            "unplaced_casualties": built.unplaced_casualties,
            "baseline": f"{stats19_source.baseline_first_year}-{stats19_source.baseline_last_year}"
            + ("" if built.baseline_available else " (not all baseline years loaded: no baseline rows)"),
            "preview": sample,
        }
    )
