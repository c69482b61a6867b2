"""`warehouse.database.transaction`: all or nothing, re-entrant, and the original error is the one raised."""

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from warehouse.database import migrate, transaction, transaction_open
from warehouse.landing import land_frame


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create table t (x integer)")
    yield con
    con.close()


def _committed(con: duckdb.DuckDBPyConnection) -> list[int]:
    """What another connection sees: only committed rows."""
    return [row[0] for row in con.cursor().execute("select x from t order by x").fetchall()]


def test_commits_when_the_block_ends(con: duckdb.DuckDBPyConnection) -> None:
    with transaction(con) as inside:
        inside.execute("insert into t values (1)")
        assert _committed(con) == []
    assert _committed(con) == [1]


def test_rolls_back_and_re_raises_the_error(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="broken"), transaction(con):
        con.execute("insert into t values (1)")
        raise ValueError("broken")
    assert _committed(con) == []
    con.execute("begin transaction")  # nothing left open
    con.execute("rollback")


def test_a_failed_statement_rolls_back_with_duckdb_s_own_error(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(duckdb.ConversionException), transaction(con):
        con.execute("insert into t values (1)")
        con.execute("insert into t values ('not a number')")
    assert _committed(con) == []


def test_an_interrupt_rolls_back_too(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(KeyboardInterrupt), transaction(con):
        con.execute("insert into t values (1)")
        raise KeyboardInterrupt
    assert _committed(con) == []


def test_an_inner_transaction_joins_the_outer_one(con: duckdb.DuckDBPyConnection) -> None:
    with transaction(con):
        con.execute("insert into t values (1)")
        with transaction(con):
            con.execute("insert into t values (2)")
        assert _committed(con) == []  # the inner block did not commit
        con.execute("insert into t values (3)")
    assert _committed(con) == [1, 2, 3]


def test_an_error_in_the_inner_block_rolls_back_the_whole_outer_one(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="inner"), transaction(con):
        con.execute("insert into t values (1)")
        with transaction(con):
            con.execute("insert into t values (2)")
            raise ValueError("inner")
    assert _committed(con) == []


def test_a_warehouse_function_called_inside_a_transaction_joins_it(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    migrate(con)
    frame = pd.DataFrame({"year": [2024, 2024], "value": [1.0, 2.0], "_source_row": [2, 3]})
    land_frame(con, frame, "t", "year", [2024], "first")
    with pytest.raises(RuntimeError), transaction(con):
        assert land_frame(con, frame.assign(value=[5.0, 6.0]), "t", "year", [2024], "second") == 2
        raise RuntimeError("a later step of the same transaction failed")
    assert con.execute("select _load_id, value from landing.t order by value").fetchall() == [
        ("first", 1.0),
        ("first", 2.0),
    ]


def test_transaction_open_tells_autocommit_from_an_open_transaction(con: duckdb.DuckDBPyConnection) -> None:
    assert not transaction_open(con)
    with transaction(con):
        assert transaction_open(con)
    assert not transaction_open(con)


def test_begin_is_not_tried_inside_an_open_transaction(con: duckdb.DuckDBPyConnection) -> None:
    """DuckDB aborts the open transaction when `begin` fails inside it, so the helper must never try."""
    con.execute("begin transaction")
    con.execute("insert into t values (1)")
    with transaction(con):
        con.execute("insert into t values (2)")
    assert con.execute("select count(*) from t").fetchall() == [(2,)]  # not "Current transaction is aborted"
    con.execute("commit")
    assert _committed(con) == [1, 2]


class _Result:
    def __init__(self, rows: list[tuple[int]]) -> None:
        self.rows = rows

    def fetchall(self) -> list[tuple[int]]:
        return self.rows


class _FullDisk:
    """A connection whose commit fails on a full disk, after which DuckDB has no transaction to roll back."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.transaction_ids = 0

    def execute(self, statement: str, *args: object) -> _Result:
        if statement == "select current_transaction_id()":  # autocommit: a new id each statement
            self.transaction_ids += 1
            return _Result([(self.transaction_ids,)])
        self.statements.append(statement)
        if statement == "commit":
            raise OSError(28, "No space left on device")
        if statement == "rollback":
            raise duckdb.TransactionException("cannot rollback - no transaction is active")
        return _Result([])


def test_a_failed_commit_raises_its_own_error_not_the_rollback_s() -> None:
    fake = _FullDisk()
    with pytest.raises(OSError, match="No space left on device") as raised, transaction(fake):  # type: ignore[arg-type]
        fake.execute("insert into t values (1)")
    assert raised.value.errno == 28
    assert not isinstance(raised.value, duckdb.Error)
    assert any("cannot rollback - no transaction is active" in note for note in raised.value.__notes__)
    assert fake.statements == ["begin transaction", "insert into t values (1)", "commit", "rollback"]


def test_a_failed_rollback_does_not_hide_the_block_s_error() -> None:
    fake = _FullDisk()
    with pytest.raises(ValueError, match="the block's own") as raised, transaction(fake):  # type: ignore[arg-type]
        raise ValueError("the block's own error")
    assert "cannot rollback" in raised.value.__notes__[0]


def test_a_begin_that_fails_for_another_reason_is_raised(con: duckdb.DuckDBPyConnection) -> None:
    con.close()
    ran = False
    with pytest.raises(duckdb.ConnectionException), transaction(con):
        ran = True
    assert not ran
