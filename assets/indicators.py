"""The indicator assets: each writes its publisher's rows of `marts.indicator_values` when its inputs changed.

Inputs are the clean data sets of the catalogue's publishers the indicator is built on (and the reference
areas), so a new catalogue data set of a publisher is an input of that publisher's indicators with no edit here.
"""

from __future__ import annotations

from collections.abc import Callable

import dagster as dg
import duckdb

from assets.common import preview
from assets.derived import Built, derived_asset
from assets.reference import areas
from sources.source_catalogue import Catalogue
from warehouse.council_returns import build_quarter_indicators, population_0_17, quarter_end
from warehouse.csc_indicators import SOURCE as CSC_SOURCE
from warehouse.csc_indicators import build_csc_indicators
from warehouse.public_health_indicators import (
    ASCOF_SOURCE,
    FINGERTIPS_SOURCE,
    build_ascof_indicators,
    build_fingertips_indicators,
)
from warehouse.road_indicators import SOURCE as ROAD_SOURCE
from warehouse.road_indicators import build_road_indicators

AREAS = "marts/areas"


def _clean_keys(catalogue: Catalogue, *publishers: str) -> list[dg.AssetKey]:
    return [dg.AssetKey(["clean", d.key]) for p in publishers for d in catalogue.of_publisher(p)]


def _inputs(keys: list[dg.AssetKey]) -> list[str]:
    return [AREAS, *("/".join(key.path) for key in keys)]


def _council_preview(con: duckdb.DuckDBPyConnection, source: str, area_code: str) -> dg.MetadataValue:
    return preview(
        con,
        "select indicator_id, area_code, period_label, variant, value, numerator, denominator, value_status "
        "from marts.indicator_values where source = ? and area_code = ? order by indicator_id, period_end desc",
        [source, area_code],
    )


def road_indicators(catalogue: Catalogue) -> dg.AssetsDefinition:
    keys = _clean_keys(catalogue, "dft")

    def build(context: dg.AssetExecutionContext, con: duckdb.DuckDBPyConnection) -> Built:
        road = context.resources.stats19_source
        built = build_road_indicators(con, road.baseline_first_year, road.baseline_last_year)
        if built.unplaced_casualties:
            context.log.warning(f"{built.unplaced_casualties:,} casualties not placed in a current highway authority")
        return Built(
            {
                "dagster/row_count": built.rows,
                "period_range": f"{built.first_year}-{built.last_year}",
                "unplaced_casualties": built.unplaced_casualties,
                "baseline": f"{road.baseline_first_year}-{road.baseline_last_year}"
                + ("" if built.baseline_available else " (not all baseline years loaded: no baseline rows)"),
                "council_preview": _council_preview(con, ROAD_SOURCE, context.resources.council.area_code),
            }
        )

    return derived_asset(
        ["marts", "road_indicators"],
        group="indicators",
        description="Road safety rows of `marts.indicator_values`: KSI and all casualties per calendar year and per "
        "rolling 12 months to each quarter end (severity-adjusted and unadjusted), and their change against the "
        "2005-09 average, for every English upper-tier authority, its region and England.",
        inputs=_inputs(keys),
        deps=[*keys, areas],
        build=build,
        settings=lambda context: {
            "baseline": [
                context.resources.stats19_source.baseline_first_year,
                context.resources.stats19_source.baseline_last_year,
            ]
        },
        resource_keys=frozenset({"stats19_source", "council"}),
    )


def _as_published(
    name: str, keys: list[dg.AssetKey], source: str, mapping: dict, build_rows: Callable, description: str
) -> dg.AssetsDefinition:
    """Indicators carried through as their publisher gives them: `mapping` ties registry ids to theirs."""

    def build(context: dg.AssetExecutionContext, con: duckdb.DuckDBPyConnection) -> Built:
        rows = build_rows(con, mapping)
        preview = _council_preview(con, source, context.resources.council.area_code)
        return Built({"dagster/row_count": rows, "council_preview": preview})

    return derived_asset(
        ["marts", name],
        group="indicators",
        description=description,
        inputs=_inputs(keys),
        deps=[*keys, areas],
        build=build,
        settings=lambda context: {"mapping": mapping},
        resource_keys=frozenset({"council"}),
    )


def public_health_indicators(catalogue: Catalogue) -> dg.AssetsDefinition:
    ids = {d.option("indicator"): int(d.option("fingertips_id")) for d in catalogue.of_publisher("ohid")}
    return _as_published(
        "public_health_indicators",
        _clean_keys(catalogue, "ohid"),
        FINGERTIPS_SOURCE,
        ids,
        build_fingertips_indicators,
        "PHOF rows of `marts.indicator_values` for England, regions and upper-tier authorities, as published: value, "
        "count, denominator, 95% and 99.8% limits, and the value note as a typed status.",
    )


def adult_social_care_indicators(catalogue: Catalogue) -> dg.AssetsDefinition:
    measures = {name: code for d in catalogue.of_publisher("ascof") for name, code in d.option("measures").items()}
    return _as_published(
        "adult_social_care_indicators",
        _clean_keys(catalogue, "ascof"),
        ASCOF_SOURCE,
        measures,
        build_ascof_indicators,
        "ASCOF rows of `marts.indicator_values` (people who use services who feel safe, and who say services made "
        "them feel safe and secure) for England, regions and councils, with numerators, denominators, 95% limits "
        "from the published margin of error, and suppression as a typed status.",
    )


def ees_rounding(catalogue: Catalogue) -> dict[str, tuple[int, int]]:
    """Per EES data set: the decimals DfE publishes to and the multiple its counts above LA are rounded to."""
    return {
        d.option("ees_key"): (int(d.option("published_decimals")), int(d.option("counts_rounded_above_la")))
        for d in catalogue.of_publisher("dfe")
    }


def csc_indicators(catalogue: Catalogue) -> dg.AssetsDefinition:
    keys = _clean_keys(catalogue, "dfe", "ons")
    key = dg.AssetKey(["marts", "csc_indicators"])
    check = "dfe_published_values_reconcile"
    rounding = ees_rounding(catalogue)

    def build(context: dg.AssetExecutionContext, con: duckdb.DuckDBPyConnection) -> Built:
        built = build_csc_indicators(con, rounding)
        mismatches = built.mismatches
        described = [
            f"{row.indicator_id} {row.area_code} {row.area_name} {row.period_label}: ours {row.computed:.3f}, "
            f"DfE {row.published:g} (allowed difference {row.allowed:.3f})"
            for row in mismatches.head(20).itertuples()
        ]
        for line in described:
            context.log.warning(line)
        return Built(
            {
                "dagster/row_count": built.rows,
                "rows_per_indicator": dg.MetadataValue.json(built.indicators),
                "break_in_series_rows": built.breaks,
                "rebuilt_rows": built.rebuilt,
                "council_preview": _council_preview(con, CSC_SOURCE, context.resources.council.area_code),
            },
            [
                dg.AssetCheckResult(
                    check_name=check,
                    passed=mismatches.empty,
                    severity=dg.AssetCheckSeverity.WARN,
                    description=f"{len(mismatches)} of {built.compared} published values differ beyond their rounding"
                    + (": " + "; ".join(described[:5]) if described else ""),
                    metadata={
                        "compared": built.compared,
                        "mismatches": len(mismatches),
                        "examples": dg.MetadataValue.json(described),
                    },
                )
            ],
        )

    return derived_asset(
        ["marts", "csc_indicators"],
        group="indicators",
        description="Children's social care and persistent absence rows of `marts.indicator_values` for every "
        "authority, region and England, with numerators, denominators and break-in-series caveats.",
        inputs=_inputs(keys),
        deps=[*keys, areas],
        build=build,
        check_specs=[
            dg.AssetCheckSpec(
                check,
                asset=key,
                blocking=False,
                description="Where DfE publishes the rate or percentage too, ours (from counts and population) is "
                "within the published rounding (plus the effect of rounding England's and regions' counts to 10).",
            )
        ],
        settings=lambda context: {"rounding": rounding},
        resource_keys=frozenset({"council"}),
    )


def council_return_indicators(catalogue: Catalogue, quarters: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    keys = _clean_keys(catalogue, "council_returns")
    population_inputs = _clean_keys(catalogue, "ons")

    def build(context: dg.AssetExecutionContext, con: duckdb.DuckDBPyConnection) -> Built:
        council = context.resources.council.area_code
        settings = context.resources.council_returns
        denominators, rows = {}, 0
        for quarter in sorted(context.partition_keys):
            population = population_0_17(
                con, settings.population_table, council, quarter_end(quarter), settings.population_0_17
            )
            denominators[quarter_end(quarter).isoformat()] = {
                "population_0_17": population.value,
                "mid_year": population.year,
                "from": population.source,
            }
            rows += build_quarter_indicators(con, quarter, council, population)
        if any(entry["mid_year"] is None for entry in denominators.values()):
            context.log.warning(
                f"no 0-17 population for {council} in {settings.population_table}: rates use the configured "
                f"COUNCIL_RETURNS_POPULATION_0_17 ({settings.population_0_17:,.0f})"
            )
        return Built({"dagster/row_count": rows, "population": dg.MetadataValue.json(denominators)})

    return derived_asset(
        ["marts", "council_return_indicators"],
        group="council_returns",
        description="The council's quarterly rows of `marts.indicator_values` (variant `local_return`): CIN, CPP and "
        "CLA rates per 10,000 at the quarter end, and re-referrals, second or subsequent plans and adoptions over "
        "the 12 months to it, defined as DfE's annual figures; counts of 1 to 5 suppressed.",
        inputs=_inputs(keys + population_inputs),
        deps=[*keys, areas],
        build=build,
        settings=lambda context: {
            "council": context.resources.council.area_code,
            "population_table": context.resources.council_returns.population_table,
            "population_0_17": context.resources.council_returns.population_0_17,
        },
        partitions_def=quarters,
        resource_keys=frozenset({"council", "council_returns"}),
    )
