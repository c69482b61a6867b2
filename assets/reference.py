"""Reference data every source leans on: areas, successions, the district lookup and the indicator catalogue."""

import hashlib

import dagster as dg
import duckdb

from assets.derived import Built, derived_asset
from warehouse.reference import REFERENCE_TABLES, load_reference, reference_file


def _files(context: dg.AssetExecutionContext) -> dict[str, object]:
    """The reference files' hashes: an edited CSV reloads the tables, an untouched one costs nothing."""
    return {name: hashlib.sha256(reference_file(name).read_bytes()).hexdigest() for name in REFERENCE_TABLES.values()}


def _load(context: dg.AssetExecutionContext, con: duckdb.DuckDBPyConnection | None) -> Built:
    assert con is not None
    counts = load_reference(con)
    return Built({"dagster/row_count": counts["marts.areas"], "tables": dg.MetadataValue.json(counts)})


areas = derived_asset(
    ["marts", "areas"],
    group="reference",
    description="England, regions and upper-tier authorities (`marts.areas`), reorganisations "
    "(`marts.area_successions`), districts to today's upper tier (`marts.district_to_upper_tier`) and the "
    "indicator catalogue (`marts.indicator_catalogue`), loaded from `warehouse/reference/` when a file changes.",
    inputs=[],
    deps=[],
    build=_load,
    settings=_files,
    kinds=frozenset({"duckdb", "csv"}),
)
