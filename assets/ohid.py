"""OHID Fingertips (PHOF): one catalogue data set per indicator, one export per parent area type.

Before anything lands, the indicator's title is confirmed against `indicator_metadata` (a different series must
never arrive under the catalogue's name) and the configured child area type against `area_types`; an indicator
with no data for that area type falls back to the first of `child_area_type_fallbacks` that has
(`available_data`), and the run's log says so.
"""

from __future__ import annotations

import duckdb

from assets.common import file_facts
from assets.sources import Landing, SourceKind, area_codes, suite_check
from checks.public_health import fingertips_suite
from checks.rules import Suite
from sources import fingertips
from sources.http import Downloader
from sources.source_catalogue import Dataset
from warehouse import flow
from warehouse.landing import count_data_lines


def child_area_type(downloader: Downloader, dataset: Dataset) -> tuple[int, str]:
    """The child area type the indicator has data for: the configured one, else its first fallback that has
    (`child_area_type_fallbacks`), with a note saying which."""
    publisher = dataset.publisher
    api = fingertips.FingertipsApi(publisher.option("base_url"))
    fingertips_id = int(dataset.option("fingertips_id"))
    url = api.available_data_url(fingertips_id)
    available = downloader.fetch(url, fingertips.PUBLISHER, "available_data", expect="json")
    fallbacks = [int(value) for value in publisher.options.get("child_area_type_fallbacks", [])]
    return fingertips.child_area_type_for(
        available.path, url, fingertips_id, int(publisher.option("child_area_type")), fallbacks
    )


def _deliveries(landing: Landing) -> list[flow.Delivery]:
    dataset = landing.dataset
    publisher = dataset.publisher
    api = fingertips.FingertipsApi(publisher.option("base_url"))
    fingertips_id = int(dataset.option("fingertips_id"))
    downloader = landing.downloader()
    child, note = child_area_type(downloader, dataset)
    if note:
        landing.context.log.warning(f"Fingertips {fingertips_id}: {note}")
    area_types = downloader.fetch(api.area_types_url(), fingertips.PUBLISHER, "area_types", expect="json")
    metadata = downloader.fetch(api.metadata_url([fingertips_id]), fingertips.PUBLISHER, "metadata", expect="json")
    area_type_name = fingertips.confirm_area_type(area_types.path, area_types.url, child)
    fingertips.confirm_titles(metadata.path, metadata.url, [fingertips_id], {fingertips_id: dataset.title})
    landing.context.log.info(f"Fingertips {fingertips_id}: {dataset.title}; child areas {child} ({area_type_name})")
    deliveries = []
    for parent in publisher.option("parent_area_types"):
        key = f"{fingertips_id}/{parent}"
        export = downloader.fetch(api.data_url(fingertips_id, child, parent), fingertips.PUBLISHER, "all_data")

        def read(export=export, parent=parent, key=key) -> flow.Parsed:
            frame = fingertips.read_export(export.path, export.url, fingertips_id, int(parent), key)
            return flow.Parsed({dataset.table: frame}, rows_in_file=count_data_lines(export.path))

        deliveries.append(flow.Delivery(file_facts(export), key, [key], read))
    return deliveries


def _checks(landing: Landing) -> list[flow.Check]:
    dataset = landing.dataset
    fingertips_id = int(dataset.option("fingertips_id"))

    def suite(con: duckdb.DuckDBPyConnection) -> Suite:
        percent = con.execute(
            "select count(*) from marts.indicator_catalogue where indicator_id = ? and unit = 'percent'",
            [dataset.option("indicator")],
        ).fetchall()[0][0]
        return fingertips_suite([fingertips_id], area_codes(con), [fingertips_id] if percent else [])

    return suite_check(dataset, suite)


def _preview(dataset: Dataset) -> str:
    return (
        "select fingertips_id, area_code, sex, time_period, value, value_status from landing.ohid_fingertips "
        f"where list_contains(?, {dataset.partition_column}) and category_type = '' order by period_start desc"
    )


FINGERTIPS = SourceKind(deliveries=_deliveries, checks=_checks, preview_sql=_preview)
