"""Generate the bundled, synthetic DfT STATS19 sample used in offline (sample) mode.

Why this exists
---------------
The real DfT road casualty files are large (the 1979-latest collision file is about 1.5 GB) and cannot be
fetched in tests or CI. Sample mode answers HTTP requests from ``sources/samples/<host>/<path>``, so this
script writes small files with the same names, the exact current (2024/2025 release) headers and realistic
values for five South West highway authorities. Every value is synthetic: no real collision is reproduced.

What it writes (under ``data.dft.gov.uk/road-accidents-safety-data/``)
----------------------------------------------------------------------
* ``dft-road-casualty-statistics-{collision|casualty}-1979-latest-published-year.csv``: data years 2005-2025
  (the real file starts in 1979; the sample starts in 2005, which covers a 2005-09 baseline).
* ``dft-road-casualty-statistics-{collision|casualty}-{YYYY}.csv`` for 2021-2025: the same rows as those years
  in the multi-year file.

Format rules followed (see ``shared/sources.md`` section 3): 44-column collision header, 23-column casualty
header, ``\\n`` line endings, no BOM, no quoting, ``-1`` for coded "missing", blank for unknown numbers
and for the adjusted-severity columns of fatal casualties, ``collision_reference`` kept as text with
leading zeros, ``date`` as DD/MM/YYYY, ``day_of_week`` 1 = Sunday.

Geography follows the reorganisations: Dorset County (E10000009) and its districts before 1 April 2019, Dorset
Council (E06000059) and BCP (E06000058) after; Bournemouth (E06000028), Poole (E06000029) and Christchurch
(E07000048, highway Dorset County) before 2019 map to BCP in ``local_authority_highway_current``; Somerset
County (E10000027) and its districts before 1 April 2023 (Taunton Deane E07000190 and West Somerset
E07000191 until March 2019, then Somerset West and Taunton E07000246), Somerset Council (E06000066) after.
``local_authority_district`` is always ``-1`` ("code deprecated"). Police forces follow the DfT code list:
50 Devon and Cornwall, 52 Avon and Somerset, 54 Wiltshire, 55 Dorset.

Choices where the real layout is not known: ``lsoa_*`` and ``casualty_imd_decile`` are ``-1`` before 2015;
``casualty_distance_banding`` is blank before 2020 (the real file is known to be empty for 2019 only);
the ``*_historic`` columns are filled before 2024 and ``-1`` from 2024, and their 2024-specification
partners (``junction_detail``, ``pedestrian_crossing``, ``carriageway_hazards``) the other way round;
``enhanced_*`` severities are ``-1`` before 2023 and occasionally afterwards. Invented outright: the dates
each police force moved to injury-based reporting (CRaSH/COPA), the adjustment probabilities, road numbers,
LSOA code ranges, the value mixes and the year trend (collisions fall about a third from 2005-09 to the
2020s, with a 2020 dip; KSI casualties fall 20-35% in every authority). The seed was picked so that holds.

Rerun
-----
    python -m tools.samples.generate_stats19 [OUTPUT_DIR]      # from the project root

It uses only the standard library and a fixed seed: two runs give byte-identical files.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sources.stats19 import CASUALTY_HEADER_2024, COLLISION_HEADER_2024
from tools.samples import SAMPLES

SEED = 2060
FIRST_YEAR = 2005
LAST_YEAR = 2025
SINGLE_YEARS = range(2021, 2026)
PUBLISHER_PATH = Path("data.dft.gov.uk") / "road-accidents-safety-data"
DEFAULT_OUTPUT_DIR = SAMPLES / PUBLISHER_PATH

COLLISION_COLUMNS = list(COLLISION_HEADER_2024)

CASUALTY_COLUMNS = list(CASUALTY_HEADER_2024)

DORSET_REORGANISED = date(2019, 4, 1)
SOMERSET_REORGANISED = date(2023, 4, 1)
ENHANCED_SEVERITY_FROM = 2023  # enhanced severity "introduced where collected in 2023"
LSOA_FROM = 2015  # lsoa_* and casualty_imd_decile are -1 before this data year
DISTANCE_BANDING_FROM = 2020  # casualty_distance_banding is blank before this year (real file: empty in 2019)
NEW_SPECIFICATION_FROM = 2024  # junction_detail, pedestrian_crossing, carriageway_hazards (2024 spec)

# Invented switch-over dates to injury-based severity reporting (CRaSH or COPA), by police force.
INJURY_BASED_FROM = {50: date(2015, 11, 1), 52: date(2016, 1, 18), 54: date(2017, 6, 5), 55: date(2016, 3, 7)}

# National trend of reported collisions relative to 2005 (roughly the GB curve), with the 2020 COVID dip.
YEAR_TREND = {
    2005: 1.00,
    2006: 0.97,
    2007: 0.94,
    2008: 0.89,
    2009: 0.86,
    2010: 0.84,
    2011: 0.83,
    2012: 0.80,
    2013: 0.76,
    2014: 0.79,
    2015: 0.76,
    2016: 0.75,
    2017: 0.73,
    2018: 0.71,
    2019: 0.70,
    2020: 0.55,
    2021: 0.64,
    2022: 0.68,
    2023: 0.67,
    2024: 0.66,
    2025: 0.66,
}


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

# DfT age bands: upper bound of each band, band 11 is over 75.
AGE_BAND_UPPER = (5, 10, 15, 20, 25, 35, 45, 55, 65, 75)


def age_band(age: int) -> int:
    """Return the DfT age band (1 = 0-5 ... 11 = over 75, -1 missing) of an age in years."""
    if age < 0:
        return -1
    for band, upper in enumerate(AGE_BAND_UPPER, start=1):
        if age <= upper:
            return band
    return 11


def day_of_week(day: date) -> int:
    """Return the STATS19 day of week: 1 = Sunday ... 7 = Saturday."""
    return day.isoweekday() % 7 + 1


def to_national_grid(latitude: float, longitude: float) -> tuple[int, int]:
    """Project WGS84 latitude/longitude to British National Grid easting/northing (metres).

    Transverse Mercator on the Airy 1830 ellipsoid after a constant datum shift that is right to
    about 30 m in southern England; good enough for synthetic points.
    """
    lat = math.radians(latitude - 0.00022)
    lon = math.radians(longitude + 0.00155)
    a, b, f0 = 6377563.396, 6356256.909, 0.9996012717
    lat0, lon0, n0, e0 = math.radians(49.0), math.radians(-2.0), -100000.0, 400000.0
    e2 = 1 - b * b / (a * a)
    n = (a - b) / (a + b)
    s, c, t = math.sin(lat), math.cos(lat), math.tan(lat)
    nu = a * f0 / math.sqrt(1 - e2 * s * s)
    rho = a * f0 * (1 - e2) / (1 - e2 * s * s) ** 1.5
    eta2 = nu / rho - 1
    dp, sp = lat - lat0, lat + lat0
    meridian = (
        b
        * f0
        * (
            (1 + n + 1.25 * n**2 + 1.25 * n**3) * dp
            - (3 * n + 3 * n**2 + 21 / 8 * n**3) * math.sin(dp) * math.cos(sp)
            + (15 / 8 * n**2 + 15 / 8 * n**3) * math.sin(2 * dp) * math.cos(2 * sp)
            - 35 / 24 * n**3 * math.sin(3 * dp) * math.cos(3 * sp)
        )
    )
    dl = lon - lon0
    northing = (
        meridian
        + n0
        + nu / 2 * s * c * dl**2
        + nu / 24 * s * c**3 * (5 - t * t + 9 * eta2) * dl**4
        + nu / 720 * s * c**5 * (61 - 58 * t * t + t**4) * dl**6
    )
    easting = (
        e0
        + nu * c * dl
        + nu / 6 * c**3 * (nu / rho - t * t) * dl**3
        + nu / 120 * c**5 * (5 - 18 * t * t + t**4 + 14 * eta2 - 58 * t * t * eta2) * dl**5
    )
    return round(easting), round(northing)


def format_probability(value: float) -> str:
    """Format a probability like the real files: up to 6 decimals, no trailing zeros (``0.923``, ``1``)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _pick(rng: random.Random, options: Sequence[int], weights: Sequence[float]) -> int:
    return rng.choices(options, weights=weights)[0]


class Stats19Sample:
    """Builds the synthetic collision and casualty rows, year by year, with one seeded generator."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.collisions: list[dict[str, str]] = []
        self.casualties: list[dict[str, str]] = []

    # -- geography ---------------------------------------------------------------------------------
    @staticmethod
    def geography(authority: Authority, area: SubArea, day: date) -> tuple[str, str, str]:
        """Return (ons district, highway authority, current highway authority) for a collision date."""
        if authority.reorganised is not None and day >= authority.reorganised:
            return authority.code, authority.code, area.highway_current
        district = area.ons_district_before
        if district in ("E07000190", "E07000191") and day >= DORSET_REORGANISED:
            district = SOMERSET_WEST_AND_TAUNTON
        return district, area.highway_before, area.highway_current

    # -- collisions --------------------------------------------------------------------------------
    def collision_count(self, authority: Authority, year: int) -> int:
        noise = self.rng.gauss(1.0, 0.05)
        return max(1, round(authority.collisions_2005 * YEAR_TREND[year] * noise))

    def random_day(self, year: int) -> date:
        start = date(year, 1, 1)
        length = (date(year + 1, 1, 1) - start).days
        while True:
            offset = self.rng.randrange(length)
            day = start + timedelta(days=offset)
            # fewer collisions in late spring 2020 (first lockdown), a touch more in autumn
            if year == 2020 and date(2020, 3, 23) <= day <= date(2020, 6, 15) and self.rng.random() < 0.55:
                continue
            if day.month in (1, 2, 3, 4) and self.rng.random() < 0.12:
                continue
            return day

    def random_time(self) -> tuple[str, int]:
        hour_weights = (
            2,
            1.5,
            1,
            1,
            1,
            2,
            4,
            8,
            10,
            6,
            5.5,
            6,
            6.5,
            6.5,
            7,
            9,
            10,
            10,
            8,
            6,
            4.5,
            3.5,
            3,
            2.5,
        )
        hour = _pick(self.rng, range(24), hour_weights)
        minute = self.rng.randrange(0, 60, 5) if self.rng.random() < 0.55 else self.rng.randrange(60)
        return f"{hour:02d}:{minute:02d}", hour

    def casualty_count(self) -> int:
        return _pick(self.rng, (1, 2, 3, 4, 5, 6, 7), (79, 14, 4.5, 1.5, 0.6, 0.25, 0.15))

    def make_collision(self, authority: Authority, year: int, reference: str) -> None:
        rng = self.rng
        area = rng.choices(authority.sub_areas, weights=[a.weight for a in authority.sub_areas])[0]
        day = self.random_day(year)
        district, highway, highway_current = self.geography(authority, area, day)
        time_text, hour = self.random_time()
        if rng.random() < 0.001:
            time_text = ""
        urban = rng.random() < area.urban_share
        injury_based = day >= INJURY_BASED_FROM[authority.police_force]

        latitude = area.latitude + rng.gauss(0, area.spread)
        longitude = area.longitude + rng.gauss(0, area.spread * 1.5)
        easting, northing = to_national_grid(latitude, longitude)
        located = rng.random() > 0.002

        road_class, road_number, trunk = self.first_road(authority, urban)
        if road_class == 1:
            road_type, speed = 3, 70
        else:
            road_type = _pick(rng, (6, 3, 1, 2, 7, 9, -1), (74, 9, 10, 3 if urban else 0.5, 1, 1, 0.3))
            speed = self.speed_limit(urban, year, road_type)

        at_junction = rng.random() < (0.55 if urban else 0.35)
        if road_type == 1:
            at_junction = True
        if at_junction:
            junction_old = 1 if road_type == 1 else _pick(rng, (3, 6, 8, 9, 2, 7, 5), (50, 12, 12, 8, 4, 3, 2))
            junction_new = {1: 19, 2: 19, 3: 13, 5: 19, 6: 16, 7: 17, 8: 18, 9: 19}[junction_old]
            control = _pick(rng, (4, 2, 1, 3, 9, -1), (74, 20, 0.5, 1, 2, 1)) if junction_old != 8 else 4
            second_class = _pick(rng, (6, 3, 4, 5, 9, -1), (55, 20, 10, 10, 2, 1))
            second_number = self.road_number(authority, second_class)
        else:
            junction_old, junction_new, control, second_class, second_number = 0, 0, -1, 0, -1
        if year >= NEW_SPECIFICATION_FROM:
            junction_old = -1
        else:
            junction_new = -1

        crossing_human = _pick(rng, (0, 1, 2, 9, -1), (97, 0.5, 0.8, 1, 0.7))
        crossing_physical = _pick(rng, (0, 1, 4, 5, 7, 8, 9, -1), (84 if urban else 96, 3, 5, 4, 0.3, 2, 1, 0.7))
        crossing_new = {0: 0, 1: 13, 4: 14, 5: 15, 7: 16, 8: 17, 9: 99, -1: -1}[crossing_physical]
        if crossing_human in (1, 2):
            crossing_new = 10 + crossing_human
        if year >= NEW_SPECIFICATION_FROM:
            crossing_human, crossing_physical = -1, -1
        else:
            crossing_new = -1

        if 8 <= hour <= 16:
            light = _pick(rng, (1, 4, 6, 7), (95, 3, 1.5, 0.5))
        elif hour in (6, 7, 17, 18, 19):
            light = _pick(rng, (1, 4, 5, 6, 7), (55, 30 if urban else 8, 1, 6 if urban else 30, 2))
        else:
            light = _pick(rng, (4, 5, 6, 7, 1), (70 if urban else 15, 2, 8 if urban else 65, 5, 5))
        if located is False and rng.random() < 0.5:
            light = -1
        weather = _pick(rng, (1, 2, 3, 4, 5, 6, 7, 8, 9, -1), (79, 11.5, 0.5, 1.3, 1.4, 0.1, 0.8, 2.2, 3, 0.2))
        if weather in (2, 5):
            surface = _pick(rng, (2, 1, 5), (94, 4, 2))
        elif weather in (3, 6):
            surface = _pick(rng, (3, 4, 2), (60, 25, 15))
        else:
            surface = _pick(rng, (1, 2, 4, 3, 6, 7, 9, -1), (80, 15, 2.5, 0.2, 0.3, 0.5, 1, 0.5))
        special = _pick(rng, (0, 4, 5, 6, 7, 3, 1, 2, 9, -1), (96, 1.3, 0.5, 0.3, 0.3, 0.3, 0.1, 0.1, 0.6, 0.5))
        hazards_old = _pick(rng, (0, 2, 7, 3, 1, 6, 9, -1), (96, 1, 1.2, 0.4, 0.2, 0.2, 0.5, 0.5))
        hazards_new = {0: 0, 1: 16, 2: 17, 3: 18, 6: 19, 7: 20, 9: 99, -1: -1}[hazards_old]
        if year >= NEW_SPECIFICATION_FROM:
            hazards_old = -1
        else:
            hazards_new = -1
        police_attended = _pick(rng, (1, 2, 3, -1), (72 if year < 2015 else 62, 17, 10 if year >= 2012 else 2, 0.3))

        n_vehicles = _pick(rng, (1, 2, 3), (32, 59, 9))
        n_casualties = self.casualty_count()
        index = f"{year}{reference}"
        casualties = self.make_casualties(authority, area, year, reference, n_vehicles, n_casualties, injury_based)

        severities = [int(c["casualty_severity"]) for c in casualties]
        severity = min(severities)
        enhanced = [int(c["enhanced_casualty_severity"]) for c in casualties if int(c["casualty_severity"]) == severity]
        enhanced_rank = {1: 0, 5: 1, 6: 2, 7: 3, 3: 4, -1: 5}
        enhanced_collision = min(enhanced, key=enhanced_rank.__getitem__)
        if severity == 1:
            adjusted_serious = adjusted_slight = ""
        elif injury_based:
            adjusted_serious, adjusted_slight = ("1", "0") if severity == 2 else ("0", "1")
        else:
            p_not_serious = 1.0
            for c in casualties:
                p_not_serious *= 1.0 - float(c["casualty_adjusted_severity_serious"])
            serious = round(1.0 - p_not_serious, 6)
            adjusted_serious, adjusted_slight = format_probability(serious), format_probability(1.0 - serious)

        lsoa = f"E01{rng.randint(area.lsoa_first, area.lsoa_last):06d}" if year >= LSOA_FROM and located else "-1"
        row = {
            "collision_index": index,
            "collision_year": str(year),
            "collision_reference": reference,
            "location_easting_osgr": str(easting) if located else "",
            "location_northing_osgr": str(northing) if located else "",
            "longitude": f"{longitude:.6f}" if located else "",
            "latitude": f"{latitude:.6f}" if located else "",
            "police_force": str(authority.police_force),
            "collision_severity": str(severity),
            "number_of_vehicles": str(n_vehicles),
            "number_of_casualties": str(len(casualties)),
            "date": day.strftime("%d/%m/%Y"),
            "day_of_week": str(day_of_week(day)),
            "time": time_text,
            "local_authority_district": "-1",
            "local_authority_ons_district": district,
            "local_authority_highway": highway,
            "local_authority_highway_current": highway_current,
            "first_road_class": str(road_class),
            "first_road_number": str(road_number),
            "road_type": str(road_type),
            "speed_limit": str(speed),
            "junction_detail_historic": str(junction_old),
            "junction_detail": str(junction_new),
            "junction_control": str(control),
            "second_road_class": str(second_class),
            "second_road_number": str(second_number),
            "pedestrian_crossing_human_control_historic": str(crossing_human),
            "pedestrian_crossing_physical_facilities_historic": str(crossing_physical),
            "pedestrian_crossing": str(crossing_new),
            "light_conditions": str(light),
            "weather_conditions": str(weather),
            "road_surface_conditions": str(surface),
            "special_conditions_at_site": str(special),
            "carriageway_hazards_historic": str(hazards_old),
            "carriageway_hazards": str(hazards_new),
            "urban_or_rural_area": "1" if urban else "2",
            "did_police_officer_attend_scene_of_accident": str(police_attended),
            "trunk_road_flag": "1" if trunk else ("2" if rng.random() > 0.002 else "-1"),
            "lsoa_of_accident_location": lsoa,
            "enhanced_severity_collision": str(enhanced_collision),
            "collision_injury_based": "1" if injury_based else "0",
            "collision_adjusted_severity_serious": adjusted_serious,
            "collision_adjusted_severity_slight": adjusted_slight,
        }
        self.collisions.append(row)
        self.casualties.extend(casualties)

    def first_road(self, authority: Authority, urban: bool) -> tuple[int, int, bool]:
        rng = self.rng
        motorway_weight = 2.5 if authority.motorways and not urban else 0.0
        road_class = _pick(rng, (1, 3, 4, 5, 6, -1), (motorway_weight, 40, 11, 9 if not urban else 4, 38, 0.2))
        number = self.road_number(authority, road_class)
        trunk = road_class == 1 or (road_class == 3 and number in authority.trunk_roads)
        return road_class, number, trunk

    def road_number(self, authority: Authority, road_class: int) -> int:
        if road_class == 1:
            return self.rng.choice(authority.motorways)
        if road_class == 3:
            return self.rng.choice(authority.a_roads)
        if road_class == 4:
            return self.rng.choice(authority.b_roads)
        if road_class == -1 or road_class == 9:
            return -1
        return 0

    def speed_limit(self, urban: bool, year: int, road_type: int) -> int:
        twenty = 4 + max(0, year - 2012) * 0.9
        if road_type == 3:
            return _pick(self.rng, (70, 50, 40, 30), (55, 20, 15, 10))
        if urban:
            return _pick(self.rng, (20, 30, 40, 50, 60, -1), (twenty, 72 - twenty * 0.5, 14, 3, 2, 0.2))
        return _pick(self.rng, (30, 40, 50, 60, 20), (18, 14, 10, 57, 1))

    # -- casualties --------------------------------------------------------------------------------
    def casualty_severity(self, injury_based: bool) -> int:
        serious = 13.0 if injury_based else 11.5
        return _pick(self.rng, (1, 2, 3), (1.5, serious, 98.5 - serious))

    def make_casualties(
        self,
        authority: Authority,
        area: SubArea,
        year: int,
        reference: str,
        n_vehicles: int,
        n_casualties: int,
        injury_based: bool,
    ) -> list[dict[str, str]]:
        rng = self.rng
        rows: list[dict[str, str]] = []
        drivers_left = list(range(1, n_vehicles + 1))
        for casualty_reference in range(1, n_casualties + 1):
            if casualty_reference == 1:
                casualty_class = _pick(rng, (1, 3, 2), (76, 15, 9))
            else:
                casualty_class = _pick(rng, (2, 1, 3), (62, 28, 10))
            if casualty_class == 1 and not drivers_left:
                casualty_class = 2
            if casualty_class == 1:
                vehicle = drivers_left.pop(rng.randrange(len(drivers_left)))
            else:
                vehicle = rng.randint(1, n_vehicles)

            casualty_type = self.casualty_type(casualty_class)
            age = self.age(casualty_class, casualty_type)
            severity = self.casualty_severity(injury_based)
            vulnerable = casualty_class == 3 or casualty_type in (1, 2, 3, 4, 5, 97)
            if vulnerable and severity == 3 and rng.random() < 0.12:
                severity = 2  # vulnerable road users are hurt more often
            pedestrian = casualty_class == 3
            car_passenger = (
                _pick(rng, (1, 2, 9, -1), (55, 43, 1, 1)) if (casualty_class == 2 and casualty_type in (8, 9)) else 0
            )
            bus_passenger = (
                _pick(rng, (4, 3, 1, 2, 9), (55, 25, 8, 10, 2)) if (casualty_class == 2 and casualty_type == 11) else 0
            )

            if year < ENHANCED_SEVERITY_FROM:
                enhanced = -1
            elif severity == 1:
                enhanced = 1
            elif severity == 3:
                enhanced = 3
            else:
                enhanced = _pick(rng, (5, 6, 7), (22, 35, 43))
            if enhanced != -1 and rng.random() < 0.02:
                enhanced = -1

            if severity == 1:
                adjusted_serious = adjusted_slight = ""
            elif injury_based:
                adjusted_serious, adjusted_slight = ("1", "0") if severity == 2 else ("0", "1")
            else:
                if severity == 2:
                    serious = round(0.7 + 0.3 * rng.betavariate(2.2, 1.1), 6)
                else:
                    serious = round(min(0.3, 0.3 * rng.betavariate(0.9, 6.0)), 6)
                adjusted_serious, adjusted_slight = (
                    format_probability(serious),
                    format_probability(1.0 - serious),
                )

            has_home = year >= LSOA_FROM and rng.random() > 0.09
            home_lsoa = rng.randint(area.lsoa_first, area.lsoa_last) if rng.random() < 0.8 else rng.randint(1, 35700)
            if year < DISTANCE_BANDING_FROM:
                distance = ""
            elif not has_home:
                distance = "-1"
            else:
                distance = str(_pick(rng, (1, 2, 3, 4, 5), (52, 14, 12, 16, 6)))
            rows.append(
                {
                    "collision_index": f"{year}{reference}",
                    "collision_year": str(year),
                    "collision_reference": reference,
                    "vehicle_reference": str(vehicle),
                    "casualty_reference": str(casualty_reference),
                    "casualty_class": str(casualty_class),
                    "sex_of_casualty": str(_pick(rng, (1, 2, 9, -1), (58.5, 40, 0.5, 1))),
                    "age_of_casualty": str(age),
                    "age_band_of_casualty": str(age_band(age)),
                    "casualty_severity": str(severity),
                    "pedestrian_location": str(
                        _pick(rng, (5, 6, 1, 4, 9, 10, 8, 2, 3, 7, -1), (38, 14, 11, 8, 10, 8, 3, 1, 1, 1, 0.5))
                        if pedestrian
                        else 0
                    ),
                    "pedestrian_movement": str(
                        _pick(rng, (1, 3, 9, 5, 2, 4, 7, 8, 6, -1), (38, 22, 17, 6, 7, 3, 3, 3, 0.5, 0.5))
                        if pedestrian
                        else 0
                    ),
                    "car_passenger": str(car_passenger),
                    "bus_or_coach_passenger": str(bus_passenger),
                    "pedestrian_road_maintenance_worker": str(
                        _pick(rng, (0, 2, 1, -1), (88, 9, 0.5, 2.5)) if pedestrian else 0
                    ),
                    "casualty_type": str(casualty_type),
                    "casualty_imd_decile": str(rng.randint(1, 10)) if has_home else "-1",
                    "lsoa_of_casualty": f"E01{home_lsoa:06d}" if has_home else "-1",
                    "enhanced_casualty_severity": str(enhanced),
                    "casualty_injury_based": "1" if injury_based else "0",
                    "casualty_adjusted_severity_serious": adjusted_serious,
                    "casualty_adjusted_severity_slight": adjusted_slight,
                    "casualty_distance_banding": distance,
                }
            )
        return rows

    def casualty_type(self, casualty_class: int) -> int:
        if casualty_class == 3:
            return 0
        if casualty_class == 1:
            return _pick(
                self.rng,
                (9, 1, 3, 5, 4, 2, 97, 19, 21, 20, 98, 8, 11, 16, 22, 23, 17, 90),
                (56, 15, 5, 6, 2.5, 1.5, 0.5, 7, 1.2, 0.6, 0.2, 1.5, 0.4, 0.5, 0.5, 0.2, 0.3, 0.4),
            )
        return _pick(self.rng, (9, 11, 8, 19, 5, 3, 10, 90), (84, 6, 3, 4, 1, 1, 0.5, 0.5))

    def age(self, casualty_class: int, casualty_type: int) -> int:
        rng = self.rng
        if rng.random() < 0.025:
            return -1
        if casualty_class == 1:
            low = 5 if casualty_type in (1, 16) else (14 if casualty_type in (2, 22) else 17)
            return min(95, max(low, round(rng.lognormvariate(3.6, 0.38))))
        if casualty_class == 3:
            if rng.random() < 0.22:
                return rng.randint(3, 15)
            return min(95, max(0, round(rng.gauss(45, 22))))
        return min(95, max(0, round(rng.gauss(32, 20))))

    # -- the whole sample ------------------------------------------------------------------------
    def build(self) -> None:
        """Create every collision and casualty for 2005-2025, in year then collision_index order."""
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            used: dict[int, set[int]] = {}
            year_start = len(self.collisions)
            for authority in AUTHORITIES:
                numbers = used.setdefault(authority.police_force, set())
                for _ in range(self.collision_count(authority, year)):
                    number = self.rng.randrange(10_000_000)
                    while number in numbers:
                        number = self.rng.randrange(10_000_000)
                    numbers.add(number)
                    self.make_collision(authority, year, f"{authority.police_force:02d}{number:07d}")
            self.collisions[year_start:] = sorted(self.collisions[year_start:], key=lambda r: r["collision_index"])
        self.casualties.sort(key=lambda r: (r["collision_index"], int(r["casualty_reference"])))


def write_csv(path: Path, columns: Sequence[str], rows: Sequence[dict[str, str]]) -> None:
    """Write rows as a DfT-style CSV: header first, no quoting, ``\\n`` line endings, no BOM."""
    lines = [",".join(columns)]
    lines.extend(",".join(row[column] for column in columns) for row in rows)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")


def main(output_dir: Path | str | None = None) -> list[Path]:
    """Generate the sample files into ``output_dir`` (default: the publisher's folder in ``sources/samples``)."""
    target = Path(output_dir) if output_dir is not None else DEFAULT_OUTPUT_DIR
    target.mkdir(parents=True, exist_ok=True)
    sample = Stats19Sample()
    sample.build()
    written: list[Path] = []
    for table, columns, rows in (
        ("collision", COLLISION_COLUMNS, sample.collisions),
        ("casualty", CASUALTY_COLUMNS, sample.casualties),
    ):
        path = target / f"dft-road-casualty-statistics-{table}-1979-latest-published-year.csv"
        write_csv(path, columns, rows)
        written.append(path)
        for year in SINGLE_YEARS:
            path = target / f"dft-road-casualty-statistics-{table}-{year}.csv"
            write_csv(path, columns, [row for row in rows if row["collision_year"] == str(year)])
            written.append(path)
    return written


if __name__ == "__main__":
    for written_path in main(sys.argv[1] if len(sys.argv) > 1 else None):
        print(written_path)
