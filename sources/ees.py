"""DfE Explore Education Statistics (EES): where each data set lives, and reading its CSV by column name.

Two routes reach the same files, each found at run time by publication slug and data set title
(`sources/discovery.py`): the data catalogue's download of the latest release's file, or the public API
(`api.education.gov.uk/statistics/v1`) at the data set's latest version. Which data sets, by which route, is
data: `catalogue/dfe.toml`.

DfE renames columns between releases (`Referrals` became `referral_count`; the 2025 release dropped every rate),
changes their order (`new_la_code,la_name` in CIN files, `la_name,new_la_code` in CLA files), adds a BOM to some
files and writes suppression markers in numeric columns. So a file is read as text, by column name, and every
value column becomes a number plus a typed status (sources.md sections 0, 4 and 5).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from sources.errors import FormatError, SourceError, not_utf8

PUBLISHER = "dfe"

# EES symbols (GSS guidance; EES data guidance; sources.md 4.2). `:` is the pre-2021 "not available".
STATUS_BY_TOKEN = {
    "c": "suppressed",
    "x": "not_available",
    ":": "not_available",
    "z": "not_applicable",
    "u": "low_reliability",
    "k": "rounds_to_zero",
    "low": "rounds_to_zero",
    "": "not_available",
}
# The value statuses `parse` writes: 'ok' or what a symbol stands for.
STATUSES = ("ok", *sorted(set(STATUS_BY_TOKEN.values())))

STANDARD_COLUMNS = ("time_period", "time_identifier", "geographic_level", "country_code")
GEOGRAPHIC_LEVELS = ("National", "Regional", "Local authority")

# Canonical landing columns, shared by every EES data set and the population files.
LANDING_COLUMNS = [
    "dataset",
    "time_period",
    "period_year",
    "period_start",
    "time_identifier",
    "geographic_level",
    "area_code",
    "old_la_code",
    "area_name",
    "breakdown",
    "is_headline",
    *(
        f"{measure}{suffix}"
        for measure in ("numerator", "denominator", "published")
        for suffix in ("", "_status", "_token")
    ),
    "_source_row",
]


@dataclass(frozen=True)
class Dataset:
    """One EES data set and how its columns map to the canonical measures (an entry of `catalogue/dfe.toml`)."""

    key: str
    title: str
    publication: str
    route: str
    data_set_title: str
    time: str
    breakdown: tuple[tuple[str, ...], ...]
    headline: tuple[str, ...]
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    published: tuple[str, ...]
    published_decimals: int
    counts_rounded_above_la: int


def dataset_from(options: dict[str, Any], title: str) -> Dataset:
    """The EES reading of a source-catalogue entry (`sources/catalogue/dfe.toml`): names and column names."""
    return Dataset(
        key=options["ees_key"],
        title=title,
        publication=options["publication"],
        route=options["route"],
        data_set_title=options["data_set_title"],
        time=options["time"],
        breakdown=tuple(tuple(option) for option in options["breakdown"]),
        headline=tuple(options["headline"]),
        numerator=tuple(options["numerator"]),
        denominator=tuple(options["denominator"]),
        published=tuple(options["published"]),
        published_decimals=int(options["published_decimals"]),
        counts_rounded_above_la=int(options["counts_rounded_above_la"]),
    )


class ApiError(SourceError):
    """The EES API answered, with an error: retrying will not help (an unknown id, a refused query)."""


# --- CSV parsing --------------------------------------------------------------------------------------------


def period_of(time_period: str, kind: str) -> tuple[int, date]:
    """(year the period ends in, first day) for EES `time_period` values.

    reporting_year `2025` = April 2024 to March 2025; academic_year `202425` = September 2024 to August 2025;
    mid_year `2024` = the estimate at 30 June 2024.
    """
    text = time_period.strip()
    if kind == "reporting_year" and len(text) == 4 and text.isdigit():
        year = int(text)
        return year, date(year - 1, 4, 1)
    if kind == "academic_year" and len(text) == 6 and text.isdigit():
        first = int(text[:4])
        if int(text[4:]) != (first + 1) % 100:
            raise ValueError(f"{text!r} is not an academic year like 202425")
        return first + 1, date(first, 9, 1)
    if kind == "mid_year" and len(text) == 4 and text.isdigit():
        year = int(text)
        return year, date(year, 6, 30)
    raise ValueError(f"{text!r} is not a {kind.replace('_', ' ')} time_period")


def read_text_csv(path: Path) -> pd.DataFrame:
    """Every value as text (suppression markers live in numeric columns), BOM removed, rows checked whole.

    A row cut short (a truncated download) or with extra fields is a FormatError naming the line.
    """
    name = str(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            try:
                header = next(reader)
            except StopIteration:
                raise FormatError(name, "the file is empty") from None
            except csv.Error as error:
                raise FormatError(name, f"unreadable header ({error})", line=1) from error
            header = [column.strip() for column in header]
            rows = []
            try:
                for row in reader:
                    if len(row) != len(header):
                        if not row:
                            continue
                        raise FormatError(
                            name,
                            f"has {len(row)} fields where the header has {len(header)} "
                            "(a row cut short or a stray delimiter)",
                            line=reader.line_num,
                        )
                    rows.append(row)
            except csv.Error as error:
                raise FormatError(name, f"malformed CSV ({error})", line=reader.line_num) from error
    except UnicodeDecodeError:
        raise not_utf8(name, path) from None
    if not rows:
        raise FormatError(name, "the file has a header but no data rows")
    frame = pd.DataFrame(rows, columns=header, dtype=str)
    frame["_source_row"] = range(2, len(frame) + 2)
    return frame


def _pick(frame: pd.DataFrame, options: tuple[str, ...]) -> str | None:
    return next((column for column in options if column in frame.columns), None)


def _missing_columns_error(file: str, dataset: Dataset, what: str, options: object, frame: pd.DataFrame) -> FormatError:
    found = [column for column in frame.columns if column != "_source_row"]
    return FormatError(
        file,
        f"{dataset.key}: no column for {what}; expected one of {options}, found columns {found}",
        line=1,
    )


def measure(file: str, frame: pd.DataFrame, column: str | None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """A value column as (number, status, token); an unknown marker is an error naming the line and column."""
    if column is None:
        empty = pd.Series([None] * len(frame), index=frame.index, dtype=object)
        return empty.astype(float), empty, empty
    text = frame[column].fillna("").str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    tokens = text.where(numbers.isna())
    unknown = tokens.notna() & ~tokens.str.lower().isin(STATUS_BY_TOKEN.keys())
    if unknown.any():
        first = unknown.idxmax()
        raise FormatError(
            file,
            f"value {text[first]!r} is neither a number nor an EES symbol ({', '.join(sorted(STATUS_BY_TOKEN))})",
            line=int(frame.at[first, "_source_row"]),
            column=column,
        )
    status = tokens.str.lower().map(STATUS_BY_TOKEN).fillna("ok")
    return numbers.astype(float), status, tokens.where(tokens.notna(), None)


def _by_level(frame: pd.DataFrame, levels: pd.Series, columns: tuple[str, str, str]) -> pd.Series:
    """The national, regional or LA column of each row by its geographic level (national and regional rows
    leave the LA columns empty, and some files write them as "")."""
    blank = pd.Series("", index=frame.index, dtype=object)
    picked = blank.copy()
    for level, column in zip(GEOGRAPHIC_LEVELS, columns, strict=True):
        picked = picked.mask(levels == level, frame.get(column, blank).fillna(""))
    return picked.str.strip()


def parse(path: Path, dataset: Dataset, file_label: str | None = None) -> pd.DataFrame:
    """An EES data file as canonical landing rows (LANDING_COLUMNS), columns found by name."""
    file = file_label or str(path)
    frame = read_text_csv(path)
    missing = [column for column in (*STANDARD_COLUMNS, "new_la_code", "region_code") if column not in frame]
    if missing:
        raise _missing_columns_error(file, dataset, f"the EES standard columns {missing}", STANDARD_COLUMNS, frame)
    breakdown_columns = next(
        (option for option in dataset.breakdown if all(column in frame for column in option)), None
    )
    if breakdown_columns is None:
        raise _missing_columns_error(file, dataset, "the breakdown", [list(o) for o in dataset.breakdown], frame)
    numerator = _pick(frame, dataset.numerator)
    if numerator is None:
        raise _missing_columns_error(file, dataset, "the numerator", list(dataset.numerator), frame)
    denominator = _pick(frame, dataset.denominator)
    if dataset.denominator and denominator is None:
        raise _missing_columns_error(file, dataset, "the denominator", list(dataset.denominator), frame)
    published = _pick(frame, dataset.published)

    levels = frame["geographic_level"].str.strip()
    unknown_level = ~levels.isin(GEOGRAPHIC_LEVELS)
    if unknown_level.any():
        first = unknown_level.idxmax()
        raise FormatError(
            file,
            f"geographic_level {levels[first]!r} is not one of {GEOGRAPHIC_LEVELS}",
            line=int(frame.at[first, "_source_row"]),
            column="geographic_level",
        )
    area_code = _by_level(frame, levels, ("country_code", "region_code", "new_la_code")).replace("", None)
    area_name = _by_level(frame, levels, ("country_name", "region_name", "la_name"))
    periods = []
    for row, value in zip(frame["_source_row"], frame["time_period"], strict=True):
        try:
            periods.append(period_of(value, dataset.time))
        except ValueError as error:
            raise FormatError(file, str(error), line=int(row), column="time_period") from None
    breakdown = frame[list(breakdown_columns)].apply(lambda row: " | ".join(v.strip() for v in row), axis=1)
    out = pd.DataFrame(
        {
            "dataset": dataset.key,
            "time_period": frame["time_period"].str.strip(),
            "period_year": [year for year, _ in periods],
            "period_start": pd.to_datetime([start for _, start in periods]).date,
            "time_identifier": frame["time_identifier"].str.strip(),
            "geographic_level": levels,
            "area_code": area_code,
            "old_la_code": frame.get("old_la_code", pd.Series("", index=frame.index)).str.strip().replace("", None),
            "area_name": area_name.str.strip(),
            "breakdown": breakdown,
            "is_headline": breakdown.isin(dataset.headline),
        }
    )
    for name, column in (("numerator", numerator), ("denominator", denominator), ("published", published)):
        value, status, token = measure(file, frame, column)
        out[name] = value
        out[f"{name}_status"] = status
        out[f"{name}_token"] = token
    out["_source_row"] = frame["_source_row"].astype("int64")
    return out[LANDING_COLUMNS]


def refuse_json_body(path: Path, url: str) -> None:
    """The API answers some failures with a JSON problem body where a CSV was asked for; name the error."""
    with open(path, "rb") as handle:
        head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith((b"{", b"[")):
        return
    try:
        body = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError:
        body = head.decode("utf-8", "replace")[:300]
    raise ApiError(url, f"a JSON body was served where CSV was expected: {_error_text(body)}")


def _error_text(body: object) -> str:
    if isinstance(body, dict):
        parts = [str(body[name]) for name in ("status", "title", "detail", "message") if body.get(name)]
        errors = body.get("errors")
        if errors:
            parts.append(json.dumps(errors)[:300])
        return "; ".join(parts) or json.dumps(body)[:300]
    return json.dumps(body)[:300]
