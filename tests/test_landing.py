"""Landing a file: every row keeps its line number, whether the whole file or some of its years is loaded."""

from pathlib import Path

import duckdb
import pytest

from sources.stats19 import scan
from tests.stats19_fixtures import CASUALTY_HEADER_2024, casualty, csv_text
from warehouse.database import migrate
from warehouse.landing import LoadError, land

# Casualties of three years in one file, as in DfT's 1979-latest file; each index is unique.
ROWS = [casualty(f"{year}550{n:06d}", 1, severity=3) for year in (2019, 2020, 2021) for n in range(40)]


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    migrate(con)
    return con


@pytest.fixture
def file(tmp_path: Path) -> Path:
    path = tmp_path / "casualty.csv"
    path.write_text(csv_text(CASUALTY_HEADER_2024, ROWS))
    return path


def lines_match(con: duckdb.DuckDBPyConnection, file: Path, load_id: str) -> None:
    text = file.read_text().splitlines()
    for index, line in con.execute(
        "select collision_index, _source_row from landing.casualties where _load_id = ?", [load_id]
    ).fetchall():
        assert text[line - 1].startswith(index + ","), (index, line)


def test_whole_file_rows_carry_their_lines(con: duckdb.DuckDBPyConnection, file: Path) -> None:
    landed = land(con, scan(file, "casualties"), "casualties", "collision_year", [2019, 2020, 2021], "first")
    assert (landed.rows_in_file, landed.rows_loaded) == (120, 120)
    lines_match(con, file, "first")
    # Again, after deletes have left gaps in the table: a re-run replaces the partitions, numbering holds.
    land(con, scan(file, "casualties"), "casualties", "collision_year", [2019, 2020, 2021], "second")
    lines_match(con, file, "second")
    assert con.execute("select count(*) from landing.casualties").fetchall()[0][0] == 120


def test_some_years_of_a_file_carry_their_lines(con: duckdb.DuckDBPyConnection, file: Path) -> None:
    landed = land(con, scan(file, "casualties"), "casualties", "collision_year", [2020], "middle")
    assert (landed.rows_in_file, landed.rows_loaded) == (120, 40)
    lines_match(con, file, "middle")
    assert con.execute("select min(_source_row), max(_source_row) from landing.casualties").fetchall() == [(42, 81)]


def test_a_file_with_no_rows_for_the_years_asked_lands_nothing(con: duckdb.DuckDBPyConnection, file: Path) -> None:
    with pytest.raises(LoadError, match="no rows for collision_year"):
        land(con, scan(file, "casualties"), "casualties", "collision_year", [2024], "none")
    assert con.execute("select count(*) from duckdb_tables() where table_name = 'casualties'").fetchall() == [(0,)]
