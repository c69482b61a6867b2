"""DfE Explore Education Statistics (children's social care, pupil absence) and ONS 0-17 populations.

Each EES data set is found by its catalogue route: the data-catalogue download, or the public API at its newest
published version (recorded in `meta.loads.dataset_version`). The population file comes from DfE's prepared
copy or ONS's Nomis API, by the ONS_POPULATION_ROUTE setting.
"""

from __future__ import annotations

from assets.common import file_facts
from assets.sources import Landing, SourceKind, area_codes, suite_check
from checks.dfe import ees_suite
from sources import ees, population
from sources.http import Downloader, FetchedFile
from sources.source_catalogue import CatalogueError, Dataset
from warehouse import flow


def _fetch(downloader: Downloader, dataset: Dataset, entry: ees.Dataset) -> tuple[FetchedFile, str]:
    """The data set's file and, on the API route, the version it is (newest published)."""
    publisher = dataset.publisher
    if entry.route == "api":
        if not entry.api_id:
            raise CatalogueError(f"{dataset.file}: {dataset.key} is on the API route but has no api_id")
        versions_url = ees.api_versions_url(publisher.option("api_base"), entry.api_id)
        versions = downloader.fetch(versions_url, ees.PUBLISHER, f"{entry.key}_versions", expect="json")
        version = ees.latest_version(versions.path, versions_url)
        url = ees.api_csv_url(publisher.option("api_base"), entry.api_id, version)
    else:
        version = ""
        url = ees.catalogue_csv_url(publisher.option("catalogue_base"), entry.catalogue_id)
    fetched = downloader.fetch(url, ees.PUBLISHER, entry.key)
    ees.refuse_json_body(fetched.path, url)
    return fetched, version


def _ees_deliveries(landing: Landing) -> list[flow.Delivery]:
    dataset = landing.dataset
    entry = ees.dataset_from(dataset.options, dataset.title)
    if landing.resources.publisher.mode == "live" and not entry.confirmed:
        raise CatalogueError(
            f"{dataset.key}: catalogue id {entry.catalogue_id!r} has not been confirmed; read the data set's id from "
            f"its EES data-catalogue page and set it (and confirmed = true) in {dataset.file}"
        )
    fetched, version = _fetch(landing.downloader(), dataset, entry)
    facts = file_facts(fetched, dataset_version=version)

    def read() -> flow.Parsed:
        frame = ees.parse(fetched.path, entry, str(fetched.path))
        return flow.Parsed({dataset.table: frame}, detail=f"version {version}" if version else "")

    return [flow.Delivery(facts, entry.key, [entry.key], read)]


def _ees_checks(landing: Landing) -> list[flow.Check]:
    entry = ees.dataset_from(landing.dataset.options, landing.dataset.title)
    percent = bool(landing.dataset.option("value_is_percent"))
    return suite_check(
        landing.dataset,
        lambda con: ees_suite(
            entry.key,
            area_codes(con),
            geographic_levels=ees.GEOGRAPHIC_LEVELS,
            statuses=ees.STATUSES,
            value_is_percent=percent,
        ),
    )


def _preview(dataset: Dataset) -> str:
    return (
        "select time_period, area_code, area_name, breakdown, numerator, numerator_status, denominator, published "
        f"from landing.{dataset.table} where list_contains(?, {dataset.partition_column}) "
        "and geographic_level = 'National' order by time_period desc"
    )


def _population_deliveries(landing: Landing) -> list[flow.Delivery]:
    dataset = landing.dataset
    route = landing.resources.population_source.route
    if route == "nomis":
        area = landing.resources.council.area_code
        with landing.resources.warehouse.warehouse().connect() as con:
            region = con.execute("select parent_code from marts.areas where area_code = ?", [area]).fetchall()
        codes = [area, *(row[0] for row in region if row[0]), "E92000001"]
        url = population.nomis_url(dataset.option("nomis_base"), codes, landing.resources.population_source.nomis_years)
        parse = population.parse_nomis
    elif route == "dfe_file":
        url = dataset.option("dfe_file_url")
        parse = population.parse_dfe_file
    else:
        raise CatalogueError(f"ONS_POPULATION_ROUTE must be 'dfe_file' or 'nomis', not {route!r}")
    fetched = landing.downloader().fetch(url, population.PUBLISHER, population.DATASET_KEY)

    def read() -> flow.Parsed:
        return flow.Parsed({dataset.table: parse(fetched.path, str(fetched.path))})

    return [flow.Delivery(file_facts(fetched), population.DATASET_KEY, [population.DATASET_KEY], read)]


def _population_checks(landing: Landing) -> list[flow.Check]:
    nomis = landing.resources.population_source.route == "nomis"
    return suite_check(
        landing.dataset,
        lambda con: ees_suite(
            None,
            area_codes(con),
            geographic_levels=ees.GEOGRAPHIC_LEVELS,
            statuses=ees.STATUSES,
            table=f"landing.{landing.dataset.table}",
            current_boundaries=nomis,
            smallest_count=1,
        ),
    )


EES = SourceKind(deliveries=_ees_deliveries, checks=_ees_checks, preview_sql=_preview)
POPULATION = SourceKind(
    deliveries=_population_deliveries,
    checks=_population_checks,
    resource_keys=frozenset({"population_source", "council"}),
    preview_sql=_preview,
)
