"""ONS mid-year population estimates of children aged 0-17, the denominators of rates per 10,000 children.

Two routes (sources.md section 6). The DfE-prepared file (`ons_mid-year_population_estimates_2012_to_2024.csv`,
EES layout, `time_period` = the mid-year of the estimate) covers every authority; the Nomis API (`NM_2002_1`,
single years of age, `c_age` 101..118 = ages 0..17) is the live ONS route. Both become the same canonical rows.

Which year: DfE divides a count for the reporting year ending 31 March t by the mid-(t-1) estimate (its
dashboard adds 1 to the population file's year; the 2025 CLA file's Dorset population, 67,149, is the mid-2024
estimate). The indicator SQL follows that rule; this module only reads the estimates.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pandas as pd

from sources.ees import LANDING_COLUMNS, Dataset, parse, read_text_csv
from sources.errors import FormatError

PUBLISHER = "ons"
DATASET_KEY = "population_0_17"
AGE_GROUP = "Children aged 0 to 17 years"
NOMIS_AGES = range(101, 119)  # c_age 101 + age: 0..17
NOMIS_COLUMNS = ("DATE_NAME", "GEOGRAPHY_CODE", "GEOGRAPHY_NAME", "C_AGE_NAME", "OBS_VALUE")

DFE_FILE = Dataset(
    key=DATASET_KEY,
    title="ONS mid-year population estimates, children aged 0 to 17 (DfE-prepared)",
    publication="ons-mid-year-population-estimates",
    route="url",
    data_set_title="",
    time="mid_year",
    breakdown=(("age_group",),),
    headline=(AGE_GROUP,),
    numerator=("population_estimate",),
    denominator=(),
    published=(),
    published_decimals=0,
    counts_rounded_above_la=0,
)


def parse_dfe_file(path: Path, file_label: str | None = None) -> pd.DataFrame:
    """The DfE-prepared population file as canonical rows (only the 0-17 age group is kept)."""
    rows = parse(path, DFE_FILE, file_label)
    kept = rows[rows["breakdown"] == AGE_GROUP]
    if kept.empty:
        raise FormatError(file_label or str(path), f"no rows with age_group {AGE_GROUP!r}", column="age_group")
    return kept.reset_index(drop=True)


def nomis_url(base: str, area_codes: list[str], years: str) -> str:
    """Nomis `NM_2002_1` as CSV: persons, ages 0..17 (`c_age=101...118`), GSS codes, mid-years like `2018-2024`."""
    query = urlencode(
        {
            "geography": ",".join(area_codes),
            "date": years,
            "gender": "0",
            "c_age": f"{NOMIS_AGES[0]}...{NOMIS_AGES[-1]}",
            "measures": "20100",
            "select": "date_name,geography_code,geography_name,c_age_name,obs_value",
        },
        safe=",",
    )
    return f"{base.rstrip('/')}/NM_2002_1.data.csv?{query}"


def parse_nomis(path: Path, file_label: str | None = None) -> pd.DataFrame:
    """A Nomis answer summed over single years 0..17 per area and year; an area missing an age is an error."""
    file = file_label or str(path)
    frame = read_text_csv(path)
    missing = [column for column in NOMIS_COLUMNS if column not in frame]
    if missing:
        found = [column for column in frame.columns if column != "_source_row"]
        raise FormatError(file, f"no columns {missing}; expected {list(NOMIS_COLUMNS)}, found {found}", line=1)
    values = pd.to_numeric(frame["OBS_VALUE"].str.strip(), errors="coerce")
    if values.isna().any():
        first = values.isna().idxmax()
        raise FormatError(
            file,
            f"OBS_VALUE {frame.at[first, 'OBS_VALUE']!r} is not a number",
            line=int(frame.at[first, "_source_row"]),
            column="OBS_VALUE",
        )
    frame = frame.assign(value=values)
    grouped = frame.groupby(["DATE_NAME", "GEOGRAPHY_CODE"], sort=True).agg(
        area_name=("GEOGRAPHY_NAME", "first"),
        ages=("C_AGE_NAME", "nunique"),
        value=("value", "sum"),
        first_row=("_source_row", "min"),
    )
    short = grouped[grouped["ages"] != len(NOMIS_AGES)]
    if not short.empty:
        (year, code), row = next(iter(short.iterrows()))
        raise FormatError(
            file,
            f"{code} {year}: {row['ages']} single years of age where 0 to 17 needs {len(NOMIS_AGES)}",
            line=int(row["first_row"]),
        )
    grouped = grouped.reset_index()
    years = grouped["DATE_NAME"].str.strip().astype(int)
    codes = grouped["GEOGRAPHY_CODE"].str.strip()
    level = codes.str[:3].map({"E92": "National", "E12": "Regional", "E13": "Regional"}).fillna("Local authority")
    out = pd.DataFrame(
        {
            "dataset": DATASET_KEY,
            "time_period": years.astype(str),
            "period_year": years,
            "period_start": pd.to_datetime(years.astype(str) + "-06-30").dt.date,
            "time_identifier": "Calendar year",
            "geographic_level": level,
            "area_code": codes,
            "old_la_code": None,
            "area_name": grouped["area_name"].str.strip(),
            "breakdown": AGE_GROUP,
            "is_headline": True,
            "numerator": grouped["value"].astype(float),
            "numerator_status": "ok",
            "numerator_token": None,
        }
    )
    for name in ("denominator", "published"):
        out[name] = float("nan")
        out[f"{name}_status"] = None
        out[f"{name}_token"] = None
    out["_source_row"] = grouped["first_row"].astype("int64")
    return out[LANDING_COLUMNS]
