"""Exports beside the published snapshot, for tools that cannot open DuckDB at all: Parquet and CSV of every
`marts` table, and one Excel workbook for the council (a contents sheet, then a sheet per indicator with the
council's report cards, the series with England, the region and the statistical neighbours, and the definition
and source).

Every file is written under a hidden `.<name>.partial` name and renamed only after the snapshot is swapped in, so
a reader never sees half a file. A file is rewritten only when what it is made of changed (its table's
fingerprint; for the workbook, the council and the fingerprints of the tables it reads) or it is missing or
was changed by someone else (its size and modification time differ from those recorded in the manifest).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

FORMATS = ("parquet", "csv")
WORKBOOK = "workbook"
# Bump when the workbook's layout changes, so the next publish rewrites it.
WORKBOOK_FORMAT = 1
WORKBOOK_TABLES = (
    "marts.indicator_report",
    "marts.indicator_values",
    "marts.indicator_catalogue",
    "marts.areas",
    "marts.statistical_neighbours",
)
ENGLAND = "E92000001"
# The report card columns each indicator's sheet shows, in order (the CSV and Parquet exports have them all).
CARD_COLUMNS = [
    "period_type", "period_label", "period_start", "period_end", "variant", "value", "lower_95", "upper_95",
    "numerator", "denominator", "value_status", "status_token", "england_value", "vs_england", "region_value",
    "vs_region", "neighbours_mean", "neighbours_count", "vs_neighbours", "significance_basis",
    "previous_period_label", "previous_value", "direction_of_travel", "trend", "target", "rag_status", "caveats",
    "ci_method", "source_url", "as_of",
]  # fmt: skip
CONTENTS_COLUMNS = ["indicator_id", "title", "unit", "period_label", "value", "england_value", "vs_england",
                    "direction_of_travel", "rag_status"]  # fmt: skip
CONTENTS_HEADER = ["Indicator", "Title", "Unit", "Latest period", "Value", "England", "Compared with England",
                   "Direction of travel", "RAG"]  # fmt: skip
SERIES_KEY = ["variant", "period_type", "period_label", "period_start", "period_end"]
ABOUT = [
    ("Indicator", "indicator_id"),
    ("Title", "title"),
    ("Definition", "definition"),
    ("Unit", "unit"),
    ("Polarity", "polarity"),
    ("Frequency", "frequency"),
    ("Source", "source"),
    ("Method", "method"),
    ("Comparators", "comparators"),
    ("Report note", "report_note"),
]


@dataclass
class Written:
    """What `write_exports` did: every export file now current (for the manifest), the partial files waiting to
    be renamed, and the names rewritten."""

    files: dict[str, dict] = field(default_factory=dict)
    partials: list[tuple[str, Path, Path]] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)
    seconds: float = 0.0


def write_exports(
    con: duckdb.DuckDBPyConnection,
    database: str,
    tables: dict[str, str],
    fingerprints: dict[str, str],
    folder: Path,
    previous: dict[str, dict[str, object]],
    council: str | None,
    workbook_name: str | None,
) -> Written:
    """Write the exports of `tables` (each `select <its select list> from <database>.<table>`, the same rows the
    snapshot gets) that are missing or changed, under partial names; with `council`, its workbook too."""
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    written = Written()
    for table, select in tables.items():
        names = [f"{table}.{kind}" for kind in FORMATS]
        written.files[table] = {"fingerprint": fingerprints[table], "files": {}}
        if _current(folder, previous.get(table), fingerprints[table], names):
            written.files[table]["files"] = previous[table]["files"]
            continue
        for kind, name in zip(FORMATS, names, strict=True):
            partial = _partial(folder, name)
            options = "format parquet" if kind == "parquet" else "format csv, header true"
            con.execute(f"copy (select {select} from {database}.{table}) to '{_quoted(partial)}' ({options})")
            written.partials.append((table, partial, folder / name))
    if council and workbook_name and all(table in fingerprints for table in WORKBOOK_TABLES):
        inputs = {table: fingerprints[table] for table in WORKBOOK_TABLES}
        print_ = _digest(json.dumps([WORKBOOK_FORMAT, council, inputs], sort_keys=True))
        written.files[WORKBOOK] = {"fingerprint": print_, "files": {}}
        if _current(folder, previous.get(WORKBOOK), print_, [workbook_name]):
            written.files[WORKBOOK]["files"] = previous[WORKBOOK]["files"]
        else:
            partial = _partial(folder, workbook_name)
            write_workbook(con, database, council, partial)
            written.partials.append((WORKBOOK, partial, folder / workbook_name))
    written.seconds = time.perf_counter() - started
    return written


def swap_in(written: Written, folder: Path, previous: dict[str, dict[str, object]]) -> None:
    """Rename the partial files into place, record their size and time, and remove exports no longer made."""
    for key, partial, final in written.partials:
        os.replace(partial, final)
        stat = final.stat()
        written.files[key]["files"][final.name] = [stat.st_size, stat.st_mtime_ns]
        written.rewritten.append(final.name)
    keep = {name for entry in written.files.values() for name in entry["files"]}
    for entry in previous.values():
        for name in entry.get("files", {}):
            if name not in keep:
                (folder / name).unlink(missing_ok=True)


def discard_partials(folder: Path) -> None:
    """Remove partial files left by a publish that failed."""
    for path in folder.glob(".*.partial") if folder.exists() else []:
        path.unlink(missing_ok=True)


def _current(folder: Path, recorded: dict | None, print_: str, names: list[str]) -> bool:
    if not recorded or recorded.get("fingerprint") != print_ or sorted(recorded.get("files", {})) != sorted(names):
        return False
    for name, (size, mtime_ns) in recorded["files"].items():
        try:
            stat = (folder / name).stat()
        except OSError:
            return False
        if (stat.st_size, stat.st_mtime_ns) != (size, mtime_ns):
            return False
    return True


def write_workbook(con: duckdb.DuckDBPyConnection, database: str, council: str, path: Path) -> int:
    """The council's workbook: a contents sheet and a sheet per indicator it has report cards for; returns how
    many indicator sheets it has."""
    marts = f"{database}.marts"
    cards = _records(
        con,
        f"select * from {marts}.indicator_report where area_code = ? "
        "order by page_order, indicator_id, period_type, period_end, variant",
        [council],
    )
    catalogue = {row["indicator_id"]: row for row in _records(con, f"select * from {marts}.indicator_catalogue")}
    names = dict(con.execute(f"select area_code, area_name from {marts}.areas").fetchall())
    version = next((row["neighbours_version"] for row in cards if not _blank(row["neighbours_version"])), None)
    neighbours = [
        code
        for (code,) in con.execute(
            f"select neighbour_code from {marts}.statistical_neighbours where area_code = ? "
            f"and version = coalesce(?, (select max(version) from {marts}.statistical_neighbours)) "
            "order by try_cast(neighbour_rank as integer), neighbour_code",
            [council, version],
        ).fetchall()
    ]
    region = next((row["region_code"] for row in cards if not _blank(row["region_code"])), None)
    others = [code for code in neighbours if code not in (council, ENGLAND, region)]
    areas = [council, ENGLAND, *([region] if region else []), *others]
    by_indicator: dict[str, list[dict]] = {}
    for row in cards:
        by_indicator.setdefault(row["indicator_id"], []).append(row)
    # Every series the council has for each indicator (each variant and period type, its own returns included),
    # with England, the region and the neighbours for the same period.
    series: dict[str, dict[tuple, dict[str, object]]] = {}
    for indicator, *period, area, value, status in con.execute(
        f"select indicator_id, {', '.join(SERIES_KEY)}, area_code, value, value_status "
        f"from {marts}.indicator_values where list_contains(?, indicator_id) and list_contains(?, area_code) "
        "order by indicator_id, variant, period_type, period_end, period_start",
        [list(by_indicator), areas],
    ).fetchall():
        values = series.setdefault(indicator, {}).setdefault(tuple(period), {})
        values[area] = value
        if area == council:
            values["status"] = status
    labels = [f"{names.get(council) or council} (council)", "England"]
    labels += [f"{names.get(region) or region} (region)"] if region else []
    labels += [f"{names.get(code) or code} (neighbour)" for code in others]

    workbook = xlsxwriter.Workbook(str(path), {"in_memory": True, "remove_timezone": True})
    styles = _Styles(workbook)
    sheet_names = _sheet_names(list(by_indicator))
    contents = workbook.add_worksheet("Contents")
    contents.write_string(0, 0, f"Outcomes indicators for {names.get(council) or council} ({council})", styles.title)
    contents.write_string(
        1,
        0,
        "One sheet per indicator: the report cards for the council, the series with England, the region and "
        "the statistical neighbours, and the indicator's definition and source. Every marts table is beside this "
        "workbook as CSV and Parquet.",
    )
    rows = []
    for indicator, own in by_indicator.items():
        latest = max(own, key=lambda row: row["period_end"])
        rows.append([*(latest[column] for column in CONTENTS_COLUMNS), catalogue.get(indicator, {}).get("source")])
    _table(contents, 3, [*CONTENTS_HEADER, "Source"], rows, "contents", styles)
    for index, indicator in enumerate(by_indicator):
        contents.write_url(4 + index, 0, f"internal:'{sheet_names[indicator]}'!A1", string=indicator)
    contents.set_column(0, 0, 38)
    contents.set_column(1, 1, 60)
    contents.set_column(2, len(CONTENTS_HEADER), 16)
    for indicator, own in by_indicator.items():
        sheet = workbook.add_worksheet(sheet_names[indicator])
        about = catalogue.get(indicator, {"indicator_id": indicator})
        row = _about(sheet, about, own, styles)
        sheet.write_string(row, 0, f"Report cards for {names.get(council) or council} ({council})", styles.heading)
        columns = [column for column in CARD_COLUMNS if column in own[0]]
        values = [[card[column] for column in columns] for card in own]
        _table(sheet, row + 1, columns, values, f"cards_{indicator}", styles)
        row += len(own) + 4
        sheet.write_string(row, 0, "Series: the council, England, the region and the neighbours", styles.heading)
        lines = []
        for period, values in series.get(indicator, {}).items():
            if "status" not in values:  # a period the council has no value row for is not in its series
                continue
            present = [values[code] for code in others if not _blank(values.get(code))]
            mean = sum(present) / len(present) if present else None
            lines.append([*period, *(values.get(code) for code in areas), mean, values["status"]])
        header = [*SERIES_KEY, *labels, "Neighbours' mean", "Council value_status"]
        _table(sheet, row + 1, header, lines, f"series_{indicator}", styles)
        sheet.set_column(0, 0, 22)
        sheet.set_column(1, 1, 60)
        sheet.set_column(2, len(header), 16)
    workbook.close()
    return len(by_indicator)


class _Styles:
    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.heading = workbook.add_format({"bold": True, "font_size": 12})
        self.label = workbook.add_format({"bold": True, "valign": "top"})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})


def _about(sheet: Worksheet, about: dict, cards: list[dict], styles: _Styles) -> int:
    """The indicator's title, definition and source at the top of its sheet; returns the next free row."""
    sheet.write_string(0, 0, str(about.get("title") or about["indicator_id"]), styles.title)
    row = 2
    urls = [url for url in dict.fromkeys(card["source_url"] for card in cards) if not _blank(url)]
    for label, value in [*((label, about.get(key)) for label, key in ABOUT), ("Source files", "\n".join(urls))]:
        if not _blank(value):
            sheet.write_string(row, 0, label, styles.label)
            sheet.write_string(row, 1, str(value), styles.wrap)
            row += 1
    return row + 1


def _records(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _table(sheet: Worksheet, row: int, header: list[str], rows: list[list[object]], name: str, styles) -> None:
    """An Excel table (filterable, named, so Power Query can pick it) at `row`, header first."""
    last_row = row + max(len(rows), 1)
    sheet.add_table(
        row,
        0,
        last_row,
        len(header) - 1,
        {
            "name": _table_name(name),
            "columns": [{"header": text} for text in header],
            "style": "Table Style Light 9",
            "autofilter": True,
        },
    )
    for offset, values in enumerate(rows, start=1):
        for column, value in enumerate(values):
            _write(sheet, row + offset, column, value, styles)


def _write(sheet: Worksheet, row: int, column: int, value: object, styles: _Styles) -> None:
    if _blank(value):
        return
    if isinstance(value, datetime):
        style = styles.date if (value.hour, value.minute, value.second) == (0, 0, 0) else styles.stamp
        sheet.write_datetime(row, column, value.replace(tzinfo=None), style)
    elif isinstance(value, date):
        sheet.write_datetime(row, column, datetime(value.year, value.month, value.day), styles.date)
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, float(value))
    else:
        sheet.write_string(row, column, str(value))


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _sheet_names(indicators: list[str]) -> dict[str, str]:
    """Excel sheet names: at most 31 characters, unique regardless of case."""
    names: dict[str, str] = {}
    taken = {"contents"}
    for indicator in indicators:
        name = indicator[:31]
        number = 2
        while name.lower() in taken:
            suffix = f"~{number}"
            name = indicator[: 31 - len(suffix)] + suffix
            number += 1
        taken.add(name.lower())
        names[indicator] = name
    return names


def _table_name(text: str) -> str:
    cleaned = "".join(character if character.isalnum() else "_" for character in text)
    return cleaned[:250]


def _partial(folder: Path, name: str) -> Path:
    return folder / f".{name}.partial"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _quoted(path: Path | str) -> str:
    return str(path).replace("'", "''")
