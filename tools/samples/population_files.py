"""The ONS population samples: the 0-17 mid-year estimates as DfE republishes them (one file), and as Nomis
answers a query (single years of age, summed to the same totals).

Apart from the DfE files (`ees_files`) because they come from other routes with other formats, and use no
random numbers: they are the same children the DfE files count (`ees_areas`).
"""

from __future__ import annotations

from sources import population
from tools.samples.ees_areas import (
    AUTHORITIES,
    ENGLAND_CHILDREN,
    REGION_CHILDREN,
    REGIONS,
    csv_field,
    population_of,
)


def population_file() -> str:
    header = (
        "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
        "old_la_code,new_la_code,la_name,age_group,population_estimate"
    )
    lines = [header]
    for mid_year in range(2024, 2016, -1):
        lines.append(
            f"{mid_year},Reporting year,National,E92000001,England,,,,,,{population.AGE_GROUP},{ENGLAND_CHILDREN}"
        )
        for code, name in REGIONS.items():
            lines.append(
                f"{mid_year},Reporting year,Regional,E92000001,England,{code},{name},,,,"
                f"{population.AGE_GROUP},{REGION_CHILDREN[code]}"
            )
        for authority in AUTHORITIES:
            code, old, name, region, first, last, _ = authority
            serves = mid_year + 1  # the estimate for mid-year t is the denominator of reporting year t+1
            if not first <= serves <= last and not (
                code in ("E10000009", "E06000028", "E06000029") and mid_year < 2019
            ):
                continue
            value = "x" if code in ("E10000009", "E06000028", "E06000029") else str(population_of(authority, mid_year))
            lines.append(
                f"{mid_year},Reporting year,Local authority,E92000001,England,{region},{REGIONS[region]},{old},{code},"
                f"{csv_field(name)},{population.AGE_GROUP},{value}"
            )
    return "\n".join(lines) + "\n"


def nomis_file(codes: list[str], years: list[int]) -> str:
    names = {"E92000001": "England", "E12000009": "South West"} | {a[0]: a[2] for a in AUTHORITIES}
    children = {"E92000001": ENGLAND_CHILDREN, "E12000009": REGION_CHILDREN["E12000009"]}
    lines = ['"DATE_NAME","GEOGRAPHY_CODE","GEOGRAPHY_NAME","C_AGE_NAME","OBS_VALUE"']
    for year in years:
        for code in codes:
            authority = next((a for a in AUTHORITIES if a[0] == code), None)
            total = population_of(authority, year) if authority else children[code]
            per_age = [total // 18 + (1 if age < total % 18 else 0) for age in range(18)]
            for age, value in enumerate(per_age):
                lines.append(f'"{year}","{code}","{names[code]}","Age {age}",{value}')
    return "\n".join(lines) + "\n"
