"""The lead officers' commentary: one CSV per report period in the commentary folder, edited in Excel.

A file is named by the report period it comments on (`YYYY-MM-DD.csv`, the date the report's data run to) and
has one row per indicator: `indicator`, `commentary`, `actions`, `risk_level`, `officer`. Excel saves CSV as
UTF-8 with a byte-order mark or as Windows-1252; both are read. Every problem is a `FormatError` naming the file,
the row (as Excel numbers it: the header is row 1) and the column, so the officer can find it.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from io import StringIO
from pathlib import Path

import pandas as pd

from sources.errors import FormatError

COLUMNS = ("indicator", "commentary", "actions", "risk_level", "officer")
# The bundled illustrative commentary for Dorset, read when no commentary folder is configured.
BUNDLED = Path(__file__).resolve().parent / "samples" / "commentary"
FILE_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})\.csv$")


def commentary_files(folder: Path) -> list[Path]:
    """The folder's commentary files, oldest period first; a CSV not named by a date stops the run by name."""
    if not folder.is_dir():
        return []
    files = sorted(path for path in folder.iterdir() if path.suffix.lower() == ".csv")
    for path in files:
        period_of(path)
    return files


def period_of(path: Path) -> str:
    """The report period a file comments on, from its name."""
    match = FILE_NAME.match(path.name)
    try:
        return date.fromisoformat(match.group(1)).isoformat() if match else _misnamed(path)
    except ValueError:
        return _misnamed(path)


def _misnamed(path: Path) -> str:
    raise FormatError(
        str(path), "a commentary file is named by its report period, YYYY-MM-DD.csv (e.g. 2025-12-31.csv)"
    )


def _text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def read_commentary(path: Path, indicators: set[str], risk_levels: list[str]) -> pd.DataFrame:
    """The file's rows, checked: a known indicator (once), commentary and officer present, a risk level on the
    council's scale (matched without regard to case, written as the scale writes it)."""
    file = str(path)
    frame = pd.read_csv(StringIO(_text(path)), dtype=str, keep_default_na=False, skip_blank_lines=True)
    frame.columns = [str(column).strip().lower().replace(" ", "_") for column in frame.columns]
    missing = [column for column in COLUMNS if column not in frame.columns]
    if missing:
        raise FormatError(file, f"missing column(s) {', '.join(missing)}; the header must be {','.join(COLUMNS)}", 1)
    if frame.empty:
        raise FormatError(file, "the file has a header but no rows", 2)
    scale = {level.lower(): level for level in risk_levels}
    problems: list[tuple[int, str, str]] = []
    seen: dict[str, int] = {}
    rows = []
    for index, row in frame.iterrows():
        line = int(index) + 2
        values = {column: str(row[column]).strip() for column in COLUMNS}
        indicator = values["indicator"]
        if indicator not in indicators:
            problems.append((line, "indicator", f"unknown indicator {indicator!r} (see indicator_catalogue.csv)"))
        elif indicator in seen:
            problems.append((line, "indicator", f"{indicator} is already on row {seen[indicator]}"))
        seen.setdefault(indicator, line)
        for column in ("commentary", "officer"):
            if not values[column]:
                problems.append((line, column, f"the {column.replace('_', ' ')} is empty"))
        if values["risk_level"].lower() not in scale:
            problems.append(
                (line, "risk_level", f"risk level {values['risk_level']!r} is not one of {', '.join(risk_levels)}")
            )
        rows.append(
            {
                "period": period_of(path),
                "indicator_id": indicator,
                "commentary": values["commentary"],
                "actions": values["actions"],
                "risk_level": scale.get(values["risk_level"].lower(), values["risk_level"]),
                "officer": values["officer"],
                "source_file": path.name,
                "_source_row": line,
            }
        )
    if problems:
        line, column, problem = problems[0]
        more = "".join(f"; row {other[0]}, column {other[1]!r}: {other[2]}" for other in problems[1:])
        raise FormatError(file, f"row {line}: {problem}{more}", line, column)
    return pd.DataFrame(rows)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
