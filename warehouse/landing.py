"""Landing a delivered file: replace its partitions in `landing.*` in one transaction, reconciled to the file.

A partition re-run replaces that partition; nothing is appended twice. If the file cannot be read, or
the rows read do not add up to the file's data lines, the transaction rolls back and the error names the
file, the line and the column, so the warehouse stays exactly as it was.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb
import pandas as pd

from warehouse.database import transaction

CHUNK_BYTES = 8 << 20


class LoadError(ValueError):
    """A file could not be landed; the message names the file, and the line and column where known."""

    def __init__(self, file: str, problem: str, line: int | None = None, column: str | None = None) -> None:
        where = (
            file
            + (f", line {line}" if line is not None else "")
            + (f", column {column!r}" if column is not None else "")
        )
        super().__init__(f"{where}: {problem}")
        self.file = file
        self.line = line
        self.column = column
        self.problem = problem


class Scan(Protocol):
    """A typed read of one file that yields canonical columns plus `_source_row`, the line each row is on."""

    file: Path
    sql: str


@dataclass(frozen=True)
class Landed:
    rows_in_file: int
    rows_loaded: int


def count_data_lines(path: Path) -> int:
    """Data lines in a delimited text file: newline count, plus an unterminated last line, minus the header."""
    lines = 0
    last = b"\n"
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


def land(
    con: duckdb.DuckDBPyConnection,
    scan: Scan,
    table: str,
    partition_column: str,
    partitions: list[int] | list[str],
    load_id: str,
) -> Landed:
    """Replace `partitions` of `landing.<table>` with the file's rows for them, in one transaction, in one read.

    The rows come numbered by their line (the scan's `with ordinality`), so a national file that serves some
    years is read once. Whether the read saw every data line (a broken quote or line ending would merge or split
    lines) is settled in the same read: the file's last data line is inserted whatever its partition, and its
    line number must be the one the newline count gives; the probe row is then removed if it is not wanted.
    """
    file = str(scan.file)
    rows_in_file = count_data_lines(scan.file)
    if rows_in_file == 0:
        raise LoadError(file, "the file has a header but no data rows")
    target = f"landing.{table}"
    last_line = rows_in_file + 1
    with transaction(con):
        con.execute(
            f"create table if not exists {target} as "
            f"select *, cast(null as varchar) as _load_id from ({scan.sql}) limit 0"
        )
        con.execute(f"delete from {target} where list_contains(?, {partition_column})", [partitions])
        _insert(con, scan.sql, target, partition_column, partitions, load_id, file, last_line)
        read_to = con.execute(f"select max(_source_row) from {target} where _load_id = ?", [load_id]).fetchall()[0][0]
        if read_to != last_line:
            seen = "did not reach" if (read_to or 0) < last_line else "went past"
            raise LoadError(
                file,
                f"the read {seen} the file's last data line (line {last_line:,} of {rows_in_file:,} data lines): "
                "a blank line, a broken quote or a stray line ending moves the lines, so nothing was loaded",
            )
        con.execute(
            f"delete from {target} where _load_id = ? and not list_contains(?, {partition_column})",
            [load_id, partitions],
        )
        rows_loaded = con.execute(f"select count(*) from {target} where _load_id = ?", [load_id]).fetchall()[0][0]
        if rows_loaded == 0:
            raise LoadError(file, f"no rows for {partition_column} in {list(partitions)}")
    return Landed(rows_in_file=rows_in_file, rows_loaded=rows_loaded)


def _insert(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    target: str,
    partition_column: str,
    partitions: list[int] | list[str],
    load_id: str,
    file: str,
    last_line: int,
) -> None:
    """Insert the read's rows for `partitions`, and every row from the file's last data line on (the probe)."""
    try:
        con.execute(
            f"insert into {target} by name select *, ? as _load_id from ({sql}) "
            f"where list_contains(?, {partition_column}) or _source_row >= ?",
            [load_id, partitions, last_line],
        )
    except duckdb.Error as error:
        raise _load_error(file, error) from None


def _load_error(file: str, error: duckdb.Error) -> LoadError:
    """Turn DuckDB's CSV error into one line that names the file, the line and the column."""
    text = str(error)
    line_match = re.search(r"CSV Error on Line: (\d+)", text)
    column_match = re.search(r'converting column "([^"]+)"', text)
    original = re.search(r"Original Line: (.*)", text)
    if "Expected Number of Columns" in text:
        counts = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
        problem = (
            f"expected {counts.group(1)} columns but found {counts.group(2)} (a cut-short or malformed row)"
            if counts
            else "wrong number of columns"
        )
    elif column_match:
        value = re.search(r'Could not convert string "([^"]*)" to \'?(\w+)', text)
        problem = f"value {value.group(1)!r} is not a valid {value.group(2)}" if value else "value of the wrong type"
    elif "unterminated quote" in text:
        problem = "a value with an unterminated quote"
    elif "Invalid unicode" in text and line_match:
        line = int(line_match.group(1))
        return LoadError(
            file,
            "a byte that is not UTF-8: the publishers' files are UTF-8, so this copy was probably re-saved in "
            "Windows-1252; download it again, or save it from Excel as 'CSV UTF-8'",
            line=line,
            column=_undecodable_column(Path(file), line),
        )
    else:
        problem = text.splitlines()[0]
    if original:
        problem += f" (line reads: {original.group(1)[:160]})"
    return LoadError(
        file,
        problem,
        line=int(line_match.group(1)) if line_match else None,
        column=column_match.group(1) if column_match else None,
    )


def _undecodable_column(path: Path, line: int) -> str | None:
    """The header's name for the field of `line` that holds the first byte that is not UTF-8."""
    with open(path, "rb") as handle:
        header = next(csv.reader([handle.readline().decode("utf-8-sig", "replace")]), [])
        for number, content in enumerate(handle, start=2):
            if number == line:
                try:
                    content.decode("utf-8")
                except UnicodeDecodeError as error:
                    before = content[: error.start].decode("utf-8")
                    index = max(len(next(csv.reader([before]), [])), 1) - 1
                    return header[index].strip() if index < len(header) else None
                return None
    return None


def land_frame(
    con: duckdb.DuckDBPyConnection,
    frame: pd.DataFrame,
    table: str,
    partition_column: str,
    partitions: list[int] | list[str],
    load_id: str,
) -> int:
    """Replace `partitions` of `landing.<table>` with a parsed frame's rows, in one transaction.

    For the small publishers' files that are parsed with pandas; the frame must carry `_source_row`.
    The first load creates the table from the frame's columns; later loads insert by name, so a frame
    that lacks a column the table has fails loudly instead of shifting values.
    """
    if "_source_row" not in frame.columns:
        raise ValueError("a landed frame must carry _source_row (the line in the file)")
    target = f"landing.{table}"
    incoming = frame.assign(_load_id=load_id)
    con.register("incoming_frame", incoming)
    try:
        with transaction(con):
            con.execute(f"create table if not exists {target} as select * from incoming_frame limit 0")
            con.execute(f"delete from {target} where list_contains(?, {partition_column})", [partitions])
            con.execute(
                f"insert into {target} by name select * from incoming_frame where list_contains(?, {partition_column})",
                [partitions],
            )
            rows = con.execute(f"select count(*) from {target} where _load_id = ?", [load_id]).fetchall()[0][0]
    finally:
        con.unregister("incoming_frame")
    return rows
