"""The council's SSDA903 return (CSV tables), each table recognised by its header and read by column name."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from sources.errors import FormatError, not_utf8
from sources.return_frames import RowProblem, table_frame

# Councils' systems write SSDA903 dates as dd/mm/yyyy; some exports use ISO dates, Excel's date-times or
# two-digit years (tried first: '%d/%m/%Y' would read '01/02/24' as the year 24).
DATE_FORMATS = ("%d/%m/%y", "%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S")
# SSDA903 tables by their header (sources.md 4.5); the dates of each are parsed, the rest kept as text.
S903_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "header": (("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"), ("DOB", "MC_DOB")),
    "episodes": (
        (
            "CHILD",
            "DECOM",
            "RNE",
            "LS",
            "CIN",
            "PLACE",
            "PLACE_PROVIDER",
            "DEC",
            "REC",
            "REASON_PLACE_CHANGE",
            "HOME_POST",
            "PL_POST",
            "URN",
        ),
        ("DECOM", "DEC"),
    ),
    "ad1": (
        ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
        ("DOB", "DATE_INT", "DATE_MATCH"),
    ),
    "placed_adoption": (
        ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
        ("DOB", "DATE_PLACED", "DATE_PLACED_CEASED"),
    ),
    "missing": (("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"), ("DOB", "MIS_START", "MIS_END")),
}
# Columns whose values are personal (a child's or mother's id, dates of birth, postcodes): a problem with one of
# them names the file, line and column but never quotes the value, since problems reach the data officer's
# report, the console and Dagster's logs.
PERSONAL = frozenset({"CHILD", "UPN", "DOB", "MC_DOB", "HOME_POST", "PL_POST"})
LEFT_OUT = "(left out: personal)"
# Columns that tell one table from another when a header is incomplete: the error can then name the table.
S903_MARKERS = {
    "episodes": "DECOM",
    "ad1": "DATE_INT",
    "placed_adoption": "DATE_PLACED",
    "missing": "MIS_START",
    "header": "ETHNIC",
}


@dataclass
class S903Table:
    """One SSDA903 CSV table, columns lower-cased, dates parsed, each row with its Excel-style row number."""

    name: str
    frame: pd.DataFrame
    problems: list[RowProblem] = field(default_factory=list)


def s903_table_name(header: list[str]) -> str:
    """Which SSDA903 table a header belongs to; FormatError naming the missing columns if it is incomplete."""
    columns = {column.strip().upper() for column in header}
    for name, (expected, _) in S903_TABLES.items():
        if set(expected) <= columns:
            return name
    for name, marker in S903_MARKERS.items():
        if marker in columns:
            missing = [column for column in S903_TABLES[name][0] if column not in columns]
            raise FormatError("", f"looks like the SSDA903 {name} table but lacks the column(s) {', '.join(missing)}")
    raise FormatError(
        "", "the header is not one of the SSDA903 tables (header, episodes, AD1, PlacedAdoption, Missing)"
    )


def read_s903(path: Path, max_bytes: int) -> S903Table:
    """Read one SSDA903 CSV table, recognised by its header; dates that do not parse become RowProblems."""
    name = path.name
    size = path.stat().st_size
    if size > max_bytes:
        raise FormatError(name, f"the file is {size:,} bytes, over the configured limit of {max_bytes:,}")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise not_utf8(name, path) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise FormatError(name, "the file is empty")
    try:
        table = s903_table_name(header)
    except FormatError as error:
        raise FormatError(name, error.problem, line=1) from None
    expected, date_columns = S903_TABLES[table]
    position = {column.strip().upper(): index for index, column in enumerate(header)}
    rows, problems = [], []
    for row_number, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            raise FormatError(name, f"expected {len(header)} values but found {len(values)}", line=row_number)
        record: dict[str, Any] = {}
        for column in expected:
            value = values[position[column]].strip()
            record[column.lower()] = value or None
        for column in date_columns:
            raw = record[column.lower()]
            parsed = _s903_date(raw)
            if raw is not None and parsed is None:
                shown = LEFT_OUT if column in PERSONAL else raw
                problems.append(
                    RowProblem(name, row_number, column, record["child"], "not a date in a format councils use", shown)
                )
            record[column.lower()] = parsed
        record["_source_row"] = row_number
        rows.append(record)
    # A table with a header and no rows is a real answer (no child went missing this quarter).
    frame = table_frame(rows, [column.lower() for column in expected], [column.lower() for column in date_columns])
    return S903Table(table, frame, problems)


def _s903_date(value: str | None) -> date | None:
    if value is None:
        return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None
