"""The same rules give the same verdicts, counts and file lines under Great Expectations and DuckDB SQL."""

import duckdb
import pytest

from checks.rules import Suite, between, equal, in_set, matches, not_null, unique
from checks.runner import GX_ENGINE, SQL_ENGINE, run_suite
from checks.stats19 import code_list

SUITE = Suite(
    name="casualties",
    table="landing.casualties",
    select={
        "collision_index": "collision_index",
        "index_year": "try_cast(left(collision_index, 4) as smallint)",
        "collision_year": "collision_year",
        "casualty_reference": "casualty_reference",
        "casualty_severity": "casualty_severity",
        "age_of_casualty": "age_of_casualty",
    },
    rules=(
        not_null("collision_index"),
        matches("collision_index", r"[0-9]{4}[0-9A-Z]{9}", "a well-formed collision index"),
        equal("index_year", "collision_year", "the index starts with the year"),
        unique("collision_index", "casualty_reference"),
        in_set("casualty_severity", [1, 2, 3]),
        between("age_of_casualty", -1, 120),
    ),
)

# _source_row is the line in the file; each bad row breaks exactly one rule.
ROWS = [
    (2, "2024550000001", 2024, 1, 1, 30),
    (3, "2024550000002", 2024, 1, 9, 30),  # severity 9
    (4, "2024550000003", 2024, 1, 3, 130),  # age 130
    (5, None, 2024, 1, 3, 30),  # no index
    (6, "2024-BAD", 2024, 1, 3, 30),  # malformed index
    (7, "2023550000004", 2024, 1, 3, 30),  # index of another year
    (8, "2024550000005", 2024, 1, 2, 40),
    (9, "2024550000005", 2024, 1, 2, 40),  # duplicate of line 8
]


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema landing")
    con.execute(
        "create table landing.casualties (_source_row bigint, collision_index varchar, collision_year smallint, "
        "casualty_reference smallint, casualty_severity tinyint, age_of_casualty smallint)"
    )
    con.executemany("insert into landing.casualties values (?, ?, ?, ?, ?, ?)", ROWS)
    return con


def failing_lines(result) -> dict[str, list[int]]:
    return {
        failure.rule.description: sorted(example["_source_row"] for example in failure.examples)
        for failure in result.failures
    }


EXPECTED = {
    "collision_index is present": [5],
    "collision_index is a well-formed collision index": [6],
    "the index starts with the year": [5, 7],  # no index, no year: a pair rule fails on one missing side
    "(collision_index, casualty_reference) is unique": [8, 9],
    "casualty_severity is in its code list": [3],
    "age_of_casualty is between -1 and 120": [4],
}


@pytest.mark.parametrize(("limit", "engine"), [(1000, GX_ENGINE), (0, SQL_ENGINE)])
def test_both_engines_find_the_same_rows(con: duckdb.DuckDBPyConnection, limit: int, engine: str) -> None:
    result = run_suite(con, SUITE, "collision_year = ?", [2024], gx_row_limit=limit)
    assert result.engine == engine
    assert result.rows == 8
    assert not result.passed
    assert failing_lines(result) == EXPECTED
    assert "6 of 6 rules failed" in result.summary()


def test_clean_rows_pass_and_no_rows_fail(con: duckdb.DuckDBPyConnection) -> None:
    clean = run_suite(con, SUITE, "_source_row in (2, 8)", [], gx_row_limit=0)
    assert clean.passed and clean.failures == []
    empty = run_suite(con, SUITE, "collision_year = ?", [1999])
    assert not empty.passed and empty.summary() == "casualties: no rows to check"


def test_examples_stop_at_twenty(con: duckdb.DuckDBPyConnection) -> None:
    con.executemany(
        "insert into landing.casualties values (?, ?, 2024, 1, 7, 30)",
        [(100 + n, f"2024550{n:06d}") for n in range(30)],
    )
    [severity] = [
        failure
        for failure in run_suite(con, SUITE, "true", [], gx_row_limit=0).failures
        if failure.rule.column == "casualty_severity"
    ]
    assert severity.failing_count == 31
    assert len(severity.examples) == 20


def test_code_lists_come_from_the_data_guide() -> None:
    assert code_list("casualty_severity") == (1, 2, 3)
    assert code_list("enhanced_casualty_severity") == (-1, 1, 3, 5, 6, 7)
    assert 55 in code_list("police_force")  # Dorset
