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


def test_a_line_the_read_does_not_see_is_refused_in_a_partial_load(con: duckdb.DuckDBPyConnection, file: Path) -> None:
    """A blank line among the 2021 rows shifts every later line number: the one read sees fewer rows than the
    file has lines, so nothing lands, though the years asked for are earlier."""
    lines = file.read_text().splitlines()
    file.write_text("\n".join([*lines[:90], "", *lines[90:]]) + "\n")
    with pytest.raises(LoadError, match=r"did not reach the file's last data line \(line 122 of 121 data lines\)"):
        land(con, scan(file, "casualties"), "casualties", "collision_year", [2019], "shifted")
    assert con.execute("select count(*) from duckdb_tables() where table_name = 'casualties'").fetchall() == [(0,)]


def test_lines_hold_in_a_file_read_in_parallel(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """A file big enough for DuckDB to read in parallel chunks: sampled rows still name their own lines."""
    template = csv_text(CASUALTY_HEADER_2024, ROWS[:1]).splitlines()[1].split(",")
    path = tmp_path / "big.csv"
    with open(path, "w") as out:
        out.write(",".join(CASUALTY_HEADER_2024) + "\n")
        for number in range(400_000):
            year = 2019 + number * 3 // 400_000
            out.write(",".join([f"{year}550{number:07d}", str(year), *template[2:]]) + "\n")
    assert path.stat().st_size > 3 * (8 << 20)  # DuckDB gives each thread 8 MB of a CSV file
    land(con, scan(path, "casualties"), "casualties", "collision_year", [2020], "big")
    lines_match(con, path, "big")
    assert con.execute("select count(*) from landing.casualties").fetchall() == [(133_333,)]
