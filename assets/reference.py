"""Reference data every source leans on: areas, successions, the district lookup and the indicator catalogue."""

import dagster as dg

from assets.resources import WAREHOUSE_POOL, WarehouseResource
from warehouse.reference import load_reference


@dg.asset(
    key=["marts", "areas"],
    group_name="reference",
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "csv"},
    description="England, regions and upper-tier authorities (`marts.areas`), reorganisations "
    "(`marts.area_successions`), districts to today's upper tier (`marts.district_to_upper_tier`) and the "
    "indicator catalogue (`marts.indicator_catalogue`), loaded from `warehouse/reference/`.",
)
def areas(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.warehouse().connect() as con:
        counts = load_reference(con)
    return dg.MaterializeResult(
        metadata={"dagster/row_count": counts["marts.areas"], "tables": dg.MetadataValue.json(counts)}
    )
