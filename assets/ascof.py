"""ASCOF measures (NHS Digital to 2022-23, DHSC from 2024-25): landing -> blocking checks -> clean -> indicators.

Unpartitioned in Dagster, with each release's CSV as the unit: releases come once a year, their URLs are
configuration, and a nightly conditional GET finds nothing new on almost every night. The warehouse replaces
a release at a time (`landing.ascof_measures.release`), which `meta.loads` records as the load's partition.
"""

from collections.abc import Iterator

import dagster as dg

from assets.common import NETWORK_RETRY, check_result, combined_version, file_facts, preview
from assets.reference import areas
from assets.resources import WAREHOUSE_POOL, AscofResource, CouncilResource, PublisherClient, WarehouseResource
from checks.public_health import ascof_suite
from checks.runner import run_suite
from sources import ascof
from sources.errors import FormatError, SourceError
from warehouse.landing import count_data_lines, land_frame
from warehouse.loads import finish_load, start_load, unchanged_since_published
from warehouse.public_health_indicators import ASCOF_SOURCE, build_ascof_indicators
from warehouse.publish import publish_partitions

TABLE = "ascof_measures"
DATASET = "measures"
PARTITION_COLUMN = "release"
CHECK = "ascof_measures_rules"
LANDING_KEY = dg.AssetKey(["landing", TABLE])


@dg.asset(
    key=LANDING_KEY,
    group_name="ascof",
    pool=WAREHOUSE_POOL,
    retry_policy=NETWORK_RETRY,
    deps=[areas],
    kinds={"duckdb", "csv"},
    output_required=False,
    check_specs=[
        dg.AssetCheckSpec(
            CHECK,
            asset=LANDING_KEY,
            blocking=True,
            description="ASCOF releases: configured measure codes (with the 1864/65OV/64U/M/F suffixes), known "
            "levels, measure types and breakdowns, only the markers [c], [x], [z] or blank, outcomes within 0-100, "
            "area codes known to the warehouse, one row per release, area, measure, breakdown and measure type "
            "(Great Expectations).",
        )
    ],
    description="The configured ASCOF measures (4A feel safe, 4B services made them feel safe) from each "
    "configured release's CSV, either publisher's format, as delivered and typed (`landing.ascof_measures`).",
)
def landing_ascof_measures(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    publisher: PublisherClient,
    ascof_source: AscofResource,
) -> Iterator[dg.MaterializeResult]:
    releases = ascof_source.release_urls()
    groups = list(ascof_source.measure_codes().values())
    downloader = publisher.downloader()
    try:
        files = {release: downloader.fetch(url, ascof.PUBLISHER, DATASET) for release, url in releases.items()}
    except SourceError as error:
        raise dg.Failure(description=str(error)) from error

    try:
        with warehouse.warehouse().connect() as con:
            unchanged = all(
                unchanged_since_published(con, ASCOF_SOURCE, DATASET, file.sha256, [release])
                for release, file in files.items()
            )
            loaded = 0
            layouts = {}
            for release, file in {} if unchanged else files.items():
                load_id = start_load(con, ASCOF_SOURCE, DATASET, file_facts(file), [release], context.run.run_id)
                try:
                    frame = ascof.read_measures(file.path, file.url, release, groups)
                except FormatError as error:
                    finish_load(con, load_id, "failed", message=str(error))
                    raise
                rows = land_frame(con, frame, TABLE, PARTITION_COLUMN, [release], load_id)
                finish_load(con, load_id, "landed", count_data_lines(file.path), rows)
                layouts[release] = str(frame["layout"].iloc[0])
                loaded += rows
            where = f"list_contains(?, {PARTITION_COLUMN})"
            codes = [row[0] for row in con.execute("select area_code from marts.areas").fetchall()]
            verdict = run_suite(con, ascof_suite(groups, codes), where, [list(files)])
            sample = preview(
                con,
                "select release, geographical_description, measure_code, measure_type, measure_value, value_status "
                f"from landing.ascof_measures where {where} and level <> 'council' order by release desc, _source_row",
                [list(files)],
            )
    except FormatError as error:
        raise dg.Failure(
            description=str(error), metadata={"file": error.file, "line": error.line or 0}, allow_retries=False
        ) from error
    except Exception as error:
        raise dg.Failure(description=f"{type(error).__name__}: {error}", allow_retries=False) from error

    if unchanged:
        # Nothing is materialised, so nothing downstream rebuilds; the blocking check still reports (Dagster
        # requires its output), re-run on what is landed.
        context.log.info("ASCOF files unchanged and already in clean; nothing downstream rebuilds.")
        yield check_result(CHECK, verdict)
        return
    yield dg.MaterializeResult(
        metadata={
            "dagster/row_count": loaded,
            "releases": dg.MetadataValue.json(layouts),
            "measures": dg.MetadataValue.json(groups),
            "source_urls": dg.MetadataValue.json(sorted(file.url for file in files.values())),
            "sha256": dg.MetadataValue.json({file.url: file.sha256 for file in files.values()}),
            "fetch_status": dg.MetadataValue.json({file.url: file.status for file in files.values()}),
            "preview": sample,
        },
        data_version=combined_version(file.sha256 for file in files.values()),
        check_results=[check_result(CHECK, verdict)],
    )


@dg.asset(
    key=["clean", TABLE],
    group_name="ascof",
    pool=WAREHOUSE_POOL,
    deps=[landing_ascof_measures],
    kinds={"duckdb"},
    description="ASCOF measure rows that passed their blocking checks (`clean.ascof_measures`), per release.",
)
def clean_ascof_measures(warehouse: WarehouseResource, ascof_source: AscofResource) -> dg.MaterializeResult:
    releases = sorted(ascof_source.release_urls())
    with warehouse.warehouse().connect() as con:
        rows = publish_partitions(con, TABLE, PARTITION_COLUMN, releases)
    return dg.MaterializeResult(metadata={"dagster/row_count": rows, "releases": dg.MetadataValue.json(releases)})


@dg.asset(
    key=["marts", "adult_social_care_indicators"],
    group_name="indicators",
    pool=WAREHOUSE_POOL,
    deps=[clean_ascof_measures, areas],
    kinds={"duckdb", "sql"},
    description="ASCOF rows of `marts.indicator_values` (people who use services who feel safe, and who say services "
    "made them feel safe and secure) for England, regions and councils: outcome, numerator, denominator, 95% "
    "limits from the published margin of error, and suppression as a typed status.",
)
def adult_social_care_indicators(
    warehouse: WarehouseResource, ascof_source: AscofResource, council: CouncilResource
) -> dg.MaterializeResult:
    with warehouse.warehouse().connect() as con:
        rows = build_ascof_indicators(con, ascof_source.measure_codes())
        sample = preview(
            con,
            "select indicator_id, area_code, period_label, value, numerator, denominator, value_status "
            "from marts.indicator_values where source = ? and area_code = ? order by indicator_id, period_end desc",
            [ASCOF_SOURCE, council.area_code],
        )
    return dg.MaterializeResult(metadata={"dagster/row_count": rows, "council_preview": sample})
