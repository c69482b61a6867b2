"""DfE Explore Education Statistics (children's social care, pupil absence) and ONS 0-17 populations.

One landing asset per catalogued data set (`sources/catalogue/ees_datasets.json`): it fetches the file by the
data set's route (data-catalogue download, or the public API at its newest version), records the load (and
the API version) in `meta.loads`, lands the parsed rows in `landing.dfe_ees` as the data set's partition in
one transaction and runs the blocking suite in the same step. A clean asset per data set publishes the
partition; `marts/csc_indicators` builds the seven indicators and reconciles them with DfE's own values.
"""

from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from assets.common import NETWORK_RETRY, check_result, combined_version, file_facts, preview
from assets.reference import areas
from assets.resources import (
    WAREHOUSE_POOL,
    CouncilResource,
    EesResource,
    PopulationResource,
    PublisherClient,
    WarehouseResource,
)
from checks.dfe import ees_suite
from checks.rules import Suite
from checks.runner import run_suite
from sources import ees, population
from sources.errors import FormatError, SourceError
from sources.http import Downloader, FetchedFile
from warehouse.csc_indicators import SOURCE, build_csc_indicators
from warehouse.landing import land_frame
from warehouse.loads import finish_load, start_load, unchanged_since_published
from warehouse.publish import publish_partitions

POPULATION_SOURCE = "ons_population"
PARTITION_COLUMN = "dataset"
PERCENT_DATASETS = ("cin_c1", "cin_d3", "cla_adopted", "pupil_absence")


def _failure(error: SourceError) -> dg.Failure:
    """Network trouble is retried; a 4xx (an unknown data set id, a refused query) will not change on retry."""
    permanent = isinstance(error, ees.ApiError) or (
        error.problem.startswith("HTTP 4") and not error.problem.startswith("HTTP 429")
    )
    return dg.Failure(description=str(error), metadata={"url": error.url}, allow_retries=not permanent)


def _known_codes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Codes in `marts.areas`; asked before it exists, DuckDB would scan a Python variable of that name."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'marts' and table_name = 'areas'"
    ).fetchall()[0][0]
    if not exists:
        raise dg.Failure("marts.areas is missing: materialise marts/areas first", allow_retries=False)
    return [row[0] for row in con.execute("select area_code from marts.areas order by 1").fetchall()]


def _fetch_dataset(downloader: Downloader, catalogue: ees.Catalogue, dataset: ees.Dataset) -> tuple[FetchedFile, str]:
    """The data set's file and, on the API route, the version it is (newest published)."""
    if dataset.route == "api":
        if not dataset.api_id:
            raise SourceError(ees.CATALOGUE_FILE.name, f"{dataset.key} is on the API route but has no api_id")
        versions_url = ees.api_versions_url(catalogue.api_base, dataset.api_id)
        versions = downloader.fetch(versions_url, ees.PUBLISHER, f"{dataset.key}_versions", expect="json")
        version = ees.latest_version(versions.path, versions_url)
        url = ees.api_csv_url(catalogue.api_base, dataset.api_id, version)
    else:
        version = ""
        url = ees.catalogue_csv_url(catalogue.catalogue_base, dataset.catalogue_id)
    fetched = downloader.fetch(url, ees.PUBLISHER, dataset.key)
    ees.refuse_json_body(fetched.path, url)
    return fetched, version


def land_and_check(
    context: dg.AssetExecutionContext,
    con: duckdb.DuckDBPyConnection,
    *,
    source: str,
    table: str,
    dataset_key: str,
    fetched: FetchedFile,
    version: str,
    parse: Callable[[Path, str], pd.DataFrame],
    suite: Callable[[duckdb.DuckDBPyConnection], Suite],
    check_name: str,
) -> dg.MaterializeResult | dg.AssetCheckResult:
    """Log, land and check one file as the `dataset_key` partition of `landing.<table>`.

    An unchanged file already published gives only the check's verdict on the landed rows: nothing
    materialises, so nothing downstream rebuilds (a check spec's result is required even then).
    """
    if unchanged_since_published(con, source, dataset_key, fetched.sha256, [dataset_key]):
        context.log.info(f"{dataset_key}: {fetched.url} is unchanged and already in clean; nothing to rebuild.")
        return check_result(check_name, run_suite(con, suite(con), f"{PARTITION_COLUMN} = ?", [dataset_key]))
    facts = file_facts(fetched)
    load_id = start_load(con, source, dataset_key, facts, [dataset_key], context.run.run_id)
    if version:
        con.execute("update meta.loads set dataset_version = ? where load_id = ?", [version, load_id])
    try:
        frame = parse(fetched.path, str(fetched.path))
        rows = land_frame(con, frame, table, PARTITION_COLUMN, [dataset_key], load_id)
    except FormatError as error:
        message = f"{error} (from {fetched.url})"
        finish_load(con, load_id, "failed", message=message)
        raise dg.Failure(
            description=message, metadata={"url": fetched.url, "sha256": fetched.sha256}, allow_retries=False
        ) from error
    finish_load(con, load_id, "landed", len(frame), rows)
    verdict = run_suite(con, suite(con), f"{PARTITION_COLUMN} = ?", [dataset_key])
    first, last = con.execute(
        f"select min(time_period), max(time_period) from landing.{table} where {PARTITION_COLUMN} = ?", [dataset_key]
    ).fetchall()[0]
    sample = preview(
        con,
        "select time_period, area_code, area_name, breakdown, numerator, numerator_status, denominator, published "
        f"from landing.{table} where {PARTITION_COLUMN} = ? and geographic_level = 'National' "
        "order by time_period desc",
        [dataset_key],
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "period_range": f"{first}-{last}",
            "source_url": dg.MetadataValue.url(fetched.url),
            "sha256": fetched.sha256,
            "fetch_status": fetched.status,
            "dataset_version": version or "(data-catalogue download)",
            "preview": sample,
        },
        data_version=combined_version([fetched.sha256]),
        check_results=[check_result(check_name, verdict)],
    )


def _run(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, check_name: str, **kwargs: object
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Land and check in one warehouse connection; a data or warehouse error is final (no retry)."""
    try:
        with warehouse.warehouse().connect() as con:
            result = land_and_check(context, con, check_name=check_name, **kwargs)  # type: ignore[arg-type]
    except dg.Failure:
        raise
    except Exception as error:
        raise dg.Failure(description=f"{type(error).__name__}: {error}", allow_retries=False) from error
    yield result


def _dfe_landing(dataset: ees.Dataset) -> dg.AssetsDefinition:
    key = dg.AssetKey(["landing", f"dfe_{dataset.key}"])
    check_name = f"dfe_{dataset.key}_rules"
    percent = dataset.key in PERCENT_DATASETS

    @dg.asset(
        key=key,
        group_name="dfe",
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
                description=f"{dataset.title}: percentages within 0-100, counts non-negative whole numbers, "
                "numerator <= denominator, known area codes valid in the period, one row per "
                "area-period-breakdown, a national headline row with a value every year (Great Expectations).",
            )
        ],
        description=f"DfE EES: {dataset.title}, as published (`landing.dfe_ees`, partition `{dataset.key}`).",
    )
    def landing(
        context: dg.AssetExecutionContext,
        warehouse: WarehouseResource,
        publisher: PublisherClient,
        ees_source: EesResource,
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        catalogue = ees_source.catalogue()
        entry = catalogue.dataset(dataset.key)
        if publisher.mode == "live" and not entry.confirmed:
            raise dg.Failure(
                description=f"{entry.key}: catalogue id {entry.catalogue_id!r} has not been confirmed; read the "
                f"data set's id from its EES data-catalogue page and set it (and 'confirmed': true) in "
                f"{ees_source.catalogue_file or ees.CATALOGUE_FILE}",
                allow_retries=False,
            )
        try:
            fetched, version = _fetch_dataset(publisher.downloader(), catalogue, entry)
        except SourceError as error:
            raise _failure(error) from error
        yield from _run(
            context,
            warehouse,
            source=SOURCE,
            table="dfe_ees",
            dataset_key=entry.key,
            fetched=fetched,
            version=version,
            parse=lambda path, label: ees.parse(path, entry, label),
            suite=lambda con: ees_suite(
                entry.key,
                _known_codes(con),
                geographic_levels=ees.GEOGRAPHIC_LEVELS,
                statuses=ees.STATUSES,
                value_is_percent=percent,
            ),
            check_name=check_name,
        )

    return landing


def _clean(
    key: str, table: str, partition: str, group: str, upstream: dg.AssetsDefinition, what: str
) -> dg.AssetsDefinition:
    @dg.asset(
        key=["clean", key],
        group_name=group,
        pool=WAREHOUSE_POOL,
        deps=[upstream],
        kinds={"duckdb"},
        description=f"{what} that passed its blocking checks (`clean.{table}`).",
    )
    def clean(warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.warehouse().connect() as con:
            rows = publish_partitions(con, table, PARTITION_COLUMN, [partition])
        return dg.MaterializeResult(metadata={"dagster/row_count": rows})

    return clean


DFE_LANDING = [_dfe_landing(dataset) for dataset in ees.default_catalogue().datasets]
DFE_CLEAN = [
    _clean(f"dfe_{dataset.key}", "dfe_ees", dataset.key, "dfe", landing, f"DfE EES: {dataset.title}")
    for dataset, landing in zip(ees.default_catalogue().datasets, DFE_LANDING, strict=True)
]


@dg.asset(
    key=["landing", "ons_population"],
    group_name="ons",
    pool=WAREHOUSE_POOL,
    retry_policy=NETWORK_RETRY,
    deps=[areas],
    kinds={"duckdb", "csv"},
    output_required=False,
    check_specs=[
        dg.AssetCheckSpec(
            "ons_population_rules",
            asset=dg.AssetKey(["landing", "ons_population"]),
            blocking=True,
            description="ONS 0-17 estimates: whole non-negative counts, known area codes valid in the year, one row "
            "per area and year, England present every year (Great Expectations).",
        )
    ],
    description="ONS mid-year population estimates of children aged 0-17 (`landing.ons_population`), from DfE's "
    "prepared file or the Nomis API (NM_2002_1): the denominators of rates per 10,000 children.",
)
def landing_ons_population(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    publisher: PublisherClient,
    population_source: PopulationResource,
    council: CouncilResource,
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    if population_source.route == "nomis":
        with warehouse.warehouse().connect() as con:
            region = con.execute(
                "select parent_code from marts.areas where area_code = ?", [council.area_code]
            ).fetchall()
        codes = [council.area_code, *(row[0] for row in region if row[0]), "E92000001"]
        url = population.nomis_url(population_source.nomis_base, codes, population_source.nomis_years)
        parse: Callable[[Path, str], pd.DataFrame] = population.parse_nomis
    elif population_source.route == "dfe_file":
        url = population_source.dfe_file_url
        parse = population.parse_dfe_file
    else:
        raise dg.Failure(f"ONS_POPULATION_ROUTE must be 'dfe_file' or 'nomis', not {population_source.route!r}")
    try:
        fetched = publisher.downloader().fetch(url, population.PUBLISHER, population.DATASET_KEY)
    except SourceError as error:
        raise _failure(error) from error
    yield from _run(
        context,
        warehouse,
        source=POPULATION_SOURCE,
        table="ons_population",
        dataset_key=population.DATASET_KEY,
        fetched=fetched,
        version="",
        parse=parse,
        suite=lambda con: ees_suite(
            None,
            _known_codes(con),
            geographic_levels=ees.GEOGRAPHIC_LEVELS,
            statuses=ees.STATUSES,
            table="landing.ons_population",
            current_boundaries=population_source.route == "nomis",
        ),
        check_name="ons_population_rules",
    )


clean_ons_population = _clean(
    "ons_population",
    "ons_population",
    population.DATASET_KEY,
    "ons",
    landing_ons_population,
    "ONS 0-17 population estimates",
)


@dg.asset(
    key=["marts", "csc_indicators"],
    group_name="indicators",
    pool=WAREHOUSE_POOL,
    deps=[*DFE_CLEAN, clean_ons_population, areas],
    kinds={"duckdb", "sql"},
    check_specs=[
        dg.AssetCheckSpec(
            "dfe_published_values_reconcile",
            asset=dg.AssetKey(["marts", "csc_indicators"]),
            blocking=False,
            description="Where DfE publishes the rate or percentage too, ours (from counts and population) is "
            "within the published rounding (plus the effect of rounding England's and regions' counts to 10).",
        )
    ],
    description="Children's social care and persistent absence rows of `marts.indicator_values` (csc_cin_rate, "
    "csc_cpp_rate, csc_cla_rate, csc_rereferral_pct, csc_cpp_repeat_pct, csc_cla_adopted_pct, "
    "edu_persistent_absence_secondary_pct) for every authority, region and England, with numerators, "
    "denominators and break-in-series caveats.",
)
def csc_indicators(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, ees_source: EesResource
) -> dg.MaterializeResult:
    with warehouse.warehouse().connect() as con:
        built = build_csc_indicators(con, ees_source.catalogue().rounding())
        sample = preview(
            con,
            "select indicator_id, period_label, value, numerator, denominator, value_status from "
            "marts.indicator_values where source = ? and area_type = 'england' order by indicator_id, period_end desc",
            [SOURCE],
        )
    mismatches = built.mismatches
    described = [
        f"{row.indicator_id} {row.area_code} {row.area_name} {row.period_label}: ours {row.computed:.3f}, "
        f"DfE {row.published:g} (allowed difference {row.allowed:.3f})"
        for row in mismatches.head(20).itertuples()
    ]
    for line in described:
        context.log.warning(line)
    reconcile = dg.AssetCheckResult(
        check_name="dfe_published_values_reconcile",
        passed=mismatches.empty,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{len(mismatches)} of {built.compared} published values differ beyond their rounding"
        + (": " + "; ".join(described[:5]) if described else ""),
        metadata={
            "compared": built.compared,
            "mismatches": len(mismatches),
            "examples": dg.MetadataValue.json(described),
        },
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": built.rows,
            "rows_per_indicator": dg.MetadataValue.json(built.indicators),
            "break_in_series_rows": built.breaks,
            "rebuilt_rows": built.rebuilt,
            "preview": sample,
        },
        check_results=[reconcile],
    )
