"""Report tools can open what the main job publishes (issue 12): the snapshot with older DuckDB releases (every
query of the README's report-tools section, in a subprocess of each), portable column types, a comment on every
table and column, Parquet and CSV exports equal to the snapshot's tables, and the council's Excel workbook."""

import json
import math
import re
import subprocess
import textwrap
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT
from tests.reader_support import (
    COMMAND_LINE_READER,
    OLDEST_PYTHON_READER,
    read_workbook,
    reader_environment,
    table_rows,
)
from warehouse.publish import CHILD_LEVEL_PREFIX, PUBLISHED_SCHEMAS

COUNCIL = "E06000059"  # the default council the main job reports on


def readme_queries() -> list[str]:
    """Every SQL statement in the README's "Reading the warehouse from report tools" section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Reading the warehouse from report tools", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, flags=re.S)
    statements = []
    for block in blocks:
        text = "\n".join(line for line in block.splitlines() if not line.strip().startswith("--"))
        statements += [statement.strip() for statement in text.split(";") if statement.strip()]
    return statements


@pytest.fixture(scope="module")
def published(main_run) -> Path:
    completed, data = main_run
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return data / "published" / "outcomes.duckdb"


def _rows_now(snapshot: Path, query: str) -> list[list[object]]:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        return json.loads(json.dumps([list(row) for row in con.execute(query).fetchall()], default=str))
    finally:
        con.close()


def test_the_readme_lists_the_report_queries() -> None:
    queries = readme_queries()
    assert len(queries) >= 6
    assert all(query.lower().startswith(("select", "with")) for query in queries)


def test_the_snapshot_is_in_storage_format_64(published: Path) -> None:
    header = published.read_bytes()[:20]
    assert header[8:12] == b"DUCK"
    assert int.from_bytes(header[12:20], "little") == 64  # what DuckDB 0.10.3 and 1.0.0-1.1.3 write; 2.0.1: 69


def test_the_oldest_duckdb_runs_every_readme_query_with_the_same_answers(published: Path) -> None:
    environment = reader_environment(OLDEST_PYTHON_READER)
    queries = readme_queries()
    script = textwrap.dedent(
        """
        import json, sys
        import duckdb
        con = duckdb.connect(sys.argv[1], read_only=True)
        answers = [json.loads(json.dumps([list(row) for row in con.execute(q).fetchall()], default=str))
                   for q in json.loads(sys.argv[2])]
        print(json.dumps({"version": duckdb.__version__, "answers": answers}))
        """
    )
    completed = subprocess.run(
        [str(environment / "bin" / "python"), "-c", script, str(published), json.dumps(queries)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout)
    assert result["version"] == OLDEST_PYTHON_READER.split("==")[1]
    for query, answer in zip(queries, result["answers"], strict=True):
        assert answer, f"no rows from the older DuckDB for:\n{query}"
        assert sorted(map(json.dumps, answer)) == sorted(map(json.dumps, _rows_now(published, query))), query


def test_the_duckdb_command_line_from_pypi_runs_every_readme_query(published: Path) -> None:
    """duckdb-cli 1.5.x refused the snapshot before issue 12 ("version number 69 ... between 64 and 68")."""
    environment = reader_environment(COMMAND_LINE_READER)
    for query in readme_queries():
        completed = subprocess.run(
            [str(environment / "bin" / "duckdb"), "-readonly", "-json", str(published), "-c", query],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert completed.returncode == 0 and not completed.stderr, f"{query}\n{completed.stderr}"
        assert len(json.loads(completed.stdout)) == len(_rows_now(published, query)) > 0, query


def test_published_columns_have_portable_types_and_every_table_and_column_a_comment(published: Path) -> None:
    con = duckdb.connect(str(published), read_only=True)
    try:
        columns = con.execute(
            "select schema_name || '.' || table_name, column_name, data_type, comment from duckdb_columns() "
            "where database_name = 'outcomes' and not internal"
        ).fetchall()
        tables = con.execute(
            "select schema_name, table_name, comment from duckdb_tables() where database_name = 'outcomes'"
        ).fetchall()
        definitions = con.execute("select indicator_id, definition from marts.indicator_catalogue").fetchall()
    finally:
        con.close()
    assert {schema for schema, _, _ in tables} == set(PUBLISHED_SCHEMAS)
    assert not [table for _, table, _ in tables if table.startswith(CHILD_LEVEL_PREFIX)]
    assert len(tables) >= 15 and len(columns) >= 300
    assert not [table for _, table, comment in tables if not comment], "a published table has no comment"
    assert not [(table, column) for table, column, _, comment in columns if not comment]
    odd = [(table, column, kind) for table, column, kind, _ in columns if kind in ('"NULL"', "NULL", "TIMESTAMP_NS")]
    assert not odd, odd
    assert {kind for _, _, kind, _ in columns} <= {
        "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "DOUBLE", "VARCHAR", "DATE", "TIMESTAMP",
    }  # fmt: skip
    comments = {(table, column): comment for table, column, _, comment in columns}
    assert comments[("marts.indicator_report", "published_at")].startswith("The publisher's Last-Modified")
    indicator_comment = comments[("marts.indicator_values", "indicator_id")]
    for indicator, definition in definitions:
        assert f"{indicator} = " in indicator_comment and definition in indicator_comment
    generic = [key for key, comment in comments.items() if "not yet defined" in comment and key[0].startswith("marts")]
    assert not generic, "every marts column is in warehouse/reference/published_columns.csv"


def _fingerprint(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[int, int]:
    """Row count and an order-free hash of every row with every value as text (CSV has no types)."""
    return con.execute(
        f"select count(*), coalesce(sum(hash(*columns(*))::hugeint), 0) "
        f"from (select columns(*)::varchar from {relation})"
    ).fetchall()[0]


def test_exports_hold_every_marts_table_row_for_row(published: Path) -> None:
    folder = published.parent / "exports"
    con = duckdb.connect(str(published), read_only=True)
    try:
        query = "select table_name from duckdb_tables() where schema_name = 'marts'"
        marts = [row[0] for row in con.execute(query).fetchall()]
        files = sorted(path.name for path in folder.iterdir())
        expected = sorted(f"marts.{table}.{kind}" for table in marts for kind in ("csv", "parquet"))
        assert files == sorted([*expected, f"outcomes-{COUNCIL}.xlsx"])
        assert not list(published.parent.glob(".*partial")) and not list(folder.glob(".*"))
        for table in marts:
            snapshot = _fingerprint(con, f"marts.{table}")
            parquet = _fingerprint(con, f"read_parquet('{folder / f'marts.{table}.parquet'}')")
            # Text exactly as written: an empty string is "" in the file, a null is nothing at all.
            options = "header = true, all_varchar = true, allow_quoted_nulls = false"
            csv = _fingerprint(con, f"read_csv('{folder / f'marts.{table}.csv'}', {options})")
            assert snapshot == parquet == csv, table
            assert snapshot[0] == con.execute(f"select count(*) from marts.{table}").fetchall()[0][0]
    finally:
        con.close()


def test_the_workbook_has_a_sheet_per_council_indicator_with_its_values(published: Path) -> None:
    workbook = read_workbook(published.parent / "exports" / f"outcomes-{COUNCIL}.xlsx")
    con = duckdb.connect(str(published), read_only=True)
    try:
        indicators = [
            row[0]
            for row in con.execute(
                "select indicator_id from marts.indicator_report where area_code = ? "
                "group by indicator_id order by min(page_order), indicator_id",
                [COUNCIL],
            ).fetchall()
        ]
        assert len(indicators) >= 10
        assert list(workbook) == ["Contents", *(indicator[:31] for indicator in indicators)]
        contents = table_rows(workbook["Contents"], "contents")
        assert [row["Indicator"] for row in contents] == indicators
        for indicator in indicators:
            sheet = workbook[indicator[:31]]
            title, definition, source = con.execute(
                "select title, definition, source from marts.indicator_catalogue where indicator_id = ?", [indicator]
            ).fetchall()[0]
            texts = set(sheet["cells"].values())
            assert {title, definition, source} <= texts, indicator
            cards = table_rows(sheet, f"cards_{indicator}")
            expected = con.execute(
                "select period_label, value from marts.indicator_report where area_code = ? and indicator_id = ? "
                "order by page_order, indicator_id, period_type, period_end, variant",
                [COUNCIL, indicator],
            ).fetchall()
            assert len(cards) == len(expected), indicator
            for card, (label, value) in zip(cards, expected, strict=True):
                assert card["period_label"] == label and _same(card["value"], value), (indicator, label)
            series = table_rows(sheet, f"series_{indicator}")
            assert series and "England" in series[0], indicator
            council = [column for column in series[0] if column.endswith("(council)")]
            assert council == ["Dorset (council)"]
            shown = {(row["variant"], row["period_label"]): row[council[0]] for row in series}
            values = con.execute(
                "select variant, period_label, value from marts.indicator_values "
                "where area_code = ? and indicator_id = ?",
                [COUNCIL, indicator],
            ).fetchall()
            assert len(shown) == len(values), indicator
            for variant, label, value in values:
                assert _same(shown[(variant, label)], value), (indicator, variant, label)
    finally:
        con.close()


def _same(shown: object, value: float | None) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return shown is None
    return isinstance(shown, float) and math.isclose(shown, value, rel_tol=1e-12, abs_tol=1e-12)
