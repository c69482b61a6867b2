"""Suites for the OHID Fingertips and ASCOF landing tables: known ids and measure codes, percentages within
0-100, published limits around the value, area codes the warehouse knows, one row per area, period and
breakdown, and only the publishers' own suppression markers.

Area codes are checked against `marts.areas` (England, regions, upper-tier authorities), so a Welsh or a
district code, or a code from a reorganisation the reference data does not know, stops the load.
"""

from __future__ import annotations

from checks.rules import Rule, Suite, between, in_set, matches, not_null, unique

ASCOF_TOKENS = ("[c]", "[x]", "[z]", "")
ASCOF_LEVELS = ("england", "region", "council", "council_type")
ASCOF_MEASURE_TYPES = ("outcome", "numerator", "denominator", "base", "respondents", "margin_of_error")

# 1 where every published limit present brackets the value (lower <= value <= upper), 0 where one does not;
# null where the value is missing (nothing to compare).
LIMITS_ORDERED = (
    "case when value is null then null "
    "when coalesce(lower_95 <= value, true) and coalesce(value <= upper_95, true) "
    "and coalesce(lower_998 <= value, true) and coalesce(value <= upper_998, true) then 1 else 0 end"
)


# 1 where an area's value for a breakdown and period is the same in every parent-type export that holds it.
SAME_ACROSS_PARENTS = (
    "case when value is null then null when min(value) over same_row = max(value) over same_row "
    "and count(*) filter (where value is null) over same_row = 0 then 1 else 0 end"
)


def fingertips_suite(fingertips_ids: list[int], area_codes: list[str], percent_ids: list[int]) -> Suite:
    """Rules for `landing.ohid_fingertips` (one load = one indicator under one parent area type)."""
    percent = ", ".join(str(fingertips_id) for fingertips_id in percent_ids) or "null"
    return Suite(
        name="ohid_fingertips",
        table="landing.ohid_fingertips",
        select={
            "fingertips_id": "fingertips_id",
            "parent_area_type_id": "parent_area_type_id",
            "area_code": "area_code",
            "sex": "sex",
            "age": "age",
            "category_type": "category_type",
            "category": "category",
            "time_period": "time_period",
            "percent_value": f"case when fingertips_id in ({percent}) then value end",
            "limits_ordered": LIMITS_ORDERED,
            "count": "count",
            "denominator": "denominator",
            "value_note": "value_note",
            "note_kind": "case when value_note = '' then '' else note_kind end",
            "sortable_year_matches": "case when sortable_year = year(period_start) then 1 else 0 end",
            "same_across_parents": SAME_ACROSS_PARENTS.replace(
                "same_row",
                "(partition by fingertips_id, area_code, sex, age, category_type, category, time_period)",
            ),
        },
        rules=(
            in_set("fingertips_id", fingertips_ids, "the configured Fingertips indicator ids"),
            not_null("area_code"),
            in_set("area_code", area_codes, "the English areas known to the warehouse (marts.areas)"),
            unique(
                "fingertips_id",
                "parent_area_type_id",
                "area_code",
                "sex",
                "age",
                "category_type",
                "category",
                "time_period",
            ),
            between("percent_value", 0, 100),
            Rule(
                "in_set",
                "limits_ordered",
                "published limits bracket the value (lower <= value <= upper)",
                {"values": (1,)},
            ),
            between("count", 0, 1e12),
            between("denominator", 0, 1e12),
            Rule(
                "not_null",
                "note_kind",
                "every value note is of a known kind (checks/code_lists/fingertips_value_notes.csv)",
            ),
            Rule(
                "in_set",
                "sortable_year_matches",
                "'Time period Sortable' agrees with 'Time period'",
                {"values": (1,)},
            ),
            Rule(
                "in_set",
                "same_across_parents",
                "an area's value is the same in the England-parent and region-parent exports",
                {"values": (1,)},
            ),
        ),
    )


def ascof_suite(measure_groups: list[str], area_codes: list[str]) -> Suite:
    """Rules for `landing.ascof_measures` (one load = one release's file, configured measures only)."""
    groups = "|".join(measure_groups)
    return Suite(
        name="ascof_measures",
        table="landing.ascof_measures",
        select={
            "release": "release",
            "geographical_code": "geographical_code",
            "level": "level",
            "ons_code": "ons_code",
            "measure_code": "measure_code",
            "disaggregation": "disaggregation",
            "disaggregation_code": "disaggregation_code",
            "measure_type": "measure_type",
            "measure_type_code": "measure_type_code",
            "status_token": "status_token",
            "percent_outcome": "case when measure_type_code = 'outcome' then value end",
            "area_code": "case when level in ('england', 'region', 'council') then nullif(ons_code, '') end",
        },
        rules=(
            matches("measure_code", f"(?:{groups})(?:1864|65OV|64U|M|F)?", "a configured ASCOF measure code"),
            not_null("level"),
            in_set("level", ASCOF_LEVELS, "the known geographical levels"),
            not_null("measure_type_code"),
            in_set("measure_type_code", ASCOF_MEASURE_TYPES, "the known measure types"),
            Rule("not_null", "disaggregation_code", "disaggregation is one of the known breakdowns"),
            in_set("status_token", ASCOF_TOKENS, "the publishers' markers [c], [x], [z] (or blank)"),
            between("percent_outcome", 0, 100),
            in_set("area_code", area_codes, "the English areas known to the warehouse (marts.areas)"),
            unique("release", "geographical_code", "level", "measure_code", "disaggregation", "measure_type"),
        ),
    )
