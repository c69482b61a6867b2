"""`warehouse.indicator_values.replace_rows`: the one swap of a source's rows of `marts.indicator_values`."""

from datetime import date
from pathlib import Path

import duckdb
import pytest

from warehouse.database import migrate, transaction
from warehouse.indicator_values import replace_rows


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    migrate(con)
    con.execute(
        "insert into meta.loads (load_id, source, dataset, url, sha256, status, started_at) values "
        "('L1', 'a', 'd', 'https://example.org/a.csv', 'abc123', 'published', now())"
    )
    con.execute(
        """
        create temp table built as
        select * from (values
            ('ind', 'E1', date '2024-01-01', date '2024-03-31', 1.0::double, 'L1'),
            ('ind', 'E1', date '2024-04-01', date '2024-06-30', 2.0, 'L1'),
            ('ind', 'E2', date '2024-04-01', date '2024-06-30', 3.0, null)
        ) t(indicator_id, area_code, period_start, period_end, value, load_id)
        """
    )
    yield con
    con.close()


ROWS = "select *, 'quarter' as period_type, 'Q' as period_label from built"


def _values(con: duckdb.DuckDBPyConnection, source: str) -> list[tuple]:
    return con.execute(
        "select area_code, period_end, value, source_url, source_sha256 from marts.indicator_values "
        "where source = ? order by all",
        [source],
    ).fetchall()


def test_replaces_only_its_own_source_and_records_where_each_row_came_from(con: duckdb.DuckDBPyConnection) -> None:
    assert replace_rows(con, "b", "select * replace ('other' as indicator_id) from (" + ROWS + ")") == 3
    assert replace_rows(con, "a", ROWS + " where area_code = ?", ["E1"]) == 2
    assert replace_rows(con, "a", ROWS + " where area_code = ?", ["E2"]) == 1  # a re-run replaces, never appends
    assert _values(con, "a") == [("E2", date(2024, 6, 30), 3.0, None, None)]
    assert len(_values(con, "b")) == 3
    assert _values(con, "b")[0] == ("E1", date(2024, 3, 31), 1.0, "https://example.org/a.csv", "abc123")


def test_a_narrower_where_replaces_one_area_s_one_period(con: duckdb.DuckDBPyConnection) -> None:
    replace_rows(con, "a", ROWS)
    con.execute("update built set value = value * 10")
    one = "area_code = ? and period_end = ?"
    args = ["E1", date(2024, 6, 30)]
    assert replace_rows(con, "a", ROWS + f" where {one}", args, where=one, where_params=args) == 1
    assert [row[2] for row in _values(con, "a")] == [1.0, 20.0, 3.0]


def test_rows_outside_the_where_replace_nothing(con: duckdb.DuckDBPyConnection) -> None:
    replace_rows(con, "a", ROWS + " where area_code = 'E2'")
    with pytest.raises(ValueError, match="2 of the 3 new indicator rows lie outside"):
        replace_rows(con, "a", ROWS, where="area_code = ?", where_params=["E2"])
    assert _values(con, "a") == [("E2", date(2024, 6, 30), 3.0, None, None)]


def test_joins_the_caller_s_transaction(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(RuntimeError), transaction(con):
        replace_rows(con, "a", ROWS)
        raise RuntimeError("a later step of the build failed")
    assert _values(con, "a") == []
