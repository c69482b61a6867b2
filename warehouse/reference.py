"""Reference data held as files in `warehouse/reference/` (geography, the indicator catalogue) loaded as tables.

Councils reorganise and indicators are redefined; keeping both as data means a change is a reviewed edit
of a CSV, not a code branch.
"""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import duckdb

from warehouse.database import transaction

REFERENCE_TABLES = {
    "marts.areas": "areas.csv",
    "marts.area_successions": "area_successions.csv",
    "marts.district_to_upper_tier": "district_to_upper_tier.csv",
    "marts.indicator_catalogue": "indicator_catalogue.csv",
    # The report (issue 5): neighbour groups and local targets are versioned data.
    "marts.statistical_neighbours": "statistical_neighbours.csv",
    "marts.indicator_targets": "indicator_targets.csv",
}
# Which indicators each outcome's report shows, in what order and with which headline series: read from the
# indicator catalogue (the one registry), as a table so that the published snapshot carries it too.
REPORT_INDICATORS = """
    create or replace table marts.report_indicators as
    select outcome, indicator_id, report_order as page_order, headline_variant, headline_period_type,
           report_note as note
    from marts.indicator_catalogue where report_order is not null
"""


def reference_file(name: str) -> Path:
    return Path(str(resources.files("warehouse") / "reference" / name))


def load_reference(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Replace every reference table from its CSV in one transaction; return row counts."""
    counts = {}
    with transaction(con):
        for table, file_name in REFERENCE_TABLES.items():
            path = str(reference_file(file_name)).replace("'", "''")
            con.execute(
                f"create or replace table {table} as select * from read_csv('{path}', header = true, "
                "all_varchar = true, encoding = 'utf-8')"
            )
            counts[table] = con.execute(f"select count(*) from {table}").fetchall()[0][0]
        con.execute(REPORT_INDICATORS)
    return counts


def area_name(con: duckdb.DuckDBPyConnection, area_code: str) -> str | None:
    rows = con.execute("select area_name from marts.areas where area_code = ?", [area_code]).fetchall()
    return rows[0][0] if rows else None


def english_upper_tier_codes(con: duckdb.DuckDBPyConnection, current_only: bool = False) -> list[str]:
    """Upper-tier authority codes (current and, unless `current_only`, those abolished since 2012)."""
    condition = " and valid_to is null" if current_only else ""
    return [
        row[0]
        for row in con.execute(
            f"select area_code from marts.areas where area_type = 'upper_tier_la'{condition} order by 1"
        ).fetchall()
    ]


def reference_rows(file_name: str) -> list[dict[str, str]]:
    """A reference CSV's rows as text, without a warehouse: for checking a setting before any run starts."""
    with reference_file(file_name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
