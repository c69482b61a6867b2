"""A byte that is not UTF-8 (a copy re-saved by Excel in Windows-1252) is named by file, line and column.

Issue 16: the readers used to say `UnicodeDecodeError ... position 1823`, a byte offset no one can open a file at.
Each case below puts one Windows-1252 byte (0x96, an en dash) into a real sample file at a known line and column
and asserts the message names exactly that place and says what to do.
"""

from pathlib import Path

import duckdb
import pytest

from sources.ees import read_text_csv
from sources.errors import FormatError
from sources.fingertips import read_export
from sources.ssda903 import read_s903
from sources.stats19 import scan
from warehouse.landing import LoadError, land

SAMPLES = Path(__file__).resolve().parents[1] / "sources" / "samples"
STATS19 = SAMPLES / "data.dft.gov.uk" / "road-accidents-safety-data"
EN_DASH_1252 = b"\x96"
ADVICE = "save it from Excel as 'CSV UTF-8'"


def _with_bad_byte(source: Path, target: Path, line: int, column: str) -> Path:
    """Copy `source` with an en dash in Windows-1252 appended to `column`'s value on `line` (1 = the header)."""
    lines = source.read_bytes().split(b"\n")
    header = lines[0].decode("utf-8-sig").rstrip("\r").split(",")
    index = header.index(column)
    fields = lines[line - 1].split(b",")
    fields[index] += EN_DASH_1252
    lines[line - 1] = b",".join(fields)
    target.write_bytes(b"\n".join(lines))
    return target


def _assert_named(error: Exception, file: str, line: int, column: str) -> None:
    text = str(error)
    assert text.startswith(f"{file}, line {line}, column {column!r}: "), text
    assert "0x96" in text or "not UTF-8" in text
    assert ADVICE in text
    assert "position" not in text


def test_stats19_header_byte_is_named_by_line_and_field(tmp_path: Path) -> None:
    source = STATS19 / "dft-road-casualty-statistics-casualty-2022.csv"
    bad = _with_bad_byte(source, tmp_path / source.name, 1, "casualty_class")
    header = source.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    with pytest.raises(FormatError) as raised:
        scan(bad, "casualties")
    _assert_named(raised.value, str(bad), 1, f"field {header.index('casualty_class') + 1}")


def test_stats19_body_byte_is_named_by_line_and_column_when_landing(tmp_path: Path) -> None:
    source = STATS19 / "dft-road-casualty-statistics-casualty-2022.csv"
    bad = _with_bad_byte(source, tmp_path / source.name, 57, "lsoa_of_casualty")
    con = duckdb.connect()
    con.execute("create schema landing")
    with pytest.raises(LoadError) as raised:
        land(con, scan(bad, "casualties"), "casualties", "collision_year", [2022], "load-1")
    _assert_named(raised.value, str(bad), 57, "lsoa_of_casualty")
    assert con.execute("select count(*) from duckdb_tables() where schema_name = 'landing'").fetchall() == [(0,)]


def test_fingertips_export_byte_is_named_by_line_and_column(tmp_path: Path) -> None:
    source = next((SAMPLES / "fingertips.phe.org.uk" / "api" / "all_data" / "csv").glob("*10401*=15"))
    bad = _with_bad_byte(source, tmp_path / "export.csv", 3, "Area Name")
    with pytest.raises(FormatError) as raised:
        read_export(bad, "https://fingertips.example/all_data", 10401, 15, "10401/15")
    _assert_named(raised.value, "https://fingertips.example/all_data", 3, "Area Name")


def test_ees_file_byte_is_named_by_line_and_column(tmp_path: Path) -> None:
    source = next((SAMPLES / "explore-education-statistics.service.gov.uk").rglob("csv"))
    header = source.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    bad = _with_bad_byte(source, tmp_path / "ees.csv", 4, header[-1])
    with pytest.raises(FormatError) as raised:
        read_text_csv(bad)
    _assert_named(raised.value, str(bad), 4, header[-1])


def test_council_ssda903_byte_is_named_by_line_and_column(tmp_path: Path) -> None:
    source = SAMPLES / "council_returns" / "2025-03-31" / "ssda903_episodes.csv"
    bad = _with_bad_byte(source, tmp_path / "ssda903_episodes.csv", 2, "REASON_PLACE_CHANGE")
    with pytest.raises(FormatError) as raised:
        read_s903(bad, 10_000_000)
    _assert_named(raised.value, "ssda903_episodes.csv", 2, "REASON_PLACE_CHANGE")
