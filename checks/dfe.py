"""Suites for the DfE EES data sets and the ONS population (`landing.dfe_ees`, `landing.ons_population`).

One suite shape serves every data set, because parsing gives them one canonical shape: percentages within
0-100, counts non-negative whole numbers, numerator <= denominator, known area codes (and DfE codes matching
them), an area's code only carrying data while the area existed, one row per area-period-breakdown, and a
national headline row with a value in every period.
"""

from __future__ import annotations

from collections.abc import Sequence

from checks.rules import Suite, between, in_set, not_null, unique

MAX_COUNT = 100_000_000


def _area_valid(table: str) -> str:
    """1 when an area code carrying a value existed in the row's period (or is a same-boundary successor that
    DfE back-casts, like North Yorkshire 2021-2023), else 0; null for rows without a value."""
    return f"""
        case when {table}.numerator_status = 'ok' and {table}.geographic_level = 'Local authority' then (
            select count(*) from marts.areas a
            where a.area_code = {table}.area_code
              and (a.valid_to is null or cast(a.valid_to as date) >= {table}.period_start)
              and (a.valid_from is null or cast(a.valid_from as date) <= {table}.period_start
                   or exists (select 1 from marts.area_successions s
                              where s.successor_code = a.area_code and s.boundary_unchanged = 'yes'))
        ) end"""


def _dfe_code_matches(table: str) -> str:
    return f"""
        case when {table}.old_la_code is not null and {table}.geographic_level = 'Local authority' then (
            select count(*) from marts.areas a
            where a.area_code = {table}.area_code and a.dfe_la_code = {table}.old_la_code
        ) end"""


def ees_suite(
    dataset_key: str | None,
    area_codes: list[str],
    *,
    geographic_levels: Sequence[str],
    statuses: Sequence[str],
    table: str = "landing.dfe_ees",
    value_is_percent: bool = False,
    current_boundaries: bool = False,
    smallest_count: int = 0,
) -> Suite:
    """Rules for one data set's partition (`dataset_key`, or None for the whole table); `area_codes` are the
    codes in `marts.areas`; `geographic_levels` and `statuses` are what the parser may write
    (`sources.ees.GEOGRAPHIC_LEVELS`, `sources.ees.STATUSES`).

    `current_boundaries`: the publisher back-casts today's authorities (ONS's Nomis estimates give Dorset
    Council for mid-2018), so a code carrying data before its area existed is expected, not an error.
    `smallest_count`: 1 where a count of 0 is impossible (a population: every rate over it would be null).
    """
    short = table.split(".")[-1]
    name = f"{short}_{dataset_key}" if dataset_key else short
    percent_max = 100 if value_is_percent else 10_000
    return Suite(
        name=name,
        table=table,
        select={
            "area_code": "area_code",
            "geographic_level": "geographic_level",
            "period_year": "period_year",
            "time_identifier": "time_identifier",
            "breakdown": "breakdown",
            "numerator": "numerator",
            "denominator": "denominator",
            "published": "published",
            "numerator_status": "numerator_status",
            "numerator_whole": "case when numerator is not null then numerator = round(numerator) end",
            "denominator_whole": "case when denominator is not null then denominator = round(denominator) end",
            "numerator_within_denominator": "case when numerator is not null and denominator is not null "
            "then numerator <= denominator end",
            "area_valid_in_period": _area_valid(short),
            "dfe_code_matches_area": _dfe_code_matches(short),
            "national_headline_rows": "count(*) filter (where geographic_level = 'National' and is_headline) "
            "over (partition by period_year)",
            "national_headline_status": "case when geographic_level = 'National' and is_headline "
            "then numerator_status end",
        },
        rules=(
            not_null("area_code"),
            in_set("area_code", area_codes, "the areas known to the warehouse (marts.areas)"),
            in_set("geographic_level", geographic_levels, "EES geographic levels"),
            in_set("numerator_status", statuses, "the typed statuses"),
            unique("area_code", "period_year", "time_identifier", "breakdown"),
            between("numerator", smallest_count, MAX_COUNT),
            between("denominator", 0, MAX_COUNT),
            between("published", 0, percent_max),
            in_set("numerator_whole", [True], "whole numbers (counts)"),
            in_set("denominator_whole", [True], "whole numbers (counts)"),
            in_set("numerator_within_denominator", [True], "true (numerator <= denominator)"),
            *(
                ()
                if current_boundaries
                else (in_set("area_valid_in_period", [1], "1 (a code only carries data while its area exists)"),)
            ),
            in_set("dfe_code_matches_area", [1], "1 (the DfE 3-digit code belongs to the GSS code)"),
            between("national_headline_rows", 1, 1),
            in_set("national_headline_status", ["ok"], "'ok' (the national total is never suppressed)"),
        ),
    )
