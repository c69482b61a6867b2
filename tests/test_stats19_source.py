"""Every STATS19 header vintage reads onto one schema; an unknown layout is refused with expected and found columns."""

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from sources.errors import FormatError
from sources.stats19 import Stats19Files, scan
from tests.conftest import REAL_DATA
from tests.stats19_fixtures import CASUALTY_HEADER_2024, COLLISION_HEADER_2024, casualty, collision, csv_text

# DfT's own data guide (2024) spells three collision fields differently from the real files.
GUIDE_SPELLING = {
    "collision_reference": "collision_ref_no",
    "enhanced_severity_collision": "enhanced_collision_severity",
    "collision_adjusted_severity_serious": "collision_adjusted_serious",
    "collision_adjusted_severity_slight": "collision_adjusted_slight",
}
# The pre-2020 capitalised collision header (DfT "Accidents" files), 32 columns.
LEGACY_COLLISION_HEADER = (
    "Accident_Index,Location_Easting_OSGR,Location_Northing_OSGR,Longitude,Latitude,Police_Force,Accident_Severity,"
    "Number_of_Vehicles,Number_of_Casualties,Date,Day_of_Week,Time,Local_Authority_(District),"
    "Local_Authority_(Highway),1st_Road_Class,1st_Road_Number,Road_Type,Speed_limit,Junction_Detail,Junction_Control,"
    "2nd_Road_Class,2nd_Road_Number,Pedestrian_Crossing-Human_Control,Pedestrian_Crossing-Physical_Facilities,"
    "Light_Conditions,Weather_Conditions,Road_Surface_Conditions,Special_Conditions_at_Site,Carriageway_Hazards,"
    "Urban_or_Rural_Area,Did_Police_Officer_Attend_Scene_of_Accident,LSOA_of_Accident_Location"
)


def read(path: Path, table: str) -> list[dict]:
    relation = duckdb.connect().sql(scan(path, table).sql)
    return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]


def test_current_2024_header(tmp_path: Path) -> None:
    path = tmp_path / "collision.csv"
    row = collision("2024550000042", "29/02/2024", "E06000059", "E06000059", severity=2)
    path.write_text(csv_text(COLLISION_HEADER_2024, [row]))
    [loaded] = read(path, "collisions")
    assert loaded["collision_index"] == "2024550000042"
    assert loaded["collision_reference"] == "550000042"
    assert str(loaded["collision_date"]) == "2024-02-29"
    assert loaded["collision_severity"] == 2
    assert loaded["local_authority_highway_current"] == "E06000059"
    assert loaded["_source_row"] == 2  # line 2 of the file: the header is line 1


def test_data_guide_spelling(tmp_path: Path) -> None:
    path = tmp_path / "collision.csv"
    header = [GUIDE_SPELLING.get(name, name) for name in COLLISION_HEADER_2024]
    row = collision("2024550000043", "01/03/2024", "E06000059", "E06000059", collision_adjusted_severity_serious="0.25")
    row = {GUIDE_SPELLING.get(name, name): value for name, value in row.items()}
    path.write_text(csv_text(header, [row]))
    [loaded] = read(path, "collisions")
    assert loaded["collision_reference"] == "550000043"
    assert loaded["collision_adjusted_severity_serious"] == 0.25
    assert scan(path, "collisions").vintage == "collision_* (data-guide spelling)"


def test_real_2023_accident_header_keeps_leading_zeros() -> None:
    path = REAL_DATA / "stats19_collision_2023_sample3rows_from_ropensci_stats19.csv"
    if not path.exists():
        pytest.skip("shared/real-data is not beside the project")
    rows = read(path, "collisions")
    assert [row["collision_reference"] for row in rows] == ["010451590", "471310743", "522301107"]
    assert [row["collision_severity"] for row in rows] == [3, 2, 2]
    assert [row["local_authority_highway"] for row in rows] == ["E09000022", "E10000032", "E06000025"]
    assert all(row["local_authority_highway_current"] is None for row in rows)  # not in 2023 files


def test_real_legacy_casualty_format_with_a_byte_order_mark(tmp_path: Path) -> None:
    source = REAL_DATA / "stats19_casualty_2017_legacyformat_sample3rows_from_ropensci_stats19.csv"
    if not source.exists():
        pytest.skip("shared/real-data is not beside the project")
    path = tmp_path / "Cas.csv"
    path.write_bytes(b"\xef\xbb\xbf" + source.read_bytes())  # older DfT files start with a BOM
    rows = read(path, "casualties")
    assert [row["collision_index"] for row in rows] == ["2017010048523", "2017010070898", "2017471705929"]
    assert [row["collision_year"] for row in rows] == [2017, 2017, 2017]  # from the index: no year column
    assert [row["age_of_casualty"] for row in rows] == [62, 39, 23]
    assert [row["casualty_class"] for row in rows] == [1, 3, 1]


def test_legacy_capitalised_collision_header(tmp_path: Path) -> None:
    path = tmp_path / "Accidents_2009.csv"
    values = ["200955AB12345", "400000", "90000", "-2.3", "50.7", "55", "1", "2", "3", "15/07/2009", "4", "17:05",
              "645", "E10000009", "3", "35", "6", "60", "0", "-1", "-1", "0", "0", "0", "1", "1", "1", "0", "0", "2",
              "1", "E01020001"]  # fmt: skip
    path.write_text(LEGACY_COLLISION_HEADER + "\n" + ",".join(values) + "\n")
    [loaded] = read(path, "collisions")
    assert loaded["collision_index"] == "200955AB12345"
    assert loaded["collision_year"] == 2009
    assert loaded["local_authority_highway"] == "E10000009"
    assert loaded["number_of_casualties"] == 3
    assert str(loaded["collision_date"]) == "2009-07-15"


def test_a_renamed_column_is_refused_listing_expected_and_found(tmp_path: Path) -> None:
    path = tmp_path / "casualty.csv"
    header = ["severity" if name == "casualty_severity" else name for name in CASUALTY_HEADER_2024]
    path.write_text(csv_text(header, [casualty("2024550000001", 1, 3)]))
    with pytest.raises(FormatError) as raised:
        scan(path, "casualties")
    message = str(raised.value)
    assert str(path) in message and "line 1" in message
    assert "'casualty_severity' or 'Casualty_Severity'" in message
    assert "'severity'" in message


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "casualty.csv"
    path.write_text("")
    with pytest.raises(FormatError, match="empty"):
        scan(path, "casualties")


def test_recent_years_have_their_own_file_and_older_ones_share_1979_latest() -> None:
    files = Stats19Files("https://data.dft.gov.uk/road-accidents-safety-data", single_year_files_from=2021)
    grouped = files.years_by_url("casualties", [2022, 2005, 2021, 2006])
    assert grouped == {
        "https://data.dft.gov.uk/road-accidents-safety-data/"
        "dft-road-casualty-statistics-casualty-1979-latest-published-year.csv": [2005, 2006],
        "https://data.dft.gov.uk/road-accidents-safety-data/dft-road-casualty-statistics-casualty-2021.csv": [2021],
        "https://data.dft.gov.uk/road-accidents-safety-data/dft-road-casualty-statistics-casualty-2022.csv": [2022],
    }


def test_bundled_sample_is_exactly_what_its_generator_writes(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    subprocess.run(
        [sys.executable, "-m", "tools.samples.generate_stats19", str(tmp_path)],
        cwd=root,
        check=True,
        capture_output=True,
        timeout=120,
    )
    bundled = root / "sources" / "samples" / "data.dft.gov.uk" / "road-accidents-safety-data"
    names = sorted(path.name for path in bundled.glob("*.csv"))
    assert names == sorted(path.name for path in tmp_path.glob("*.csv"))
    assert len(names) == 12
    for name in names:
        assert (tmp_path / name).read_bytes() == (bundled / name).read_bytes(), name
    header = (bundled / names[0]).read_text().split("\n", 1)[0].split(",")
    assert tuple(header) in (CASUALTY_HEADER_2024, COLLISION_HEADER_2024)
