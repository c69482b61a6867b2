"""DfE Explore Education Statistics (children's social care, pupil absence) and ONS 0-17 populations.

Each EES data set is found at run time by its publication slug and data set title (`sources/discovery.py`): the
latest release's data-catalogue download, or on the API route the public API's newest published version. The
release, version and file id found are recorded in `meta.loads`. The population file comes from DfE's prepared
copy or ONS's Nomis API, by the ONS_POPULATION_ROUTE setting.
"""

from __future__ import annotations

from assets.common import file_facts
from assets.sources import Landing, SourceKind, area_codes, suite_check
from checks.dfe import ees_suite
from sources import discovery, ees, population
from sources.discovery import Resolved
from sources.http import Downloader
from sources.source_catalogue import CatalogueError, Dataset
from warehouse import flow


def resolve(downloader: Downloader, dataset: Dataset) -> Resolved:
    """Where the data set is today: its publication's latest release, found by slug and data set title (on the
    API route, the API data set's latest version). The discovery answers are stored like any fetched file."""
    entry = ees.dataset_from(dataset.options, dataset.title)
    options = {name: str(dataset.publisher.option(name)) for name in ("content_base", "catalogue_base", "api_base")}

    def fetch_json(url: str) -> object:
        answer = downloader.fetch(url, ees.PUBLISHER, f"{entry.key}_discovery", expect="json")
        return discovery.read_json(answer.path, url)

    if entry.route == "api":
        return discovery.ees_api_data_set(fetch_json, options, entry.publication, entry.data_set_title)
    if entry.route == "catalogue":
        return discovery.ees_data_set_file(fetch_json, options, entry.publication, entry.data_set_title)
    raise CatalogueError(f"{dataset.file}: {dataset.key} has route {entry.route!r}; expected 'api' or 'catalogue'")


def _ees_deliveries(landing: Landing) -> list[flow.Delivery]:
    dataset = landing.dataset
    entry = ees.dataset_from(dataset.options, dataset.title)
    downloader = landing.downloader()
    resolved = resolve(downloader, dataset)
    fetched = downloader.fetch(resolved.url, ees.PUBLISHER, entry.key)
    ees.refuse_json_body(fetched.path, resolved.url)
    facts = file_facts(fetched, resolved)

    def read() -> flow.Parsed:
        frame = ees.parse(fetched.path, entry, str(fetched.path))
        detail = f"{resolved.release}" + (f", API version {resolved.version}" if resolved.version else "")
        return flow.Parsed({dataset.table: frame}, detail=detail)

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
