"""DfT road safety open data (STATS19): where each year's file is, and how every header vintage maps to one schema.

DfT renamed `accident_*` to `collision_*` with the 2024 data, its data guide spells some fields differently
from the real files, and the pre-2020 files used capitalised names. Columns are found by name, never by
position; the files are read by DuckDB with every column's type declared, because auto-detection fails on
STATS19 (`lsoa_*` is `-1` for decades and then becomes a code) and pandas loses leading zeros.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sources.errors import FormatError, not_utf8

PUBLISHER = "dft"

# The real files' headers from the 2024 data on (2024 and 2025 identical; shared/sources.md section 3.2).
COLLISION_HEADER_2024: tuple[str, ...] = tuple(
    (
        "collision_index,collision_year,collision_reference,location_easting_osgr,location_northing_osgr,longitude,"
        "latitude,police_force,collision_severity,number_of_vehicles,number_of_casualties,date,day_of_week,time,"
        "local_authority_district,local_authority_ons_district,local_authority_highway,local_authority_highway_current,"
        "first_road_class,first_road_number,road_type,speed_limit,junction_detail_historic,junction_detail,"
        "junction_control,second_road_class,second_road_number,pedestrian_crossing_human_control_historic,"
        "pedestrian_crossing_physical_facilities_historic,pedestrian_crossing,light_conditions,weather_conditions,"
        "road_surface_conditions,special_conditions_at_site,carriageway_hazards_historic,carriageway_hazards,"
        "urban_or_rural_area,did_police_officer_attend_scene_of_accident,trunk_road_flag,lsoa_of_accident_location,"
        "enhanced_severity_collision,collision_injury_based,collision_adjusted_severity_serious,"
        "collision_adjusted_severity_slight"
    ).split(",")
)
CASUALTY_HEADER_2024: tuple[str, ...] = tuple(
    (
        "collision_index,collision_year,collision_reference,vehicle_reference,casualty_reference,casualty_class,"
        "sex_of_casualty,age_of_casualty,age_band_of_casualty,casualty_severity,pedestrian_location,pedestrian_movement,"
        "car_passenger,bus_or_coach_passenger,pedestrian_road_maintenance_worker,casualty_type,casualty_imd_decile,"
        "lsoa_of_casualty,enhanced_casualty_severity,casualty_injury_based,casualty_adjusted_severity_serious,"
        "casualty_adjusted_severity_slight,casualty_distance_banding"
    ).split(",")
)
TABLES = ("collisions", "casualties")
FILE_STEM = {"collisions": "collision", "casualties": "casualty"}


@dataclass(frozen=True)
class Column:
    """A canonical column: its DuckDB type and the names it has carried in DfT files, newest first."""

    name: str
    type: str
    aliases: tuple[str, ...]
    required: bool = True


def _col(name: str, type_: str, *aliases: str, required: bool = True) -> Column:
    return Column(name, type_, (name, *aliases), required)


COLLISION_COLUMNS: tuple[Column, ...] = (
    _col("collision_index", "VARCHAR", "accident_index", "Accident_Index"),
    _col("collision_year", "SMALLINT", "accident_year", required=False),
    _col("collision_reference", "VARCHAR", "collision_ref_no", "accident_reference", required=False),
    _col("location_easting_osgr", "DOUBLE", "Location_Easting_OSGR", required=False),
    _col("location_northing_osgr", "DOUBLE", "Location_Northing_OSGR", required=False),
    _col("longitude", "DOUBLE", "Longitude", required=False),
    _col("latitude", "DOUBLE", "Latitude", required=False),
    _col("police_force", "SMALLINT", "Police_Force"),
    _col("collision_severity", "TINYINT", "accident_severity", "Accident_Severity"),
    _col("number_of_vehicles", "SMALLINT", "Number_of_Vehicles"),
    _col("number_of_casualties", "SMALLINT", "Number_of_Casualties"),
    _col("collision_date", "DATE", "date", "Date"),
    _col("day_of_week", "TINYINT", "Day_of_Week", required=False),
    _col("time", "VARCHAR", "Time", required=False),
    _col("local_authority_ons_district", "VARCHAR", required=False),
    _col("local_authority_highway", "VARCHAR", "Local_Authority_(Highway)"),
    _col("local_authority_highway_current", "VARCHAR", required=False),
    _col("first_road_class", "SMALLINT", "1st_Road_Class", required=False),
    _col("road_type", "SMALLINT", "Road_Type", required=False),
    _col("speed_limit", "SMALLINT", "Speed_limit", required=False),
    _col("light_conditions", "SMALLINT", "Light_Conditions", required=False),
    _col("weather_conditions", "SMALLINT", "Weather_Conditions", required=False),
    _col("urban_or_rural_area", "SMALLINT", "Urban_or_Rural_Area", required=False),
    _col(
        "lsoa_of_collision_location",
        "VARCHAR",
        "lsoa_of_accident_location",
        "LSOA_of_Accident_Location",
        required=False,
    ),
    _col("enhanced_severity_collision", "TINYINT", "enhanced_collision_severity", required=False),
    _col("collision_injury_based", "TINYINT", required=False),
    _col("collision_adjusted_severity_serious", "DOUBLE", "collision_adjusted_serious", required=False),
    _col("collision_adjusted_severity_slight", "DOUBLE", "collision_adjusted_slight", required=False),
)

CASUALTY_COLUMNS: tuple[Column, ...] = (
    _col("collision_index", "VARCHAR", "accident_index", "Accident_Index"),
    _col("collision_year", "SMALLINT", "accident_year", required=False),
    _col("collision_reference", "VARCHAR", "collision_ref_no", "accident_reference", required=False),
    _col("vehicle_reference", "SMALLINT", "Vehicle_Reference"),
    _col("casualty_reference", "SMALLINT", "Casualty_Reference"),
    _col("casualty_class", "TINYINT", "Casualty_Class"),
    _col("sex_of_casualty", "TINYINT", "Sex_of_Casualty"),
    _col("age_of_casualty", "SMALLINT", "Age_of_Casualty"),
    _col("age_band_of_casualty", "TINYINT", "Age_Band_of_Casualty"),
    _col("casualty_severity", "TINYINT", "Casualty_Severity"),
    _col("casualty_type", "SMALLINT", "Casualty_Type", required=False),
    _col("casualty_imd_decile", "TINYINT", "Casualty_IMD_Decile", required=False),
    _col("lsoa_of_casualty", "VARCHAR", required=False),
    _col("enhanced_casualty_severity", "TINYINT", required=False),
    _col("casualty_injury_based", "TINYINT", required=False),
    _col("casualty_adjusted_severity_serious", "DOUBLE", "casualty_adjusted_serious", required=False),
    _col("casualty_adjusted_severity_slight", "DOUBLE", "casualty_adjusted_slight", required=False),
)

CANONICAL = {"collisions": COLLISION_COLUMNS, "casualties": CASUALTY_COLUMNS}


@dataclass(frozen=True)
class Stats19Files:
    """Where DfT publishes each data year: single-year files for recent years, one 1979-latest file for all."""

    base_url: str = "https://data.dft.gov.uk/road-accidents-safety-data/"
    single_year_files_from: int = 2020

    def url(self, table: str, year: int) -> str:
        stem = FILE_STEM[table]
        base = self.base_url if self.base_url.endswith("/") else self.base_url + "/"
        if year >= self.single_year_files_from:
            return f"{base}dft-road-casualty-statistics-{stem}-{year}.csv"
        return f"{base}dft-road-casualty-statistics-{stem}-1979-latest-published-year.csv"

    def years_by_url(self, table: str, years: list[int]) -> dict[str, list[int]]:
        """Group the years asked for by the file that holds them, so each file is fetched and read once."""
        grouped: dict[str, list[int]] = {}
        for year in sorted(years):
            grouped.setdefault(self.url(table, year), []).append(year)
        return grouped


@dataclass(frozen=True)
class CsvScan:
    """A typed DuckDB read of one STATS19 file, projected onto the canonical columns.

    `sql` selects the canonical columns plus `_source_row` (the line in the file, header = line 1), numbered by
    the scan itself (`with ordinality`): a window over a national file costs as much as reading it, and a
    numbered scan lets a loader take the years it wants in one read.
    """

    file: Path
    table: str
    header: tuple[str, ...]
    vintage: str
    sql: str
    missing_optional: tuple[str, ...]


def read_header(path: Path) -> tuple[str, ...]:
    """The file's column names, with a UTF-8 byte-order mark removed (older DfT files carry one)."""
    with open(path, "rb") as handle:
        line = handle.readline()
    try:
        first = line.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise not_utf8(str(path), path) from None
    if not first.strip():
        raise FormatError(str(path), "the file is empty: no header line", line=1)
    return tuple(name.strip().strip('"') for name in first.rstrip("\r\n").split(","))


def vintage_of(header: tuple[str, ...]) -> str:
    """Name the header generation, for the load log and error messages."""
    if "Accident_Index" in header:
        return "legacy capitalised (to 2019)"
    if "accident_index" in header:
        return "accident_* (2020-2023 data)"
    if "collision_ref_no" in header or "enhanced_collision_severity" in header:
        return "collision_* (data-guide spelling)"
    return "collision_* (2024+ data)"


def scan(path: Path, table: str) -> CsvScan:
    """Build the typed read of `path` as a `table` file, or explain which expected columns are absent."""
    header = read_header(path)
    present = set(header)
    if len(present) != len(header):
        duplicated = sorted({name for name in header if header.count(name) > 1})
        raise FormatError(str(path), f"duplicated column names in the header: {duplicated}", line=1)
    types = dict.fromkeys(header, "VARCHAR")
    projections: list[str] = []
    missing_required: list[str] = []
    missing_optional: list[str] = []
    for column in CANONICAL[table]:
        found = next((alias for alias in column.aliases if alias in present), None)
        if found is None:
            (missing_required if column.required else missing_optional).append(column.name)
            projections.append(f"cast(null as {column.type}) as {column.name}")
            continue
        types[found] = column.type
        projections.append(f'"{found}" as {column.name}')
    if missing_required:
        expected = [
            " or ".join(repr(a) for a in column.aliases)
            for column in CANONICAL[table]
            if column.name in missing_required
        ]
        raise FormatError(
            str(path),
            f"not a STATS19 {table} file that this loader knows: missing {', '.join(expected)}; "
            f"found columns {list(header)}",
            line=1,
        )
    if "collision_year" in missing_optional:
        # Legacy files carry no year column; the index starts with the data year.
        year_at = projections.index("cast(null as SMALLINT) as collision_year")
        projections[year_at] = "try_cast(left(collision_index_raw, 4) as SMALLINT) as collision_year"
        missing_optional.remove("collision_year")
    columns = ", ".join(f"'{name}': '{kind}'" for name, kind in types.items())
    index_alias = next(a for a in CANONICAL[table][0].aliases if a in present)
    read = (
        f"read_csv('{_sql_string(path)}', header = true, auto_detect = false, delim = ',', quote = '\"', "
        f"dateformat = '%d/%m/%Y', nullstr = ['', 'NULL'], encoding = 'utf-8', columns = {{{columns}}})"
    )

    sql = (
        f"select {', '.join(projections)}, _source_row from ("
        f'select *, "{index_alias}" as collision_index_raw, cast(ordinality + 1 as bigint) as _source_row '
        f"from {read} with ordinality)"
    )
    return CsvScan(
        file=path,
        table=table,
        header=header,
        vintage=vintage_of(header),
        sql=sql,
        missing_optional=tuple(missing_optional),
    )


def _sql_string(path: Path) -> str:
    return str(path).replace("'", "''")
