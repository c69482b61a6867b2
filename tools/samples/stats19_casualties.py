"""The casualty rows of one synthetic STATS19 collision: who was hurt (driver, passenger, pedestrian), in which
vehicle, how badly (and the adjusted and enhanced severities), their age, home area and distance banding.

Apart from the collision rows because a casualty's columns are their own concern; each function draws from
the one seeded generator it is given, in the same order as before, so the files stay byte-identical.
"""

from __future__ import annotations

import random

from tools.samples.stats19_authorities import SubArea
from tools.samples.stats19_coding import (
    DISTANCE_BANDING_FROM,
    ENHANCED_SEVERITY_FROM,
    LSOA_FROM,
    age_band,
    format_probability,
    pick,
)


def pick_severity(rng: random.Random, injury_based: bool) -> int:
    serious = 13.0 if injury_based else 11.5
    return pick(rng, (1, 2, 3), (1.5, serious, 98.5 - serious))


def casualty_rows(
    rng: random.Random,
    area: SubArea,
    year: int,
    reference: str,
    n_vehicles: int,
    n_casualties: int,
    injury_based: bool,
) -> list[dict[str, str]]:
    """The casualty rows of one collision (`n_casualties` of them, in `n_vehicles` vehicles)."""
    rows: list[dict[str, str]] = []
    drivers_left = list(range(1, n_vehicles + 1))
    for casualty_reference in range(1, n_casualties + 1):
        if casualty_reference == 1:
            casualty_class = pick(rng, (1, 3, 2), (76, 15, 9))
        else:
            casualty_class = pick(rng, (2, 1, 3), (62, 28, 10))
        if casualty_class == 1 and not drivers_left:
            casualty_class = 2
        if casualty_class == 1:
            vehicle = drivers_left.pop(rng.randrange(len(drivers_left)))
        else:
            vehicle = rng.randint(1, n_vehicles)

        casualty_type = pick_casualty_type(rng, casualty_class)
        age = pick_age(rng, casualty_class, casualty_type)
        severity = pick_severity(rng, injury_based)
        vulnerable = casualty_class == 3 or casualty_type in (1, 2, 3, 4, 5, 97)
        if vulnerable and severity == 3 and rng.random() < 0.12:
            severity = 2  # vulnerable road users are hurt more often
        pedestrian = casualty_class == 3
        car_passenger = (
            pick(rng, (1, 2, 9, -1), (55, 43, 1, 1)) if (casualty_class == 2 and casualty_type in (8, 9)) else 0
        )
        bus_passenger = (
            pick(rng, (4, 3, 1, 2, 9), (55, 25, 8, 10, 2)) if (casualty_class == 2 and casualty_type == 11) else 0
        )

        if year < ENHANCED_SEVERITY_FROM:
            enhanced = -1
        elif severity == 1:
            enhanced = 1
        elif severity == 3:
            enhanced = 3
        else:
            enhanced = pick(rng, (5, 6, 7), (22, 35, 43))
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
            distance = str(pick(rng, (1, 2, 3, 4, 5), (52, 14, 12, 16, 6)))
        rows.append(
            {
                "collision_index": f"{year}{reference}",
                "collision_year": str(year),
                "collision_reference": reference,
                "vehicle_reference": str(vehicle),
                "casualty_reference": str(casualty_reference),
                "casualty_class": str(casualty_class),
                "sex_of_casualty": str(pick(rng, (1, 2, 9, -1), (58.5, 40, 0.5, 1))),
                "age_of_casualty": str(age),
                "age_band_of_casualty": str(age_band(age)),
                "casualty_severity": str(severity),
                "pedestrian_location": str(
                    pick(rng, (5, 6, 1, 4, 9, 10, 8, 2, 3, 7, -1), (38, 14, 11, 8, 10, 8, 3, 1, 1, 1, 0.5))
                    if pedestrian
                    else 0
                ),
                "pedestrian_movement": str(
                    pick(rng, (1, 3, 9, 5, 2, 4, 7, 8, 6, -1), (38, 22, 17, 6, 7, 3, 3, 3, 0.5, 0.5))
                    if pedestrian
                    else 0
                ),
                "car_passenger": str(car_passenger),
                "bus_or_coach_passenger": str(bus_passenger),
                "pedestrian_road_maintenance_worker": str(
                    pick(rng, (0, 2, 1, -1), (88, 9, 0.5, 2.5)) if pedestrian else 0
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


def pick_casualty_type(rng: random.Random, casualty_class: int) -> int:
    if casualty_class == 3:
        return 0
    if casualty_class == 1:
        return pick(
            rng,
            (9, 1, 3, 5, 4, 2, 97, 19, 21, 20, 98, 8, 11, 16, 22, 23, 17, 90),
            (56, 15, 5, 6, 2.5, 1.5, 0.5, 7, 1.2, 0.6, 0.2, 1.5, 0.4, 0.5, 0.5, 0.2, 0.3, 0.4),
        )
    return pick(rng, (9, 11, 8, 19, 5, 3, 10, 90), (84, 6, 3, 4, 1, 1, 0.5, 0.5))


def pick_age(rng: random.Random, casualty_class: int, casualty_type: int) -> int:
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
