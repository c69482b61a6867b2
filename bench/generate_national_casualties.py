"""Generate a synthetic NATIONAL STATS19 casualty file (and its collision file) for load benchmarks.

Why this exists
---------------
The real ``dft-road-casualty-statistics-casualty-1979-latest-published-year.csv`` has about 12 million rows
(about 1 GB) and cannot be downloaded in CI. Benchmarks and scale tests of the DuckDB loaders need a file of
the same shape: the exact 23-column casualty header and 44-column collision header of the 2024/2025 releases,
rows sorted by year, and the traps that break type sniffers (see ``shared/perf-notes.md`` sections 2-3):

* ``lsoa_of_casualty`` and ``lsoa_of_accident_location`` are ``-1`` for every row before 2015, then
  ``E01...``;
* ``collision_reference`` keeps its leading zeros (``010451590``) and, before 2005, holds letters
  (``01A1BAW34``), as the legacy files do; ``collision_index`` is the year followed by the reference;
* the adjusted-severity columns are blank before 2004 and for fatal casualties;
* ``casualty_distance_banding`` is blank before 2020 and ``local_authority_highway_current`` is ``-1``
  before 2004 (the field maps collisions "back to 2004").

The year mix follows the GB curve of reported casualties (about 12.2 M for 1979-2024). Values come from the
DfT code lists; everything is synthetic.

Usage
-----
    python bench/generate_national_casualties.py OUTDIR [N] [SEED]

writes ``OUTDIR/dft-road-casualty-statistics-casualty-1979-latest-published-year.csv`` with N casualty rows
(default 12,000,000) and ``OUTDIR/dft-road-casualty-statistics-collision-1979-latest-published-year.csv``
with one row per collision (1..n casualties each, about 1.3 on average). Each data year is built with
vectorised numpy in a worker process and written in year order, so only a few years are in memory at once:
for N = 12 M that is about 0.4 GB per process (1.3 GB summed over the parent and two workers), and it
grows with N / 46. On 2 cores 12 M rows take under a minute. The same N and SEED give byte-identical
files whatever the number of workers. Keep the output out of the repository (e.g. ``/tmp/bench-data``).
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from pathlib import Path

import numpy as np

from sources.stats19 import CASUALTY_HEADER_2024, COLLISION_HEADER_2024

DEFAULT_ROWS = 12_000_000
DEFAULT_SEED = 42
FIRST_YEAR, LAST_YEAR = 1979, 2024
CASUALTY_FILE = "dft-road-casualty-statistics-casualty-1979-latest-published-year.csv"
COLLISION_FILE = "dft-road-casualty-statistics-collision-1979-latest-published-year.csv"
FORMAT_SLICE = 100_000  # rows formatted at once: bounds the byte buffers to a few tens of MB

CASUALTY_COLUMNS = list(CASUALTY_HEADER_2024)

COLLISION_COLUMNS = list(COLLISION_HEADER_2024)

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
ALPHABET = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)
COMMA, NEWLINE = ord(","), ord("\n")

LENGTH = np.int16  # dtype of cell lengths
Cell = tuple[np.ndarray, np.ndarray]  # (uint8 characters, shape (n, width); lengths, shape (n,))


# -- formatting: every column becomes a left-aligned byte matrix plus lengths ------------------------------


class IntTable:
    """Pre-rendered text of every integer in [low, high], looked up by fancy indexing."""

    def __init__(self, low: int, high: int) -> None:
        texts = [str(v).encode() for v in range(low, high + 1)]
        width = max(len(t) for t in texts)
        self.low = low
        self.chars = np.zeros((len(texts), width), dtype=np.uint8)
        self.lengths = np.array([len(t) for t in texts], dtype=LENGTH)
        for i, text in enumerate(texts):
            self.chars[i, : len(text)] = np.frombuffer(text, dtype=np.uint8)

    def cell(self, values: np.ndarray) -> Cell:
        index = values.astype(np.int64) - self.low
        return self.chars[index], self.lengths[index]


SMALL_INTS = IntTable(-1, 120)
ROAD_NUMBERS = IntTable(-1, 9999)
YEARS = IntTable(FIRST_YEAR, LAST_YEAR)


def digits(values: np.ndarray, width: int, base: int = 10) -> np.ndarray:
    """Zero-padded digits of non-negative integers as a (n, width) uint8 matrix (base 10 or 36)."""
    out = np.empty((len(values), width), dtype=np.uint8)
    rest = values.astype(np.int64)
    for position in range(width - 1, -1, -1):
        rest, digit = np.divmod(rest, base)
        out[:, position] = ALPHABET[digit]
    return out


def uint_cell(values: np.ndarray, width: int) -> Cell:
    """Variable-width text of non-negative integers (no leading zeros)."""
    padded = digits(values, width)
    lengths = np.ones(len(values), dtype=LENGTH)
    for k in range(1, width):
        lengths += values >= 10**k
    shift = (width - lengths)[:, None] + np.arange(width)
    return np.take_along_axis(padded, np.minimum(shift, width - 1), axis=1), lengths


def fixed6_cell(micro: np.ndarray) -> Cell:
    """Text like ``-2.432035`` of integers in millionths (6 decimals kept, as the real lon/lat)."""
    negative = micro < 0
    magnitude = np.abs(micro)
    whole_chars, whole_lengths = uint_cell(magnitude // 1_000_000, 3)
    n = len(micro)
    out = np.zeros((n, 11), dtype=np.uint8)
    lengths = whole_lengths + 7 + negative
    cursor = negative.astype(np.int64)
    out[negative, 0] = ord("-")
    rows = np.arange(n)
    for j in range(3):
        keep = j < whole_lengths
        out[rows[keep], cursor[keep] + j] = whole_chars[keep, j]
    cursor = cursor + whole_lengths
    out[rows, cursor] = ord(".")
    frac = digits(magnitude % 1_000_000, 6)
    for j in range(6):
        out[rows, cursor + 1 + j] = frac[:, j]
    return out, lengths


def probability_cell(micro: np.ndarray, blank: np.ndarray) -> Cell:
    """Probabilities in millionths as ``0``, ``1`` or ``0.0868`` (no trailing zeros); blank where asked."""
    chars = np.empty((len(micro), 8), dtype=np.uint8)
    chars[:, 0], chars[:, 1] = ord("0"), ord(".")
    chars[:, 2:] = digits(micro % 1_000_000, 6)
    trailing = np.zeros(len(micro), dtype=np.int64)
    still = np.ones(len(micro), dtype=bool)
    for k in range(1, 7):
        still &= (micro % 10**k) == 0
        trailing += still
    lengths = (8 - trailing).astype(LENGTH)
    whole = (micro == 0) | (micro == 1_000_000)
    chars[micro == 1_000_000, 0] = ord("1")
    lengths[whole] = 1
    lengths[blank] = 0
    return chars, lengths


def code_cell(codes: np.ndarray, present: np.ndarray, missing: bytes) -> Cell:
    """Fixed-width codes such as ``E01012345``, with a replacement text (``-1``) where not present."""
    chars = codes.copy()
    lengths = np.full(len(codes), codes.shape[1], dtype=LENGTH)
    chars[~present, : len(missing)] = np.frombuffer(missing, dtype=np.uint8)
    lengths[~present] = len(missing)
    return chars, lengths


def blank_where(cell: Cell, blank: np.ndarray) -> Cell:
    chars, lengths = cell
    lengths = lengths.copy()
    lengths[blank] = 0
    return chars, lengths


def render(cells: Sequence[Cell]) -> bytes:
    """Join cells into CSV lines: values, commas and a final newline, no quoting."""
    n = len(cells[0][1])
    parts: list[np.ndarray] = []
    masks: list[np.ndarray] = []
    separator_mask = np.ones((n, 1), dtype=bool)
    for i, (chars, lengths) in enumerate(cells):
        chars = chars[:, : int(lengths.max(initial=0))]  # trim padding no row of this slice needs
        parts.append(chars)
        masks.append(np.arange(chars.shape[1]) < lengths[:, None])
        parts.append(np.full((n, 1), NEWLINE if i == len(cells) - 1 else COMMA, dtype=np.uint8))
        masks.append(separator_mask)
    return np.concatenate(parts, axis=1)[np.concatenate(masks, axis=1)].tobytes()


def render_all(cells: Sequence[Cell]) -> bytes:
    """Render cells slice by slice so the padded byte buffers stay small."""
    n = len(cells[0][1])
    pieces = []
    for start in range(0, n, FORMAT_SLICE):
        stop = start + FORMAT_SLICE
        pieces.append(render([(chars[start:stop], lengths[start:stop]) for chars, lengths in cells]))
    return b"".join(pieces)


# -- the synthetic data --------------------------------------------------------------------------------------


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
        districts = (
            [f"E09{i:06d}" for i in range(1, 34)]
            + [f"E08{i:06d}" for i in range(1, 38)]
            + [f"E06{i:06d}" for i in range(1, 67)]
            + [f"E07{i:06d}" for i in range(26, 246)][:180]
            + [f"W06{i:06d}" for i in range(1, 23)]
            + [f"S12{i:06d}" for i in range(5, 51)][:32]
        )
        highways = [f"E10{(i % 30) + 2:06d}" if d.startswith("E07") else d for i, d in enumerate(districts)]
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


def build_year(rng: np.random.Generator, areas: Areas, year: int, per_collision: np.ndarray) -> tuple[list, list]:
    """Return (collision cells, casualty cells) for one data year, collisions sorted by collision_index."""
    m = len(per_collision)
    k = per_collision.astype(np.int64)
    nc = int(k.sum())

    # ids: police force + 7 digits (base 36 before 2005), unique in the year, rows sorted by index
    area = np.searchsorted(np.cumsum(areas.weight), rng.random(m) * areas.weight.sum())
    area = np.minimum(area, areas.count - 1)
    force = areas.force[area].copy()
    if year >= SCOTLAND_SINGLE_FORCE_FROM:
        force[areas.scottish[area]] = 99
    base = 10 if year >= NUMERIC_REFERENCE_FROM else 36
    modulus = base**7
    serial = (
        np.arange(m, dtype=np.int64) * (7919 if base == 10 else 2654435761) + int(rng.integers(modulus))
    ) % modulus
    order = np.argsort(force * modulus + serial, kind="stable")
    area, force, serial = area[order], force[order], serial[order]
    reference = np.concatenate([digits(force, 2), digits(serial, 7, base)], axis=1)
    year_chars = np.broadcast_to(YEARS.cell(np.array([year]))[0], (m, 4))
    index = np.concatenate([year_chars, reference], axis=1)

    # casualties
    owner = np.repeat(np.arange(m), k)
    first_of = np.cumsum(k) - k
    casualty_reference = np.arange(nc) - np.repeat(first_of, k) + 1
    vehicles = codes(rng, [1, 2, 3, 4], [30, 58, 9, 3], m)
    vehicle_reference = 1 + (rng.random(nc) * vehicles[owner]).astype(np.int64)
    casualty_class = codes(rng, [1, 2, 3], [62, 25, 13], nc)
    age = np.clip(np.rint(rng.gamma(3.2, 11.5, nc)), 0, 95).astype(np.int64)
    age[rng.random(nc) < 0.03] = -1
    fatal, serious = curve(FATAL_SHARE, np.array([year]))[0], curve(SERIOUS_SHARE, np.array([year]))[0]
    severity = codes(rng, [1, 2, 3], [fatal, serious, 1 - fatal - serious], nc)
    pedestrian = casualty_class == 3
    casualty_type = casualty_types(rng, year, casualty_class)
    injury_based_collision = rng.random(m) < np.clip((year - INJURY_BASED_FROM + 1) / 9, 0, 0.93)
    injury_based = injury_based_collision[owner]

    adjusted_blank = (severity == 1) | (year < ADJUSTED_FROM)
    serious_micro = np.where(
        severity == 2,
        700_000 + (rng.beta(2.2, 1.1, nc) * 300_000).astype(np.int64),
        (rng.beta(0.9, 6.0, nc) * 300_000).astype(np.int64),
    )
    serious_micro = np.where(injury_based, np.where(severity == 2, 1_000_000, 0), serious_micro)
    enhanced = np.full(nc, -1, dtype=np.int64)
    if year >= ENHANCED_SEVERITY_FROM:
        enhanced = np.select([severity == 1, severity == 3], [1, 3], codes(rng, [5, 6, 7], [22, 35, 43], nc))
        enhanced[rng.random(nc) < 0.02] = -1
    has_home = (rng.random(nc) > 0.08) & (year >= LSOA_FROM)
    lsoa_chars = text_codes(["E01000000"])[np.zeros(nc, dtype=np.int64)]
    lsoa_chars[:, 3:] = digits(rng.integers(1, 35_800, nc), 6)
    distance = codes(rng, [1, 2, 3, 4, 5, -1], [40, 20, 15, 10, 10, 5], nc)

    casualty_cells = [
        (index[owner], np.full(nc, 13, dtype=LENGTH)),
        (year_chars[:1].repeat(nc, axis=0), np.full(nc, 4, dtype=LENGTH)),
        (reference[owner], np.full(nc, 9, dtype=LENGTH)),
        SMALL_INTS.cell(vehicle_reference),
        SMALL_INTS.cell(casualty_reference),
        SMALL_INTS.cell(casualty_class),
        SMALL_INTS.cell(codes(rng, [1, 2, 9, -1], [58, 40, 1.5, 0.5], nc)),
        SMALL_INTS.cell(age),
        SMALL_INTS.cell(age_bands(age)),
        SMALL_INTS.cell(severity),
        SMALL_INTS.cell(
            np.where(pedestrian, codes(rng, [5, 6, 1, 4, 9, 10, 8, -1], [38, 14, 12, 8, 10, 9, 3, 1], nc), 0)
        ),
        SMALL_INTS.cell(
            np.where(pedestrian, codes(rng, [1, 3, 9, 5, 2, 4, 7, 8, -1], [38, 22, 17, 6, 7, 3, 3, 3, 1], nc), 0)
        ),
        SMALL_INTS.cell(
            np.where(
                (casualty_class == 2) & np.isin(casualty_type, [8, 9, 108, 109]),
                codes(rng, [1, 2, 9, -1], [55, 43, 1, 1], nc),
                0,
            )
        ),
        SMALL_INTS.cell(
            np.where(
                (casualty_class == 2) & (casualty_type == 11),
                codes(rng, [4, 3, 1, 2], [55, 25, 8, 12], nc),
                0,
            )
        ),
        SMALL_INTS.cell(np.where(pedestrian, codes(rng, [0, 2, 1, -1], [88, 9, 0.5, 2.5], nc), 0)),
        SMALL_INTS.cell(casualty_type),
        SMALL_INTS.cell(np.where(has_home, rng.integers(1, 11, nc), -1)),
        code_cell(lsoa_chars, has_home, b"-1"),
        SMALL_INTS.cell(enhanced),
        SMALL_INTS.cell(injury_based.astype(np.int64)),
        probability_cell(serious_micro, adjusted_blank),
        probability_cell(1_000_000 - serious_micro, adjusted_blank),
        blank_where(SMALL_INTS.cell(np.where(has_home, distance, -1)), np.full(nc, year < DISTANCE_BANDING_FROM)),
    ]

    # collisions
    collision_severity = np.minimum.reduceat(severity, first_of)
    # enhanced severity of the collision: the most severe of its most severe casualties (1 < 5 < 6 < 7 < 3)
    rank_of_code = np.array([5, 5, 0, 5, 4, 5, 1, 2, 3])  # indexed by code + 1 (codes -1..7)
    code_of_rank = np.array([1, 5, 6, 7, 3, -1])
    worst = np.where(severity == collision_severity[owner], rank_of_code[enhanced + 1], 5)
    enhanced_collision = code_of_rank[np.minimum.reduceat(worst, first_of)]
    not_serious = np.multiply.reduceat(1.0 - serious_micro / 1_000_000, first_of)
    collision_serious = np.rint((1.0 - not_serious) * 1_000_000).astype(np.int64)
    collision_serious = np.where(
        injury_based_collision, np.where(collision_severity == 2, 1_000_000, 0), collision_serious
    )
    collision_adjusted_blank = (collision_severity == 1) | (year < ADJUSTED_FROM)

    days_in_year = int((np.datetime64(f"{year + 1}-01-01") - np.datetime64(f"{year}-01-01")).astype(int))
    offset = rng.integers(0, days_in_year, m)
    day = np.datetime64(f"{year}-01-01") + offset
    month_starts = np.array(
        [(np.datetime64(f"{year}-{mo:02d}-01") - np.datetime64(f"{year}-01-01")).astype(int) for mo in range(1, 13)]
    )
    month = np.searchsorted(month_starts, offset, side="right")
    day_of_month = offset - month_starts[month - 1] + 1
    date_chars = np.concatenate(
        [
            digits(day_of_month, 2),
            np.full((m, 1), ord("/"), dtype=np.uint8),
            digits(month, 2),
            np.full((m, 1), ord("/"), dtype=np.uint8),
            year_chars,
        ],
        axis=1,
    )
    day_of_week = (day.astype(np.int64) + 3) % 7 + 1  # ISO weekday (1970-01-01 was a Thursday)
    day_of_week = day_of_week % 7 + 1  # STATS19: 1 = Sunday
    hour = codes(
        rng,
        range(24),
        [2, 1.5, 1, 1, 1, 2, 4, 8, 10, 6, 5.5, 6, 6.5, 6.5, 7, 9, 10, 10, 8, 6, 4.5, 3.5, 3, 2.5],
        m,
    )
    minute = rng.integers(0, 60, m)
    time_chars = np.concatenate([digits(hour, 2), np.full((m, 1), ord(":"), dtype=np.uint8), digits(minute, 2)], axis=1)

    latitude = areas.latitude[area] + rng.normal(0, 0.08, m)
    longitude = areas.longitude[area] + rng.normal(0, 0.12, m)
    easting, northing = national_grid(latitude, longitude)
    unknown_place = rng.random(m) < 0.003
    urban = rng.random(m) < areas.urban[area]
    road_class = codes(rng, [1, 2, 3, 4, 5, 6, -1], [3, 0.3, 45, 12, 8, 31, 0.5], m)
    road_number = np.where(
        road_class <= 2,
        rng.integers(1, 99, m),
        np.where(
            road_class == 3,
            rng.integers(1, 6000, m),
            np.where(road_class == 4, rng.integers(1000, 9999, m), 0),
        ),
    )
    road_number = np.where(road_class == -1, -1, road_number)
    at_junction = rng.random(m) < np.where(urban, 0.6, 0.35)
    junction_old = np.where(at_junction, codes(rng, [3, 1, 6, 8, 9, 2, 7, 5], [50, 15, 10, 10, 8, 4, 2, 1], m), 0)
    junction_new = np.where(at_junction, codes(rng, [13, 16, 17, 18, 19, 99], [55, 12, 3, 12, 15, 3], m), 0)
    second_class = np.where(at_junction, codes(rng, [6, 3, 4, 5, 9, -1], [55, 20, 10, 10, 2, 1], m), 0)
    new_spec = year >= NEW_SPECIFICATION_FROM
    speed = np.where(
        urban,
        codes(rng, [20, 30, 40, 50, 60, 70], [8, 75, 10, 3, 2, 2], m),
        codes(rng, [30, 40, 50, 60, 70], [15, 12, 9, 50, 14], m),
    )
    weather = codes(rng, [1, 2, 3, 4, 5, 6, 7, 8, 9, -1], [79, 11.5, 0.5, 1.3, 1.4, 0.1, 0.8, 2.2, 3, 0.2], m)
    surface = np.where(
        np.isin(weather, [2, 5]), 2, codes(rng, [1, 2, 4, 3, 5, 9, -1], [78, 17, 2.5, 0.5, 0.3, 1, 0.7], m)
    )
    lsoa = text_codes(["E01000000", "W01000000"])[areas.welsh[area].astype(np.int64)]
    lsoa[:, 3:] = digits(rng.integers(1, 35_800, m), 6)
    has_lsoa = ~unknown_place & ~areas.scottish[area] & (year >= LSOA_FROM)  # England and Wales only

    def historic(values: np.ndarray) -> Cell:
        return SMALL_INTS.cell(np.full(m, -1) if new_spec else values)

    def current(values: np.ndarray) -> Cell:
        return ROAD_NUMBERS.cell(values if new_spec else np.full(m, -1))

    collision_cells = [
        (index, np.full(m, 13, dtype=LENGTH)),
        (year_chars, np.full(m, 4, dtype=LENGTH)),
        (reference, np.full(m, 9, dtype=LENGTH)),
        blank_where(uint_cell(np.clip(easting, 0, 9_999_999), 7), unknown_place),
        blank_where(uint_cell(np.clip(northing, 0, 9_999_999), 7), unknown_place),
        blank_where(fixed6_cell(np.rint(longitude * 1e6).astype(np.int64)), unknown_place),
        blank_where(fixed6_cell(np.rint(latitude * 1e6).astype(np.int64)), unknown_place),
        SMALL_INTS.cell(force),
        SMALL_INTS.cell(collision_severity),
        SMALL_INTS.cell(vehicles),
        SMALL_INTS.cell(k),
        (date_chars, np.full(m, 10, dtype=LENGTH)),
        SMALL_INTS.cell(day_of_week),
        blank_where((time_chars, np.full(m, 5, dtype=LENGTH)), rng.random(m) < 0.002),
        SMALL_INTS.cell(np.full(m, -1)),
        (areas.districts[area], np.full(m, 9, dtype=LENGTH)),
        (areas.highways[area], np.full(m, 9, dtype=LENGTH)),
        code_cell(areas.highways[area], np.full(m, year >= HIGHWAY_CURRENT_FROM), b"-1"),
        SMALL_INTS.cell(road_class),
        ROAD_NUMBERS.cell(road_number),
        SMALL_INTS.cell(codes(rng, [6, 3, 1, 2, 7, 9, -1], [73, 12, 9, 3, 1, 1.5, 0.5], m)),
        SMALL_INTS.cell(speed),
        historic(junction_old),
        current(junction_new),
        SMALL_INTS.cell(np.where(at_junction, codes(rng, [4, 2, 1, 3, 9, -1], [74, 20, 0.5, 1, 2, 2.5], m), -1)),
        SMALL_INTS.cell(second_class),
        ROAD_NUMBERS.cell(
            np.where(np.isin(second_class, [3, 4]), rng.integers(1, 9999, m), np.where(at_junction, 0, -1))
        ),
        historic(codes(rng, [0, 1, 2, 9, -1], [97, 0.5, 0.8, 1, 0.7], m)),
        historic(codes(rng, [0, 1, 4, 5, 7, 8, 9, -1], [88, 3, 4, 3, 0.3, 1.5, 0.5, 0.7], m)),
        current(codes(rng, [0, 11, 12, 13, 14, 15, 16, 17, 99, -1], [88, 0.5, 0.8, 3, 4, 2, 0.3, 1.4, 0.5, 0.5], m)),
        SMALL_INTS.cell(
            np.where((hour >= 8) & (hour <= 16), 1, codes(rng, [1, 4, 5, 6, 7, -1], [30, 45, 1, 18, 5, 1], m))
        ),
        SMALL_INTS.cell(weather),
        SMALL_INTS.cell(surface),
        SMALL_INTS.cell(
            codes(rng, [0, 4, 5, 6, 7, 3, 1, 2, 9, -1], [96, 1.3, 0.5, 0.3, 0.3, 0.3, 0.1, 0.1, 0.6, 0.5], m)
        ),
        historic(codes(rng, [0, 2, 7, 3, 1, 6, 9, -1], [96, 1, 1.2, 0.4, 0.2, 0.2, 0.5, 0.5], m)),
        current(
            codes(
                rng,
                [0, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 99, -1],
                [95, 0.2, 0.3, 0.6, 0.2, 0.2, 0.2, 0.8, 0.3, 0.2, 1, 0.3, 0.5, 0.2],
                m,
            )
        ),
        SMALL_INTS.cell(
            np.where(urban, 1, codes(rng, [2, 3, -1], [99.5, 0.3, 0.2], m)) if year >= 1994 else np.full(m, -1)
        ),
        SMALL_INTS.cell(codes(rng, [1, 2, 3, -1], [75, 15, 9, 1], m)),
        SMALL_INTS.cell(np.where(road_class == 1, 1, codes(rng, [2, 1, -1], [93, 6, 1], m))),
        code_cell(lsoa, has_lsoa, b"-1"),
        SMALL_INTS.cell(enhanced_collision),
        SMALL_INTS.cell(injury_based_collision.astype(np.int64)),
        probability_cell(collision_serious, collision_adjusted_blank),
        probability_cell(1_000_000 - collision_serious, collision_adjusted_blank),
    ]
    return collision_cells, casualty_cells


def plan(rng: np.random.Generator, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Casualties per collision (1..40, mean ~1.3) summing to ``rows``, and collisions per year."""
    per_collision = np.clip(rng.geometric(0.77, size=int(rows / 1.25) + 1000), 1, 40)
    while per_collision.sum() < rows:
        per_collision = np.concatenate([per_collision, np.clip(rng.geometric(0.77, size=1000), 1, 40)])
    total = np.cumsum(per_collision)
    n_collisions = int(np.searchsorted(total, rows) + 1)
    per_collision = per_collision[:n_collisions].astype(np.int8)
    per_collision[-1] -= int(total[n_collisions - 1]) - rows
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    weights = curve({y: float(v) for y, v in CASUALTY_CURVE.items()}, years)
    per_year = rng.multinomial(n_collisions, weights / weights.sum())
    return per_collision, per_year


def render_year(task: tuple[Areas, int, np.ndarray, int]) -> tuple[bytes, bytes]:
    """Build and render one data year in a worker process; its generator depends on (seed, year) only."""
    areas, year, per_collision, seed = task
    collision_cells, casualty_cells = build_year(np.random.default_rng([seed, year]), areas, year, per_collision)
    return render_all(collision_cells), render_all(casualty_cells)


def generate(output_dir: Path, rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED, workers: int = 0) -> dict[str, int]:
    """Write the national casualty and collision files; return row and byte counts.

    Years are built in ``workers`` processes (default: one per CPU, at most 4) and written in year order,
    with at most ``workers`` finished years held in memory.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    areas = Areas(rng)
    per_collision, per_year = plan(rng, rows)
    starts = np.concatenate([[0], np.cumsum(per_year)])
    years = range(FIRST_YEAR, LAST_YEAR + 1)
    tasks = [(areas, year, per_collision[starts[i] : starts[i + 1]], seed) for i, year in enumerate(years)]
    tasks = [task for task in tasks if len(task[2])]
    workers = workers or min(4, os.cpu_count() or 1)
    stats = {"casualty_rows": int(per_collision.sum()), "collision_rows": len(per_collision)}
    with (
        open(output_dir / CASUALTY_FILE, "wb", buffering=8 << 20) as casualty_file,
        open(output_dir / COLLISION_FILE, "wb", buffering=8 << 20) as collision_file,
        ProcessPoolExecutor(max_workers=workers) as pool,
    ):
        casualty_bytes = casualty_file.write((",".join(CASUALTY_COLUMNS) + "\n").encode())
        collision_bytes = collision_file.write((",".join(COLLISION_COLUMNS) + "\n").encode())
        queue = iter(tasks)
        pending = deque(pool.submit(render_year, task) for task in islice(queue, workers))
        while pending:
            collision_text, casualty_text = pending.popleft().result()
            task = next(queue, None)
            if task is not None:
                pending.append(pool.submit(render_year, task))
            collision_bytes += collision_file.write(collision_text)
            casualty_bytes += casualty_file.write(casualty_text)
    stats.update(casualty_bytes=casualty_bytes, collision_bytes=collision_bytes)
    return stats


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help") or len(args) > 3:
        print(__doc__)
        return 0 if args and args[0] in ("-h", "--help") else 2
    rows = int(args[1].replace("_", "")) if len(args) > 1 else DEFAULT_ROWS
    if rows < 1:
        print("N must be at least 1", file=sys.stderr)
        return 2
    seed = int(args[2]) if len(args) > 2 else DEFAULT_SEED
    started = time.perf_counter()
    stats = generate(Path(args[0]), rows, seed)
    elapsed = time.perf_counter() - started
    print(f"casualty:  {stats['casualty_rows']:>11,} rows {stats['casualty_bytes']:>15,} B  {CASUALTY_FILE}")
    print(f"collision: {stats['collision_rows']:>11,} rows {stats['collision_bytes']:>15,} B  {COLLISION_FILE}")
    print(f"PHASE generate {elapsed:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
