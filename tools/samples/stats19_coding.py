"""How the STATS19 files write a value: DfT's age bands, day of the week (1 = Sunday), British National Grid
coordinates, probabilities without trailing zeros, and the data years from which a column is filled.

Apart from the row builders because these are the publisher's conventions, shared by the collision and the
casualty rows, and checkable on their own.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import date

ENHANCED_SEVERITY_FROM = 2023  # enhanced severity "introduced where collected in 2023"
LSOA_FROM = 2015  # lsoa_* and casualty_imd_decile are -1 before this data year
DISTANCE_BANDING_FROM = 2020  # casualty_distance_banding is blank before this year (real file: empty in 2019)
NEW_SPECIFICATION_FROM = 2024  # junction_detail, pedestrian_crossing, carriageway_hazards (2024 spec)

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


def pick(rng: random.Random, options: Sequence[int], weights: Sequence[float]) -> int:
    """One of `options`, drawn with `weights` (one draw of the generator)."""
    return rng.choices(options, weights=weights)[0]
