"""The report cards (`marts.indicator_report`), the published snapshot and the Outcomes Monitoring Report.

Each is rebuilt only when what it is built from changed (the build ledger): the cards after any indicator, the
snapshot after the cards or any clean table, the report after the snapshot or a report setting (the council,
the outcome, the period). The HTML report reads the snapshot, never the warehouse, so rendering never holds the
writer's lock.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import dagster as dg
import duckdb

from assets.common import preview
from assets.derived import Built, derived_asset
from assets.reference import areas
from assets.resources import SAMPLES
from warehouse.database import Warehouse, compact
from warehouse.loads import files_in_use
from warehouse.publish import publish_snapshot

CARDS = "marts/indicator_report"
PUBLISHED = "published/outcomes"


def _date(text: str, setting: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError as error:
        raise dg.Failure(f"{setting} must be a date YYYY-MM-DD, not {text!r}", allow_retries=False) from error


def _datetime(text: str, setting: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError as error:
        raise dg.Failure(f"{setting} must be an ISO date or date-time, not {text!r}", allow_retries=False) from error


def indicator_report_asset(indicators: list[dg.AssetsDefinition]) -> dg.AssetsDefinition:
    """The cards asset, after every indicator asset in `indicators`."""

    def build(context: dg.AssetExecutionContext, con: duckdb.DuckDBPyConnection | None) -> Built:
        # scipy (the statistics) takes seconds to import: only a build that runs pays for it.
        from warehouse.indicator_report import build_indicator_report

        assert con is not None
        report = context.resources.report
        since = _datetime(report.changes_since, "SAFE_OUTCOMES_REPORT_CHANGES_SINCE")
        built = build_indicator_report(con, since, report.neighbours_version or None)
        context.log.info(
            f"{built.rows:,} cards; {built.new_or_revised:,} values new or revised, {built.withdrawn:,} withdrawn"
        )
        return Built(
            {
                "dagster/row_count": built.rows,
                "new_or_revised_values": built.new_or_revised,
                "withdrawn_values": built.withdrawn,
                "changes_listed": built.changes,
                "built_at": str(built.built_at),
                "preview": preview(
                    con,
                    "select indicator_id, area_code, period_label, value, vs_england, direction_of_travel "
                    "from marts.indicator_report order by period_end desc, indicator_id",
                ),
            }
        )

    return derived_asset(
        ["marts", "indicator_report"],
        group="indicators",
        description="One card per indicator, council and period: value, 95% and 99.8% limits (published or "
        "computed), England / region / neighbour comparison, direction of travel, trend, RAG against local targets, "
        "caveats, source and a commentary stub. Also records every value's history "
        "(`marts.indicator_value_history`) and lists what changed (`marts.changes_since`).",
        inputs=["marts/areas", *("/".join(asset.key.path) for asset in indicators)],
        deps=[*indicators, areas],
        build=build,
        settings=lambda context: {
            "changes_since": context.resources.report.changes_since,
            "neighbours_version": context.resources.report.neighbours_version,
        },
        resource_keys=frozenset({"report"}),
        kinds=frozenset({"duckdb"}),
    )


def published_outcomes_asset(cards: dg.AssetsDefinition, clean: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """The snapshot asset: after the cards, and after any clean table (the snapshot carries `clean` too)."""

    def build(context: dg.AssetExecutionContext, con: duckdb.DuckDBPyConnection | None) -> Built:
        warehouse = context.resources.warehouse
        store = warehouse.warehouse()
        with store.locked():
            tables = publish_snapshot(
                store.path,
                Path(warehouse.published_path),
                council=context.resources.council.area_code,
                memory_limit=store.memory_limit,
            )
        context.log.info(
            f"published {len(tables)} tables to {warehouse.published_path} in {tables.seconds['total']:.1f} s: "
            f"{len(tables.copied)} copied from the warehouse ({len(tables.by_load)} of them load by load), "
            f"{len(tables.reused)} unchanged; "
            f"{len(tables.exported)} export files written"
        )
        storage = _keep_storage_bounded(context, store)
        return Built(
            {
                "path": dg.MetadataValue.path(warehouse.published_path),
                "tables": dg.MetadataValue.json(tables),
                "dagster/row_count": len(tables),
                "copied": dg.MetadataValue.json(tables.copied),
                "updated_load_by_load": dg.MetadataValue.json(tables.by_load),
                "exports_written": dg.MetadataValue.json(tables.exported),
                "seconds": dg.MetadataValue.json(tables.seconds),
                **storage,
            }
        )

    return derived_asset(
        ["published", "outcomes"],
        group="reports",
        description="A copy of the `clean` and `marts` schemas swapped in atomically at `data/published/`, so a "
        "report tool holding it never blocks a run and never sees a half-built table; older DuckDB releases read it "
        "(storage v1.0.0). Beside it in `exports/`: Parquet and CSV of every `marts` table and the council's Excel "
        "workbook. Only changed tables are copied again; a clean table only by the loads that changed.",
        inputs=[CARDS, "marts/areas", *("/".join(key.path) for key in clean)],
        deps=[cards],
        build=build,
        settings=lambda context: {
            "path": context.resources.warehouse.published_path,
            "exists": Path(context.resources.warehouse.published_path).exists(),
            "council": context.resources.council.area_code,
            "exports": sorted(
                path.name for path in Path(context.resources.warehouse.published_path).parent.glob("exports/*")
            ),
        },
        resource_keys=frozenset({"council", "publisher"}),
        kinds=frozenset({"duckdb"}),
        hold_warehouse=False,
    )


def _keep_storage_bounded(context: dg.AssetExecutionContext, store: Warehouse) -> dict[str, dg.RawMetadataValue]:
    """After publishing: drop raw-store copies no one needs and compact the warehouse when it is mostly air.

    Here because publishing is the last step that writes the warehouse in a run, so nothing is reading the copy
    a compaction replaces, and the snapshot readers use is already safe beside it.
    """
    publisher, percent = context.resources.publisher, context.resources.warehouse.compact_free_percent
    with store.connect() as con:
        needed = files_in_use(con)
    removed = publisher.raw_store().prune(needed, publisher.raw_keep_versions)
    compaction = compact(store, percent / 100)
    if removed:
        context.log.info(f"raw store: removed {len(removed)} superseded copies no load needs")
    if compaction and compaction.after_bytes is not None:
        context.log.info(
            f"warehouse compacted ({compaction.free_share:.0%} of its blocks were free): "
            f"{compaction.before_bytes / 1e6:,.1f} MB -> {compaction.after_bytes / 1e6:,.1f} MB"
        )
    return {
        "raw_copies_removed": len(removed),
        "warehouse_free_share": round(compaction.free_share, 3) if compaction else 0.0,
        "warehouse_mb": round((compaction.after_bytes or compaction.before_bytes) / 1e6, 1) if compaction else 0.0,
        "warehouse_compacted": bool(compaction and compaction.after_bytes is not None),
    }


def _report_settings(context: dg.AssetExecutionContext) -> dict[str, object]:
    report = context.resources.report
    council = context.resources.council.area_code
    folder = Path(report.reports_dir)
    return {
        "council": council,
        "outcome": report.outcome,
        "period_end": report.period_end,
        "as_of": report.as_of,
        "neighbours_version": report.neighbours_version,
        "notices": _notices(context),
        "chromium": report.chromium,
        "folder": str(folder),
        "written": sorted(path.name for path in folder.glob(f"{report.outcome}-{council}-*.*")),
    }


def _notices(context: dg.AssetExecutionContext) -> list[str]:
    """What the report's banner must say of figures that are not the council's real ones."""
    notices = []
    if context.resources.publisher.mode == "sample":
        notices.append(
            "Built from the bundled offline sample (SAFE_OUTCOMES_SOURCE_MODE=sample): the published figures are "
            "synthetic, for trying the pipeline, not for decisions."
        )
    drop = Path(context.resources.council_returns.drop_dir).resolve()
    if drop == SAMPLES.resolve() / "council_returns":
        notices.append("The council's quarterly figures come from the bundled sample extract, not its own returns.")
    if not context.resources.report.commentary_dir:
        notices.append("Commentary and risk levels are the bundled illustrative file, not the lead officers' own.")
    return notices


def outcomes_report_asset(published: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """The HTML report asset, after the published snapshot it reads."""

    def build(context: dg.AssetExecutionContext, con: duckdb.DuckDBPyConnection | None) -> Built:
        # altair and vl-convert (the charts) take seconds to import: only a report that is rendered pays for it.
        from warehouse.report_charts import DrawnCharts
        from warehouse.report_document import render_report
        from warehouse.report_files import last_report
        from warehouse.report_pdf import find_chromium, write_pdf

        report = context.resources.report
        council = context.resources.council.area_code
        period_end = _date(report.period_end, "SAFE_OUTCOMES_REPORT_PERIOD_END")
        as_of = _datetime(report.as_of, "SAFE_OUTCOMES_REPORT_AS_OF")
        folder = Path(report.reports_dir)
        figures = DrawnCharts.from_report(last_report(folder, report.outcome, council))
        snapshot = duckdb.connect(context.resources.warehouse.published_path, read_only=True)
        try:
            rendered = render_report(
                snapshot,
                council,
                report.outcome,
                period_end,
                as_of,
                report.neighbours_version or None,
                _notices(context),
                figures,
            )
        except ValueError as error:
            raise dg.Failure(str(error), allow_retries=False) from error
        finally:
            snapshot.close()
        folder.mkdir(parents=True, exist_ok=True)
        suffix = f"-as-of-{as_of:%Y%m%dT%H%M}" if as_of else ""
        path = folder / f"{report.outcome}-{council}-{rendered.period}{suffix}.html"
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(rendered.html, encoding="utf-8")
        partial.replace(path)
        context.log.info(
            f"report written to {path} ({figures.drawn} charts drawn, {figures.reused} unchanged since the last report)"
        )
        chromium = find_chromium(report.chromium)
        pdf = write_pdf(path, chromium) if chromium else None
        context.log.info(f"PDF written to {pdf}" if pdf else "no Chromium found: no PDF written (HTML only)")
        return Built(
            {
                "path": dg.MetadataValue.path(str(path)),
                # A link in the UI to the written file (the browser opens it from the machine that ran the job).
                "report": dg.MetadataValue.url(path.resolve().as_uri()),
                "title": rendered.title,
                "indicator_pages": rendered.pages,
                "charts": rendered.charts,
                # Charts whose inputs changed since the last report; the others are that report's figures.
                "charts_drawn": figures.drawn,
                "bytes": path.stat().st_size,
                "pdf": dg.MetadataValue.path(str(pdf)) if pdf else "not written: no Chromium",
            }
        )

    return derived_asset(
        ["reports", "outcomes_monitoring"],
        group="reports",
        description="The Outcomes Monitoring Report for the council and outcome: one self-contained HTML file in "
        "`reports/` (a page per indicator with headline, comparison, trend chart, table, caveats, commentary).",
        inputs=[PUBLISHED],
        deps=[published],
        build=build,
        settings=_report_settings,
        resource_keys=frozenset({"council", "report", "publisher", "council_returns"}),
        kinds=frozenset({"html", "pdf"}),
        hold_warehouse=False,
        needs_pool=False,
    )
