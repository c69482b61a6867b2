"""Suites for the STATS19 landing tables: codes in DfT's code lists, ages in range, ids well formed and unique
per year, dates inside the partition's year, and highway authority codes that exist.

Code lists come from DfT's data guide (`checks/code_lists/stats19.json`), keyed by the real header names.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from checks.rules import Suite, between, equal, in_set, matches, not_null, unique

# Real ids are the data year then a 9-character reference (police force + serial); pre-2005 references
# may contain capital letters.
INDEX_PATTERN = r"[0-9]{4}[0-9A-Z]{9}"
GSS_PATTERN = r"[EWS][0-9]{8}"


@cache
def code_list(field: str) -> tuple[int, ...]:
    """The valid codes of a STATS19 field, from the DfT data guide."""
    lists = json.loads((resources.files("checks") / "code_lists" / "stats19.json").read_text())
    return tuple(sorted(int(code) for code in lists["fields"][field]))


def _year_rules() -> tuple:
    return (
        not_null("collision_index"),
        matches("collision_index", INDEX_PATTERN, "a well-formed collision index (year + 9 characters)"),
        equal("index_year", "collision_year", "collision_index starts with the partition's data year"),
    )


def collisions_suite(english_highway_codes: list[str]) -> Suite:
    """Rules for `landing.dft_collisions` (one partition = one data year)."""
    return Suite(
        name="dft_collisions",
        table="landing.dft_collisions",
        select={
            "collision_index": "collision_index",
            "collision_year": "collision_year",
            "index_year": "try_cast(left(collision_index, 4) as smallint)",
            "date_year": "year(collision_date)",
            "collision_date": "collision_date",
            "collision_severity": "collision_severity",
            "police_force": "police_force",
            "number_of_vehicles": "number_of_vehicles",
            "number_of_casualties": "number_of_casualties",
            "local_authority_highway": "local_authority_highway",
            "english_highway_authority": (
                "case when left(coalesce(local_authority_highway_current, local_authority_highway), 1) = 'E' "
                "then coalesce(local_authority_highway_current, local_authority_highway) end"
            ),
        },
        rules=(
            *_year_rules(),
            unique("collision_index"),
            not_null("collision_date"),
            equal("date_year", "collision_year", "the collision date falls in the partition's year"),
            in_set("collision_severity", code_list("collision_severity"), "DfT's severity codes"),
            in_set("police_force", code_list("police_force"), "DfT's police force codes"),
            between("number_of_vehicles", 1, 999),
            between("number_of_casualties", 1, 999),
            not_null("local_authority_highway"),
            matches("local_authority_highway", GSS_PATTERN, "a GSS area code"),
            in_set(
                "english_highway_authority",
                english_highway_codes,
                "the English upper-tier authorities known to the warehouse",
            ),
        ),
    )


def casualties_suite() -> Suite:
    """Rules for `landing.dft_casualties` (one partition = one data year)."""
    return Suite(
        name="dft_casualties",
        table="landing.dft_casualties",
        select={
            "collision_index": "collision_index",
            "collision_year": "collision_year",
            "index_year": "try_cast(left(collision_index, 4) as smallint)",
            "vehicle_reference": "vehicle_reference",
            "casualty_reference": "casualty_reference",
            "casualty_severity": "casualty_severity",
            "casualty_class": "casualty_class",
            "sex_of_casualty": "sex_of_casualty",
            "age_of_casualty": "age_of_casualty",
            "age_band_of_casualty": "age_band_of_casualty",
            "enhanced_casualty_severity": "enhanced_casualty_severity",
            "casualty_adjusted_severity_serious": "casualty_adjusted_severity_serious",
            "casualty_adjusted_severity_slight": "casualty_adjusted_severity_slight",
        },
        rules=(
            *_year_rules(),
            unique("collision_index", "vehicle_reference", "casualty_reference"),
            not_null("casualty_severity"),
            in_set("casualty_severity", code_list("casualty_severity"), "DfT's severity codes"),
            in_set("casualty_class", code_list("casualty_class"), "DfT's casualty class codes"),
            in_set("sex_of_casualty", code_list("sex_of_casualty"), "DfT's sex codes"),
            between("age_of_casualty", -1, 120),
            in_set("age_band_of_casualty", code_list("age_band_of_casualty"), "DfT's age bands"),
            in_set(
                "enhanced_casualty_severity", code_list("enhanced_casualty_severity"), "DfT's enhanced severity codes"
            ),
            between("casualty_adjusted_severity_serious", 0, 1),
            between("casualty_adjusted_severity_slight", 0, 1),
        ),
    )
