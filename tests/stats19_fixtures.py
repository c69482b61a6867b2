"""Tiny STATS19 files written in the tests, in DfT's exact headers, so expected values can be counted by hand."""

from sources.stats19 import CASUALTY_HEADER_2024, COLLISION_HEADER_2024

__all__ = ["CASUALTY_HEADER_2024", "COLLISION_HEADER_2024", "casualty", "collision", "csv_text", "with_counts"]

COLLISION_DEFAULTS = {
    "location_easting_osgr": "370000",
    "location_northing_osgr": "90000",
    "longitude": "-2.4",
    "latitude": "50.7",
    "police_force": "55",
    "number_of_vehicles": "1",
    "day_of_week": "2",
    "time": "08:15",
    "local_authority_district": "-1",
    "urban_or_rural_area": "2",
    "enhanced_severity_collision": "-1",
    "collision_injury_based": "1",
}

CASUALTY_DEFAULTS = {
    "vehicle_reference": "1",
    "casualty_class": "1",
    "sex_of_casualty": "1",
    "age_of_casualty": "40",
    "age_band_of_casualty": "7",
    "casualty_type": "9",
    "casualty_imd_decile": "5",
    "lsoa_of_casualty": "E01020000",
    "enhanced_casualty_severity": "-1",
    "casualty_injury_based": "0",
}


def collision(
    index: str, date: str, highway: str, current: str, district: str = "", severity: int = 3, **extra
) -> dict:
    """One collision row: `date` as DD/MM/YYYY, as DfT writes it."""
    return {
        **COLLISION_DEFAULTS,
        "collision_index": index,
        "collision_year": index[:4],
        "collision_reference": index[4:],
        "collision_severity": str(severity),
        "date": date,
        "local_authority_ons_district": district or current,
        "local_authority_highway": highway,
        "local_authority_highway_current": current,
        **extra,
    }


def casualty(index: str, reference: int, severity: int, adjusted_serious: str = "", **extra) -> dict:
    """One casualty row; `adjusted_serious` is DfT's probability that the injury was serious (blank for fatal)."""
    slight = "" if adjusted_serious == "" else f"{1 - float(adjusted_serious):.3f}"
    return {
        **CASUALTY_DEFAULTS,
        "collision_index": index,
        "collision_year": index[:4],
        "collision_reference": index[4:],
        "casualty_reference": str(reference),
        "casualty_severity": str(severity),
        "casualty_adjusted_severity_serious": adjusted_serious,
        "casualty_adjusted_severity_slight": slight,
        **extra,
    }


def csv_text(header: list[str], rows: list[dict]) -> str:
    """Rows under `header`, missing fields blank, `\\n` line endings as in DfT's files."""
    lines = [",".join(header)]
    lines += [",".join(str(row.get(name, "")) for name in header) for row in rows]
    return "\n".join(lines) + "\n"


def with_counts(collisions: list[dict], casualties: list[dict]) -> list[dict]:
    """Fill each collision's number_of_casualties from the casualty rows, as DfT's files agree."""
    counts: dict[str, int] = {}
    for row in casualties:
        counts[row["collision_index"]] = counts.get(row["collision_index"], 0) + 1
    return [{**row, "number_of_casualties": str(counts.get(row["collision_index"], 1))} for row in collisions]
