"""The shape of the synthetic national STATS19 data: the year curve of reported casualties, the share killed or
seriously injured, the data years from which a column is filled, the police forces, the local authorities
(England's real districts and upper tiers), DfT code lists by specification, and the projection to British
National Grid.

Apart from the row builder (`national_year`) because these are the facts the rows follow (perf-notes sections
2-3); the row builder only draws from them.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np

DISTRICTS = Path(__file__).resolve().parents[1] / "warehouse" / "reference" / "district_to_upper_tier.csv"
FIRST_YEAR, LAST_YEAR = 1979, 2025

# Approximate GB reported casualties per year (thousands), piecewise linear (perf-notes section 2).
CASUALTY_CURVE = {
    1979: 335,
    1990: 341,
    2000: 320,
    2005: 271,
    2010: 208,
    2015: 186,
    2019: 153,
    2020: 116,
    2021: 128,
    2022: 135,
    2023: 133,
    2024: 128,
    2025: 126,
}
# Share of casualties killed and seriously injured, by year (rough GB history).
FATAL_SHARE = {1979: 0.019, 2000: 0.011, 2010: 0.0090, 2024: 0.0125}
SERIOUS_SHARE = {1979: 0.24, 1990: 0.17, 2000: 0.12, 2010: 0.10, 2015: 0.11, 2019: 0.16, 2024: 0.20}

ADJUSTED_FROM = 2004
HIGHWAY_CURRENT_FROM = 2004
LSOA_FROM = 2015
INJURY_BASED_FROM = 2012
DISTANCE_BANDING_FROM = 2020
ENHANCED_SEVERITY_FROM = 2023
NEW_SPECIFICATION_FROM = 2024
NUMERIC_REFERENCE_FROM = 2005
SCOTLAND_SINGLE_FORCE_FROM = 2019

ENGLISH_FORCES = [
    3,
    4,
    5,
    6,
    7,
    10,
    11,
    12,
    13,
    14,
    16,
    17,
    20,
    21,
    22,
    23,
    30,
    31,
    32,
    33,
    34,
    35,
    36,
    37,
    40,
    41,
    42,
    43,
    44,
    45,
    46,
    47,
    50,
    52,
    53,
    54,
    55,
]
WELSH_FORCES = [60, 61, 62, 63]
SCOTTISH_FORCES = [91, 92, 93, 94, 95, 96, 97, 98]


def curve(knots: dict[int, float], years: np.ndarray) -> np.ndarray:
    return np.interp(years, np.array(list(knots)), np.array(list(knots.values()), dtype=float))


def codes(rng: np.random.Generator, values: Sequence[int], weights: Sequence[float], size: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    choice = np.searchsorted(np.cumsum(p / p.sum()), rng.random(size), side="right")
    return np.asarray(values, dtype=np.int64)[np.minimum(choice, len(p) - 1)]


def text_codes(prefixes: Sequence[str]) -> np.ndarray:
    return np.frombuffer("".join(prefixes).encode(), dtype=np.uint8).reshape(len(prefixes), 9)


class Areas:
    """A synthetic set of local authorities: ONS district, highway authority, police force, weight, centre."""

    def __init__(self, rng: np.random.Generator) -> None:
        # England's real districts and their upper-tier (highway) authorities today, the 2019-23 unitaries and
        # the districts they absorbed included, so the warehouse's highway-authority check passes as live.
        with open(DISTRICTS, newline="") as handle:
            english = [(row["district_code"], row["upper_tier_code"]) for row in csv.DictReader(handle)]
        districts = (
            [district for district, _ in english]
            + [f"W06{i:06d}" for i in range(1, 23)]
            + [f"S12{i:06d}" for i in range(5, 51)][:32]
        )
        highways = [upper for _, upper in english] + districts[len(english) :]
        forces = []
        for i, district in enumerate(districts):
            if district.startswith("E09"):
                forces.append(48 if district == "E09000001" else 1)
            elif district.startswith("W"):
                forces.append(WELSH_FORCES[i % 4])
            elif district.startswith("S"):
                forces.append(SCOTTISH_FORCES[i % 8])
            else:
                forces.append(ENGLISH_FORCES[int(rng.integers(len(ENGLISH_FORCES)))])
        self.count = len(districts)
        self.districts = text_codes(districts)
        self.highways = text_codes(highways)
        self.force = np.array(forces, dtype=np.int64)
        self.scottish = np.array([d.startswith("S") for d in districts])
        self.weight = rng.gamma(2.0, 1.0, size=self.count)
        self.weight /= self.weight.sum()
        self.welsh = np.array([d.startswith("W") for d in districts])
        self.latitude = np.select(
            [self.scottish, self.welsh],
            [rng.uniform(55.0, 57.8, size=self.count), rng.uniform(51.5, 53.2, size=self.count)],
            rng.uniform(50.4, 54.9, size=self.count),
        )
        self.longitude = np.select(
            [self.scottish, self.welsh],
            [rng.uniform(-5.0, -2.2, size=self.count), rng.uniform(-4.4, -3.0, size=self.count)],
            rng.uniform(-4.0, 1.3, size=self.count),
        )
        self.urban = rng.uniform(0.3, 0.95, size=self.count)


def national_grid(latitude: np.ndarray, longitude: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Transverse Mercator on the Airy ellipsoid (approximate datum shift): eastings, northings in metres."""
    lat, lon = np.radians(latitude - 0.00022), np.radians(longitude + 0.00155)
    a, b, f0 = 6377563.396, 6356256.909, 0.9996012717
    lat0, lon0 = np.radians(49.0), np.radians(-2.0)
    e2, n = 1 - b * b / (a * a), (a - b) / (a + b)
    s, c, t = np.sin(lat), np.cos(lat), np.tan(lat)
    nu = a * f0 / np.sqrt(1 - e2 * s * s)
    rho = a * f0 * (1 - e2) / (1 - e2 * s * s) ** 1.5
    eta2 = nu / rho - 1
    dp, sp = lat - lat0, lat + lat0
    meridian = (
        b
        * f0
        * (
            (1 + n + 1.25 * n**2 + 1.25 * n**3) * dp
            - (3 * n + 3 * n**2 + 21 / 8 * n**3) * np.sin(dp) * np.cos(sp)
            + (15 / 8 * n**2 + 15 / 8 * n**3) * np.sin(2 * dp) * np.cos(2 * sp)
            - 35 / 24 * n**3 * np.sin(3 * dp) * np.cos(3 * sp)
        )
    )
    dl = lon - lon0
    northing = (
        meridian
        - 100000.0
        + nu / 2 * s * c * dl**2
        + nu / 24 * s * c**3 * (5 - t * t + 9 * eta2) * dl**4
        + nu / 720 * s * c**5 * (61 - 58 * t * t + t**4) * dl**6
    )
    easting = (
        400000.0
        + nu * c * dl
        + nu / 6 * c**3 * (nu / rho - t * t) * dl**3
        + nu / 120 * c**5 * (5 - 18 * t * t + t**4 + 14 * eta2 - 58 * t * t * eta2) * dl**5
    )
    return np.rint(easting).astype(np.int64), np.rint(northing).astype(np.int64)


def age_bands(age: np.ndarray) -> np.ndarray:
    upper = np.array([5, 10, 15, 20, 25, 35, 45, 55, 65, 75])
    return np.where(age < 0, -1, np.searchsorted(upper, age, side="left") + 1)


def casualty_types(rng: np.random.Generator, year: int, casualty_class: np.ndarray) -> np.ndarray:
    n = len(casualty_class)
    vehicle = codes(
        rng,
        [9, 1, 3, 5, 4, 2, 97, 19, 21, 20, 98, 8, 11, 10, 16, 17, 22, 23, 90, 18],
        [60, 11, 4, 5, 2, 2, 0.5, 6, 1, 0.6, 0.2, 1.5, 2, 0.3, 0.3, 0.2, 0.3, 0.1, 0.4, 0.05],
        n,
    )
    vehicle = np.where((casualty_class == 2) & (vehicle == 1), 9, vehicle)  # cyclists carry no passengers
    if year < 2005:  # codes of the 1979-1998 and 1999-2004 specifications
        older = (
            {9: 109, 8: 108, 4: 106, 5: 106}
            if year >= 1999
            else {9: 109, 8: 108, 2: 103, 3: 104, 4: 104, 5: 104, 10: 110, 20: 113, 21: 113}
        )
        for new, old in older.items():
            vehicle[vehicle == new] = old
        if year < 1999:
            vehicle[np.isin(vehicle, [16, 17, 18])] = 109
    if year < 2011:  # codes of the 2011 specification
        vehicle[np.isin(vehicle, [22, 23, 90, 97, 98])] = 109 if year < 2005 else 9
    return np.where(casualty_class == 3, 0, vehicle)
