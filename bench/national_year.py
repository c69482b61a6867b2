"""One data year of the national benchmark files: its collisions and their casualties, as cells ready to render.

Apart from the command line (`generate_national_casualties`) because each year is built in a worker process
from its own generator (seeded by the run's seed and the year), so any number of workers writes the same bytes.
"""

from __future__ import annotations

import numpy as np

from bench.national_cells import (
    LENGTH,
    ROAD_NUMBERS,
    SMALL_INTS,
    Cell,
    IntTable,
    blank_where,
    code_cell,
    digits,
    fixed6_cell,
    probability_cell,
    uint_cell,
)
from bench.national_codes import (
    ADJUSTED_FROM,
    DISTANCE_BANDING_FROM,
    ENHANCED_SEVERITY_FROM,
    FATAL_SHARE,
    FIRST_YEAR,
    HIGHWAY_CURRENT_FROM,
    INJURY_BASED_FROM,
    LAST_YEAR,
    LSOA_FROM,
    NEW_SPECIFICATION_FROM,
    NUMERIC_REFERENCE_FROM,
    SCOTLAND_SINGLE_FORCE_FROM,
    SERIOUS_SHARE,
    Areas,
    age_bands,
    casualty_types,
    codes,
    curve,
    national_grid,
    text_codes,
)

YEARS = IntTable(FIRST_YEAR, LAST_YEAR)


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
