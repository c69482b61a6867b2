"""ASCOF measures: each catalogued release's CSV (either publisher's format) is one partition of the table.

NHS Digital's releases are at fixed addresses; DHSC's are named by their GOV.UK page and resolved at run time to
the page's CSV attachment through the GOV.UK Content API (recorded in `meta.loads` as the release and asset id).
"""

from __future__ import annotations

from assets.common import file_facts
from assets.sources import Landing, SourceKind, area_codes, suite_check
from checks.public_health import ascof_suite
from sources import ascof, discovery
from sources.discovery import Resolved
from sources.http import Downloader
from sources.source_catalogue import Dataset
from warehouse import flow
from warehouse.landing import count_data_lines


def release_files(downloader: Downloader, dataset: Dataset) -> list[Resolved]:
    """Every catalogued release's CSV: the fixed addresses, then each GOV.UK page's CSV attachment found now."""
    fixed = [Resolved(url=url, release=release) for release, url in (dataset.option("releases") or {}).items()]

    def fetch_json(url: str) -> object:
        return discovery.read_json(downloader.fetch(url, ascof.PUBLISHER, "pages", expect="json").path, url)

    pages = [
        discovery.govuk_csv_attachment(fetch_json, page, release, dataset.option("attachment_words"))
        for release, page in (dataset.option("pages") or {}).items()
    ]
    return fixed + pages


def _deliveries(landing: Landing) -> list[flow.Delivery]:
    dataset = landing.dataset
    groups = list(dataset.option("measures").values())
    downloader = landing.downloader()
    deliveries = []
    for resolved in release_files(downloader, dataset):
        release = resolved.release
        fetched = downloader.fetch(resolved.url, ascof.PUBLISHER, "measures")

        def read(fetched=fetched, release=release) -> flow.Parsed:
            frame = ascof.read_measures(fetched.path, fetched.url, release, groups)
            return flow.Parsed(
                {dataset.table: frame},
                rows_in_file=count_data_lines(fetched.path),
                detail=f"{release}: {frame['layout'].iloc[0]} layout",
            )

        deliveries.append(flow.Delivery(file_facts(fetched, resolved), "measures", [release], read))
    return deliveries


def _checks(landing: Landing) -> list[flow.Check]:
    groups = list(landing.dataset.option("measures").values())
    return suite_check(landing.dataset, lambda con: ascof_suite(groups, area_codes(con)))


def _preview(dataset: Dataset) -> str:
    return (
        "select release, geographical_description, measure_code, measure_type, measure_value, value_status "
        f"from landing.{dataset.table} where list_contains(?, release) and level <> 'council' "
        "order by release desc, _source_row"
    )


ASCOF = SourceKind(deliveries=_deliveries, checks=_checks, preview_sql=_preview)
