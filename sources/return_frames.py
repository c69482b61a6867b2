"""One frame shape for every table read from the council's returns: fixed columns, dates, the file's line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd


def table_frame(rows: list[dict[str, Any]], columns: list[str], dates: list[str]) -> pd.DataFrame:
    """A frame with fixed columns even when empty, dates as datetime64 (DuckDB lands them as DATE)."""
    frame = pd.DataFrame(rows, columns=[*columns, "_source_row"])
    for column in dates:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
    frame["_source_row"] = frame["_source_row"].astype("int64")
    return frame


@dataclass(frozen=True)
class RowProblem:
    """One value that could not be read: where it is and what is wrong, for the data officer's report."""

    file: str
    line: int
    field: str
    child: str | None
    problem: str
    value: str | None = None
