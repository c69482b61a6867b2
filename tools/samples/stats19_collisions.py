"""The collision rows of the synthetic STATS19 sample, year by year, with their casualties: how many collisions
each authority has in a year (the national trend), when and where each happened, the road, the conditions, and
the severities summed up from its casualties.

Apart from the command line and the file writing (`generate_stats19`) because this is the sample's content;
one seeded generator draws every value in a fixed order, so two builds give the same rows.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from tools.samples.stats19_authorities import AUTHORITIES, INJURY_BASED_FROM, Authority, geography
from tools.samples.stats19_casualties import casualty_rows
from tools.samples.stats19_coding import (
    LSOA_FROM,
    NEW_SPECIFICATION_FROM,
    day_of_week,
    format_probability,
    pick,
    to_national_grid,
)

SEED = 2060
FIRST_YEAR = 2005
LAST_YEAR = 2025

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


class Stats19Sample:
    """Builds the synthetic collision and casualty rows, year by year, with one seeded generator."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.collisions: list[dict[str, str]] = []
        self.casualties: list[dict[str, str]] = []

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
        hour = pick(self.rng, range(24), hour_weights)
        minute = self.rng.randrange(0, 60, 5) if self.rng.random() < 0.55 else self.rng.randrange(60)
        return f"{hour:02d}:{minute:02d}", hour

    def casualty_count(self) -> int:
        return pick(self.rng, (1, 2, 3, 4, 5, 6, 7), (79, 14, 4.5, 1.5, 0.6, 0.25, 0.15))

    def make_collision(self, authority: Authority, year: int, reference: str) -> None:
        rng = self.rng
        area = rng.choices(authority.sub_areas, weights=[a.weight for a in authority.sub_areas])[0]
        day = self.random_day(year)
        district, highway, highway_current = geography(authority, area, day)
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
            road_type = pick(rng, (6, 3, 1, 2, 7, 9, -1), (74, 9, 10, 3 if urban else 0.5, 1, 1, 0.3))
            speed = self.speed_limit(urban, year, road_type)

        at_junction = rng.random() < (0.55 if urban else 0.35)
        if road_type == 1:
            at_junction = True
        if at_junction:
            junction_old = 1 if road_type == 1 else pick(rng, (3, 6, 8, 9, 2, 7, 5), (50, 12, 12, 8, 4, 3, 2))
            junction_new = {1: 19, 2: 19, 3: 13, 5: 19, 6: 16, 7: 17, 8: 18, 9: 19}[junction_old]
            control = pick(rng, (4, 2, 1, 3, 9, -1), (74, 20, 0.5, 1, 2, 1)) if junction_old != 8 else 4
            second_class = pick(rng, (6, 3, 4, 5, 9, -1), (55, 20, 10, 10, 2, 1))
            second_number = self.road_number(authority, second_class)
        else:
            junction_old, junction_new, control, second_class, second_number = 0, 0, -1, 0, -1
        if year >= NEW_SPECIFICATION_FROM:
            junction_old = -1
        else:
            junction_new = -1

        crossing_human = pick(rng, (0, 1, 2, 9, -1), (97, 0.5, 0.8, 1, 0.7))
        crossing_physical = pick(rng, (0, 1, 4, 5, 7, 8, 9, -1), (84 if urban else 96, 3, 5, 4, 0.3, 2, 1, 0.7))
        crossing_new = {0: 0, 1: 13, 4: 14, 5: 15, 7: 16, 8: 17, 9: 99, -1: -1}[crossing_physical]
        if crossing_human in (1, 2):
            crossing_new = 10 + crossing_human
        if year >= NEW_SPECIFICATION_FROM:
            crossing_human, crossing_physical = -1, -1
        else:
            crossing_new = -1

        if 8 <= hour <= 16:
            light = pick(rng, (1, 4, 6, 7), (95, 3, 1.5, 0.5))
        elif hour in (6, 7, 17, 18, 19):
            light = pick(rng, (1, 4, 5, 6, 7), (55, 30 if urban else 8, 1, 6 if urban else 30, 2))
        else:
            light = pick(rng, (4, 5, 6, 7, 1), (70 if urban else 15, 2, 8 if urban else 65, 5, 5))
        if located is False and rng.random() < 0.5:
            light = -1
        weather = pick(rng, (1, 2, 3, 4, 5, 6, 7, 8, 9, -1), (79, 11.5, 0.5, 1.3, 1.4, 0.1, 0.8, 2.2, 3, 0.2))
        if weather in (2, 5):
            surface = pick(rng, (2, 1, 5), (94, 4, 2))
        elif weather in (3, 6):
            surface = pick(rng, (3, 4, 2), (60, 25, 15))
        else:
            surface = pick(rng, (1, 2, 4, 3, 6, 7, 9, -1), (80, 15, 2.5, 0.2, 0.3, 0.5, 1, 0.5))
        special = pick(rng, (0, 4, 5, 6, 7, 3, 1, 2, 9, -1), (96, 1.3, 0.5, 0.3, 0.3, 0.3, 0.1, 0.1, 0.6, 0.5))
        hazards_old = pick(rng, (0, 2, 7, 3, 1, 6, 9, -1), (96, 1, 1.2, 0.4, 0.2, 0.2, 0.5, 0.5))
        hazards_new = {0: 0, 1: 16, 2: 17, 3: 18, 6: 19, 7: 20, 9: 99, -1: -1}[hazards_old]
        if year >= NEW_SPECIFICATION_FROM:
            hazards_old = -1
        else:
            hazards_new = -1
        police_attended = pick(rng, (1, 2, 3, -1), (72 if year < 2015 else 62, 17, 10 if year >= 2012 else 2, 0.3))

        n_vehicles = pick(rng, (1, 2, 3), (32, 59, 9))
        n_casualties = self.casualty_count()
        index = f"{year}{reference}"
        casualties = casualty_rows(self.rng, area, year, reference, n_vehicles, n_casualties, injury_based)

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
        road_class = pick(rng, (1, 3, 4, 5, 6, -1), (motorway_weight, 40, 11, 9 if not urban else 4, 38, 0.2))
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
            return pick(self.rng, (70, 50, 40, 30), (55, 20, 15, 10))
        if urban:
            return pick(self.rng, (20, 30, 40, 50, 60, -1), (twenty, 72 - twenty * 0.5, 14, 3, 2, 0.2))
        return pick(self.rng, (30, 40, 50, 60, 20), (18, 14, 10, 57, 1))

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
