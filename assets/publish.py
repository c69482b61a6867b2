"""The read-only snapshot that report tools (Excel, Power BI, Evidence, notebooks) open."""

from pathlib import Path

import dagster as dg

from assets.resources import WAREHOUSE_POOL, WarehouseResource
from warehouse.publish import publish_snapshot


def published_outcomes_asset(upstream: list[dg.AssetsDefinition]) -> dg.AssetsDefinition:
    """The snapshot asset, after every indicator asset in `upstream` (listed once, in definitions.py)."""

    @dg.asset(
        key=["published", "outcomes"],
        group_name="reports",
        pool=WAREHOUSE_POOL,
        deps=upstream,
        kinds={"duckdb"},
        description="A copy of the `clean` and `marts` schemas swapped in atomically at `data/published/`, so a "
        "report tool holding it never blocks a run and never sees a half-built table.",
    )
    def published_outcomes(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        store = warehouse.warehouse()
        with store.locked():
            tables = publish_snapshot(store.path, Path(warehouse.published_path))
        context.log.info(f"published {len(tables)} tables to {warehouse.published_path}")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(warehouse.published_path),
                "tables": dg.MetadataValue.json(tables),
                "dagster/row_count": len(tables),
            }
        )

    return published_outcomes
