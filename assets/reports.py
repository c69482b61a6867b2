"""The report-ready cards (`marts.indicator_report`) and the Outcomes Monitoring Report built from them.

The cards are built in the warehouse after every indicator asset, so the published snapshot carries them; the
HTML report then reads the snapshot (never the warehouse), so rendering it never holds the writer's lock.
"""

from datetime import date, datetime
from pathlib import Path

import dagster as dg
import duckdb

from assets.common import preview
from assets.resources import WAREHOUSE_POOL, CouncilResource, ReportResource, WarehouseResource
from warehouse.indicator_report import build_indicator_report
from warehouse.report_document import render_report


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


def indicator_report_asset(upstream: list[dg.AssetsDefinition]) -> dg.AssetsDefinition:
    """The cards asset, after every indicator asset in `upstream` (listed once, in definitions.py)."""

    @dg.asset(
        key=["marts", "indicator_report"],
        group_name="indicators",
        pool=WAREHOUSE_POOL,
        deps=upstream,
        kinds={"duckdb"},
        description="One card per indicator, council and period: value, 95% and 99.8% limits (published or "
        "computed), England / region / neighbour comparison, direction of travel, trend, RAG against local "
        "targets, caveats, source and a commentary stub. Also records every value's history "
        "(`marts.indicator_value_history`) and lists what changed (`marts.changes_since`).",
    )
    def indicator_report(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, report: ReportResource
    ) -> dg.MaterializeResult:
        since = _datetime(report.changes_since, "SAFE_OUTCOMES_REPORT_CHANGES_SINCE")
        with warehouse.warehouse().connect() as con:
            built = build_indicator_report(con, since, report.neighbours_version or None)
            sample = preview(
                con,
                "select indicator_id, area_code, period_label, value, vs_england, direction_of_travel "
                "from marts.indicator_report order by period_end desc, indicator_id",
                [],
            )
        context.log.info(
            f"{built.rows:,} cards; {built.new_or_revised:,} values new or revised, {built.withdrawn:,} withdrawn"
        )
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": built.rows,
                "new_or_revised_values": built.new_or_revised,
                "withdrawn_values": built.withdrawn,
                "changes_listed": built.changes,
                "built_at": str(built.built_at),
                "preview": sample,
            }
        )

    return indicator_report


def outcomes_report_asset(published: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """The HTML report asset, after the published snapshot it reads."""

    @dg.asset(
        key=["reports", "outcomes_monitoring"],
        group_name="reports",
        deps=[published],
        kinds={"html"},
        description="The Outcomes Monitoring Report for the council and outcome: one self-contained HTML file in "
        "`reports/` (a page per indicator with headline, comparison, trend chart, table, caveats, commentary).",
    )
    def outcomes_monitoring(
        context: dg.AssetExecutionContext,
        warehouse: WarehouseResource,
        council: CouncilResource,
        report: ReportResource,
    ) -> dg.MaterializeResult:
        period_end = _date(report.period_end, "SAFE_OUTCOMES_REPORT_PERIOD_END")
        as_of = _datetime(report.as_of, "SAFE_OUTCOMES_REPORT_AS_OF")
        con = duckdb.connect(warehouse.published_path, read_only=True)
        try:
            rendered = render_report(
                con, council.area_code, report.outcome, period_end, as_of, report.neighbours_version or None
            )
        except ValueError as error:
            raise dg.Failure(str(error), allow_retries=False) from error
        finally:
            con.close()
        folder = Path(report.reports_dir)
        folder.mkdir(parents=True, exist_ok=True)
        suffix = f"-as-of-{as_of:%Y%m%dT%H%M}" if as_of else ""
        path = folder / f"{report.outcome}-{council.area_code}-{rendered.period}{suffix}.html"
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(rendered.html, encoding="utf-8")
        partial.replace(path)
        context.log.info(f"report written to {path}")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(path)),
                "title": rendered.title,
                "indicator_pages": rendered.pages,
                "charts": rendered.charts,
                "bytes": path.stat().st_size,
            }
        )

    return outcomes_monitoring
