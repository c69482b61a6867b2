"""OHID Fingertips (PHOF): landing -> blocking checks -> clean, then the PHOF rows of the indicator table.

Unpartitioned in Dagster, with the fetched export as the unit: one export per configured indicator and parent
area type (a few MB each), re-fetched nightly with a conditional GET and landed only when its bytes changed.
A Dagster partition per indicator id would not share a job with the STATS19 year partitions, and the set of
ids is configuration that changes rarely; `landing.ohid_fingertips.file_key` (`<id>/<parent type>`) is the
partition the warehouse replaces, and `meta.loads` records it.
"""

from collections.abc import Iterator

import dagster as dg
import duckdb

from assets.common import NETWORK_RETRY, check_result, combined_version, file_facts, preview
from assets.reference import areas
from assets.resources import (
    WAREHOUSE_POOL,
    CouncilResource,
    FingertipsResource,
    PublisherClient,
    WarehouseResource,
)
from checks.public_health import fingertips_suite
from checks.runner import run_suite
from sources import fingertips
from sources.errors import FormatError, SourceError
from warehouse.landing import count_data_lines, land_frame
from warehouse.loads import finish_load, start_load, unchanged_since_published
from warehouse.public_health_indicators import FINGERTIPS_SOURCE, build_fingertips_indicators
from warehouse.publish import publish_partitions

TABLE = "ohid_fingertips"
DATASET = "all_data"
PARTITION_COLUMN = "file_key"
CHECK = "ohid_fingertips_rules"
LANDING_KEY = dg.AssetKey(["landing", TABLE])


def _percent_ids(con: duckdb.DuckDBPyConnection, ids: dict[str, int]) -> list[int]:
    """Fingertips ids whose catalogue unit is a percentage (their values must lie within 0-100)."""
    rows = con.execute(
        "select indicator_id from marts.indicator_catalogue where unit = 'percent' and list_contains(?, indicator_id)",
        [list(ids)],
    ).fetchall()
    return [ids[row[0]] for row in rows]


@dg.asset(
    key=LANDING_KEY,
    group_name="ohid",
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
            description="Fingertips exports: configured indicator ids, English area codes known to the warehouse, "
            "one row per indicator, parent type, area, sex, age, breakdown and period, published limits around "
            "the value, percentages within 0-100, counts and denominators not negative, value notes of a known kind, "
            "'Time period Sortable' agreeing with 'Time period' (Great Expectations).",
        )
    ],
    description="PHOF indicators from OHID Fingertips' `all_data/csv/by_indicator_id`, one export per configured "
    "indicator and parent area type (England, regions), as delivered and typed (`landing.ohid_fingertips`). "
    "Each indicator's title is confirmed against `indicator_metadata` before anything is landed.",
)
def landing_ohid_fingertips(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    publisher: PublisherClient,
    fingertips_source: FingertipsResource,
) -> Iterator[dg.MaterializeResult]:
    api = fingertips.FingertipsApi(fingertips_source.base_url)
    ids = fingertips_source.indicator_ids()
    child = fingertips_source.child_area_type
    downloader = publisher.downloader()
    try:
        area_types = downloader.fetch(api.area_types_url(), fingertips.PUBLISHER, "area_types", expect="json")
        metadata = downloader.fetch(
            api.metadata_url(list(ids.values())), fingertips.PUBLISHER, "indicator_metadata", expect="json"
        )
        exports = {
            f"{fingertips_id}/{parent}": downloader.fetch(
                api.data_url(fingertips_id, child, parent), fingertips.PUBLISHER, DATASET
            )
            for fingertips_id in ids.values()
            for parent in fingertips_source.parents()
        }
    except SourceError as error:
        raise dg.Failure(description=str(error)) from error

    # From here on a failure is about the data or the warehouse, not the network: no retry.
    try:
        area_type_name = fingertips.confirm_area_type(area_types.path, area_types.url, child)
        titles = fingertips.confirm_titles(
            metadata.path, metadata.url, list(ids.values()), fingertips.expected_titles()
        )
        with warehouse.warehouse().connect() as con:
            unchanged = all(
                unchanged_since_published(con, FINGERTIPS_SOURCE, DATASET, file.sha256, [key])
                for key, file in exports.items()
            )
            loaded = 0
            for key, file in {} if unchanged else exports.items():
                load_id = start_load(con, FINGERTIPS_SOURCE, DATASET, file_facts(file), [key], context.run.run_id)
                try:
                    fingertips_id, parent = (int(part) for part in key.split("/"))
                    frame = fingertips.read_export(file.path, file.url, fingertips_id, parent, key)
                except FormatError as error:
                    finish_load(con, load_id, "failed", message=str(error))
                    raise
                rows = land_frame(con, frame, TABLE, PARTITION_COLUMN, [key], load_id)
                finish_load(con, load_id, "landed", count_data_lines(file.path), rows)
                loaded += rows
            where = f"list_contains(?, {PARTITION_COLUMN})"
            suite = fingertips_suite(
                list(ids.values()),
                [row[0] for row in con.execute("select area_code from marts.areas").fetchall()],
                _percent_ids(con, ids),
            )
            verdict = run_suite(con, suite, where, [list(exports)])
            sample = preview(
                con,
                "select fingertips_id, area_code, sex, time_period, value, value_status from landing.ohid_fingertips "
                f"where {where} and category_type = '' order by fingertips_id, period_start desc",
                [list(exports)],
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
        context.log.info("Fingertips exports unchanged and already in clean; nothing downstream rebuilds.")
        yield check_result(CHECK, verdict)
        return
    yield dg.MaterializeResult(
        metadata={
            "dagster/row_count": loaded,
            "child_area_type": f"{child} ({area_type_name})",
            "indicators": dg.MetadataValue.json({str(key): title for key, title in titles.items()}),
            "source_urls": dg.MetadataValue.json(sorted(file.url for file in exports.values())),
            "sha256": dg.MetadataValue.json({file.url: file.sha256 for file in exports.values()}),
            "fetch_status": dg.MetadataValue.json({file.url: file.status for file in exports.values()}),
            "preview": sample,
        },
        data_version=combined_version(file.sha256 for file in exports.values()),
        check_results=[check_result(CHECK, verdict)],
    )


@dg.asset(
    key=["clean", TABLE],
    group_name="ohid",
    pool=WAREHOUSE_POOL,
    deps=[landing_ohid_fingertips],
    kinds={"duckdb"},
    description="Fingertips exports that passed their blocking checks (`clean.ohid_fingertips`), comparison and "
    "trend texts included for reconciling later.",
)
def clean_ohid_fingertips(warehouse: WarehouseResource, fingertips_source: FingertipsResource) -> dg.MaterializeResult:
    keys = [
        f"{fingertips_id}/{parent}"
        for fingertips_id in fingertips_source.indicator_ids().values()
        for parent in fingertips_source.parents()
    ]
    with warehouse.warehouse().connect() as con:
        rows = publish_partitions(con, TABLE, PARTITION_COLUMN, keys)
    return dg.MaterializeResult(metadata={"dagster/row_count": rows, "exports": dg.MetadataValue.json(keys)})


@dg.asset(
    key=["marts", "public_health_indicators"],
    group_name="indicators",
    pool=WAREHOUSE_POOL,
    deps=[clean_ohid_fingertips, areas],
    kinds={"duckdb", "sql"},
    description="PHOF rows of `marts.indicator_values` (KSI rate, violent crime admissions, first time entrants, "
    "child injury admissions) for England, regions and upper-tier authorities, as published: value, count, "
    "denominator, 95% and 99.8% limits, and the value note as a typed status.",
)
def public_health_indicators(
    warehouse: WarehouseResource, fingertips_source: FingertipsResource, council: CouncilResource
) -> dg.MaterializeResult:
    with warehouse.warehouse().connect() as con:
        rows = build_fingertips_indicators(con, fingertips_source.indicator_ids())
        sample = preview(
            con,
            "select indicator_id, area_code, period_label, variant, value, lower_95, upper_95, value_status "
            "from marts.indicator_values where source = ? and area_code = ? order by indicator_id, period_end desc",
            [FINGERTIPS_SOURCE, council.area_code],
        )
    return dg.MaterializeResult(metadata={"dagster/row_count": rows, "council_preview": sample})
