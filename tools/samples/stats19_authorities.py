"""The five South West highway authorities of the STATS19 sample: their sub-areas (the districts before the
reorganisations), police forces, roads and collision counts, and which codes a collision gets on a given date.

Apart from the row builders because this is the sample's geography, a table of facts more than code: Dorset
County and its districts before 1 April 2019, Dorset Council and BCP after; Somerset County and its districts
before 1 April 2023, Somerset Council after; and the dates each police force moved to injury-based reporting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

DORSET_REORGANISED = date(2019, 4, 1)
SOMERSET_REORGANISED = date(2023, 4, 1)

# Invented switch-over dates to injury-based severity reporting (CRaSH or COPA), by police force.
INJURY_BASED_FROM = {50: date(2015, 11, 1), 52: date(2016, 1, 18), 54: date(2017, 6, 5), 55: date(2016, 3, 7)}


@dataclass(frozen=True)
class SubArea:
    """A part of an authority with its own (pre-reorganisation) district and rough centre."""

    name: str
    ons_district_before: str
    highway_before: str
    highway_current: str
    weight: float
    latitude: float
    longitude: float
    spread: float
    lsoa_first: int
    lsoa_last: int
    urban_share: float


@dataclass(frozen=True)
class Authority:
    """A current highway authority and the police force that reports its collisions."""

    name: str
    code: str
    police_force: int
    collisions_2005: int
    reorganised: date | None
    a_roads: tuple[int, ...]
    b_roads: tuple[int, ...]
    motorways: tuple[int, ...]
    trunk_roads: tuple[int, ...]
    sub_areas: tuple[SubArea, ...] = field(default_factory=tuple)


def _dorset_area(name: str, district: str, weight: float, lat: float, lon: float, lsoa: int) -> SubArea:
    return SubArea(name, district, "E10000009", "E06000059", weight, lat, lon, 0.07, lsoa, lsoa + 80, 0.35)


AUTHORITIES: tuple[Authority, ...] = (
    Authority(
        "Dorset",
        "E06000059",
        55,
        235,
        DORSET_REORGANISED,
        a_roads=(35, 31, 37, 30, 338, 348, 350, 351, 352, 353, 354, 357, 3030, 3066),
        b_roads=(3065, 3067, 3069, 3070, 3071, 3072, 3073, 3074, 3078, 3081, 3081, 3092, 3143, 3157, 3390),
        motorways=(),
        trunk_roads=(35, 31, 303),
        sub_areas=(
            _dorset_area("West Dorset", "E07000052", 0.34, 50.74, -2.62, 20540),
            _dorset_area("East Dorset", "E07000049", 0.22, 50.82, -1.93, 20390),
            _dorset_area("North Dorset", "E07000050", 0.18, 50.93, -2.26, 20460),
            _dorset_area("Purbeck", "E07000051", 0.11, 50.65, -2.08, 20510),
            _dorset_area("Weymouth and Portland", "E07000053", 0.15, 50.61, -2.46, 20650),
        ),
    ),
    Authority(
        "Bournemouth, Christchurch and Poole",
        "E06000058",
        55,
        170,
        DORSET_REORGANISED,
        a_roads=(338, 35, 348, 349, 341, 3049, 3060, 337),
        b_roads=(3064, 3065, 3059, 3063, 3073, 3068),
        motorways=(),
        trunk_roads=(),
        sub_areas=(
            SubArea(
                "Bournemouth",
                "E06000028",
                "E06000028",
                "E06000058",
                0.50,
                50.73,
                -1.86,
                0.025,
                15200,
                15300,
                0.95,
            ),
            SubArea("Poole", "E06000029", "E06000029", "E06000058", 0.36, 50.73, -1.97, 0.025, 15430, 15520, 0.93),
            SubArea(
                "Christchurch",
                "E07000048",
                "E10000009",
                "E06000058",
                0.14,
                50.74,
                -1.77,
                0.02,
                20360,
                20389,
                0.80,
            ),
        ),
    ),
    Authority(
        "Wiltshire",
        "E06000054",
        54,
        195,
        None,
        a_roads=(303, 36, 350, 338, 345, 346, 4, 419, 420, 429, 3102, 361, 365, 342, 354),
        b_roads=(4040, 3098, 3105, 3107, 390, 4192, 4069, 3089, 3092, 3101),
        motorways=(4,),
        trunk_roads=(303, 36, 419),
        sub_areas=(
            SubArea(
                "Salisbury",
                "E06000054",
                "E06000054",
                "E06000054",
                0.28,
                51.08,
                -1.80,
                0.10,
                31940,
                32100,
                0.40,
            ),
            SubArea(
                "Chippenham",
                "E06000054",
                "E06000054",
                "E06000054",
                0.27,
                51.46,
                -2.12,
                0.09,
                32100,
                32270,
                0.45,
            ),
            SubArea(
                "Trowbridge",
                "E06000054",
                "E06000054",
                "E06000054",
                0.28,
                51.31,
                -2.20,
                0.08,
                32270,
                32450,
                0.50,
            ),
            SubArea(
                "Devizes and Marlborough",
                "E06000054",
                "E06000054",
                "E06000054",
                0.17,
                51.38,
                -1.85,
                0.09,
                31870,
                31940,
                0.30,
            ),
        ),
    ),
    Authority(
        "Devon",
        "E10000008",
        50,
        220,
        None,
        a_roads=(30, 38, 35, 361, 377, 379, 380, 381, 386, 388, 396, 3015, 3052, 3072, 3121, 3122, 39),
        b_roads=(3174, 3177, 3181, 3193, 3212, 3213, 3215, 3227, 3230, 3233, 3344),
        motorways=(5,),
        trunk_roads=(30, 38, 35, 361, 380),
        sub_areas=(
            SubArea(
                "East Devon",
                "E07000040",
                "E10000008",
                "E10000008",
                0.17,
                50.74,
                -3.25,
                0.08,
                19850,
                19930,
                0.40,
            ),
            SubArea("Exeter", "E07000041", "E10000008", "E10000008", 0.15, 50.72, -3.53, 0.03, 19930, 20010, 0.95),
            SubArea(
                "Mid Devon",
                "E07000042",
                "E10000008",
                "E10000008",
                0.10,
                50.90,
                -3.49,
                0.08,
                20010,
                20060,
                0.30,
            ),
            SubArea(
                "North Devon",
                "E07000043",
                "E10000008",
                "E10000008",
                0.13,
                51.07,
                -3.98,
                0.08,
                20060,
                20120,
                0.35,
            ),
            SubArea(
                "South Hams",
                "E07000044",
                "E10000008",
                "E10000008",
                0.13,
                50.36,
                -3.78,
                0.08,
                20120,
                20170,
                0.30,
            ),
            SubArea(
                "Teignbridge",
                "E07000045",
                "E10000008",
                "E10000008",
                0.16,
                50.58,
                -3.65,
                0.07,
                20170,
                20250,
                0.45,
            ),
            SubArea(
                "Torridge",
                "E07000046",
                "E10000008",
                "E10000008",
                0.08,
                50.95,
                -4.25,
                0.08,
                20250,
                20290,
                0.30,
            ),
            SubArea(
                "West Devon",
                "E07000047",
                "E10000008",
                "E10000008",
                0.08,
                50.63,
                -4.10,
                0.08,
                20290,
                20320,
                0.25,
            ),
        ),
    ),
    Authority(
        "Somerset",
        "E06000066",
        52,
        180,
        SOMERSET_REORGANISED,
        a_roads=(303, 358, 38, 39, 361, 371, 372, 37, 30, 3088, 3027, 396),
        b_roads=(3151, 3153, 3139, 3135, 3224, 3227, 3170, 3165, 3081),
        motorways=(5,),
        trunk_roads=(303, 358, 30),
        sub_areas=(
            SubArea("Mendip", "E07000187", "E10000027", "E06000066", 0.22, 51.20, -2.58, 0.08, 29280, 29360, 0.40),
            SubArea(
                "Sedgemoor",
                "E07000188",
                "E10000027",
                "E06000066",
                0.24,
                51.14,
                -2.95,
                0.08,
                29360,
                29440,
                0.45,
            ),
            SubArea(
                "South Somerset",
                "E07000189",
                "E10000027",
                "E06000066",
                0.28,
                50.96,
                -2.75,
                0.10,
                29440,
                29550,
                0.40,
            ),
            SubArea(
                "Taunton Deane",
                "E07000190",
                "E10000027",
                "E06000066",
                0.18,
                51.02,
                -3.10,
                0.05,
                29550,
                29620,
                0.60,
            ),
            SubArea(
                "West Somerset",
                "E07000191",
                "E10000027",
                "E06000066",
                0.08,
                51.15,
                -3.42,
                0.08,
                29620,
                29650,
                0.20,
            ),
        ),
    ),
)

SOMERSET_WEST_AND_TAUNTON = "E07000246"  # replaced Taunton Deane and West Somerset, April 2019 to March 2023


def geography(authority: Authority, area: SubArea, day: date) -> tuple[str, str, str]:
    """Return (ons district, highway authority, current highway authority) for a collision date."""
    if authority.reorganised is not None and day >= authority.reorganised:
        return authority.code, authority.code, area.highway_current
    district = area.ons_district_before
    if district in ("E07000190", "E07000191") and day >= DORSET_REORGANISED:
        district = SOMERSET_WEST_AND_TAUNTON
    return district, area.highway_before, area.highway_current
