"""The areas of the DfE samples and how DfE writes them: England, two regions, the authorities that reported in
each year (old Dorset to 2019, Dorset Council from 2020, Somerset and Northamptonshire reorganised), their
children aged 0-17, the geography columns that start every row, and DfE's rounding and number format.

Apart from the files' contents (`ees_files`, `population_files`) because every file shares them: one list of
authorities keeps the CIN, CLA, absence and population files consistent with each other.
"""

from __future__ import annotations

ENGLAND = ("E92000001", "England")
REGIONS = {"E12000009": "South West", "E12000004": "East Midlands"}

# (new_la_code, old_la_code, name, region, first reporting year, last reporting year, children aged 0-17)
AUTHORITIES = [
    ("E10000009", "835", "Dorset", "E12000009", 2018, 2019, 76000),
    ("E06000028", "837", "Bournemouth", "E12000009", 2018, 2019, 37000),
    ("E06000029", "836", "Poole", "E12000009", 2018, 2019, 29000),
    ("E06000059", "838", "Dorset", "E12000009", 2020, 2025, 66500),
    ("E06000058", "839", "Bournemouth, Christchurch and Poole", "E12000009", 2020, 2025, 74000),
    ("E10000008", "878", "Devon", "E12000009", 2018, 2025, 139000),
    ("E06000054", "865", "Wiltshire", "E12000009", 2018, 2025, 105000),
    ("E10000027", "933", "Somerset", "E12000009", 2018, 2023, 110000),
    ("E06000066", "933", "Somerset", "E12000009", 2024, 2025, 111000),
    ("E10000021", "928", "Northamptonshire", "E12000004", 2018, 2021, 170000),
    ("E06000061", "940", "North Northamptonshire", "E12000004", 2022, 2025, 78000),
    ("E06000062", "941", "West Northamptonshire", "E12000004", 2022, 2025, 94000),
]
CIN_YEARS = list(range(2025, 2017, -1))
CLA_YEARS = list(range(2025, 2020, -1))
ABSENCE_YEARS = ["202425", "202324", "202223", "202122"]
REGION_CHILDREN = {"E12000009": 1_060_000, "E12000004": 1_010_000}
ENGLAND_CHILDREN = 12_000_000


def dfe_number(value: float, places: int) -> str:
    """DfE writes 37 rather than 37.0."""
    text = f"{value:.{places}f}"
    return text[:-2] if places and text.endswith(".0") else text


def round10(value: float) -> int:
    return int(round(value / 10.0) * 10)


def csv_field(value: str) -> str:
    return f'"{value}"' if "," in value else value


def reported_in(authority: tuple, year: int) -> bool:
    return authority[4] <= year <= authority[5]


def population_of(authority: tuple, mid_year: int) -> int:
    return int(authority[6] * (1 + 0.004 * (mid_year - 2020)))


def cin_prefix(year: int, level: str, area: tuple | None, quoted_empty: bool = False) -> str:
    empty = '""' if quoted_empty else ""
    start = f"{year},Reporting year,{level},{ENGLAND[0]},{ENGLAND[1]}"
    if level == "National":
        return f"{start},{empty},{empty},,{empty},{empty}"
    if level == "Regional":
        return f"{start},{area[0]},{area[1]},,{empty},{empty}"
    code, old, name, region = area[:4]
    return f"{start},{region},{REGIONS[region]},{old},{code},{csv_field(name)}"


def cla_prefix(year: int, level: str, area: tuple | None) -> str:
    start = f"{year},Reporting year,{level},{ENGLAND[0]},{ENGLAND[1]}"
    if level == "National":
        return f"{start},,,,,"
    if level == "Regional":
        return f"{start},{area[0]},{area[1]},,,"
    code, old, name, region = area[:4]
    return f"{start},{region},{REGIONS[region]},{old},{csv_field(name)},{code}"


def areas_in(year: int, prefix: object) -> list[tuple[str, int]]:
    """(row prefix, children) for England, the regions and the authorities that existed in `year`."""
    rows = [(prefix(year, "National", None), ENGLAND_CHILDREN)]
    rows += [(prefix(year, "Regional", (code, name)), REGION_CHILDREN[code]) for code, name in REGIONS.items()]
    rows += [
        (prefix(year, "Local authority", a), population_of(a, year - 1)) for a in AUTHORITIES if reported_in(a, year)
    ]
    return rows


def is_summary(prefix: str) -> bool:
    return ",National," in prefix or ",Regional," in prefix
