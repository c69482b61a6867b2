"""OHID Fingertips (PHOF): the API's URLs, its metadata answers, and its `all_data` CSV in every known header.

The CSV has had 26 columns (server code up to 2020) and 27 (`Time period range` added); column 23 is named
after the parent area type (`Compared to percentiles` under England, `Compared to Regions (statistical) value or
percentiles` under regions, `Column not used` in some 2025 exports), so columns are found by name and column
23 by pattern. The `Area Type` text changes between exports, so rows are keyed by `Area Code` only. Every
value column is read as text first: an empty string is "no value", anything else must be a number.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from urllib.parse import urlencode

import pandas as pd

from sources.errors import FormatError, not_utf8

PUBLISHER = "ohid"
ENGLAND = "E92000001"

# Header names as Fingertips writes them -> canonical names. Column 23 is matched separately.
COLUMNS: dict[str, str] = {
    "Indicator ID": "fingertips_id",
    "Indicator Name": "indicator_name",
    "Parent Code": "parent_code",
    "Parent Name": "parent_name",
    "Area Code": "area_code",
    "Area Name": "area_name",
    "Area Type": "area_type_text",
    "Sex": "sex",
    "Age": "age",
    "Category Type": "category_type",
    "Category": "category",
    "Time period": "time_period",
    "Value": "value",
    "Lower CI 95.0 limit": "lower_95",
    "Upper CI 95.0 limit": "upper_95",
    "Lower CI 99.8 limit": "lower_998",
    "Upper CI 99.8 limit": "upper_998",
    "Count": "count",
    "Denominator": "denominator",
    "Value note": "value_note",
    "Recent Trend": "recent_trend",
    "Compared to England value or percentiles": "compared_to_england",
    "Time period Sortable": "time_period_sortable",
    "New data": "new_data",
    "Compared to goal": "compared_to_goal",
    "Time period range": "time_period_range",
}
OPTIONAL = {"Time period range"}  # absent from the older 26-column export
NUMERIC = ("value", "lower_95", "upper_95", "lower_998", "upper_998", "count", "denominator")
PARENT_COMPARISON = re.compile(r"^(Compared to (?!England value).*percentiles|Column not used)$")


@dataclass(frozen=True)
class FingertipsApi:
    """The API's URLs; the base is configuration because a successor service exists (sources.md 1.7)."""

    base_url: str

    def _url(self, path: str, **params: object) -> str:
        base = self.base_url if self.base_url.endswith("/") else self.base_url + "/"
        query = urlencode(params, safe=",")
        return base + path + (f"?{query}" if query else "")

    def data_url(self, fingertips_id: int, child_area_type: int, parent_area_type: int) -> str:
        return self._url(
            "all_data/csv/by_indicator_id",
            indicator_ids=fingertips_id,
            child_area_type_id=child_area_type,
            parent_area_type_id=parent_area_type,
        )

    def metadata_url(self, fingertips_ids: list[int]) -> str:
        return self._url("indicator_metadata/by_indicator_id", indicator_ids=",".join(map(str, fingertips_ids)))

    def area_types_url(self) -> str:
        return self._url("area_types")

    def available_data_url(self, fingertips_id: int) -> str:
        """Every area type the indicator has data for (fingertips-open `GetAvailableDataForGrouping`)."""
        return self._url("available_data", indicator_id=fingertips_id)


def _normal_title(title: str) -> str:
    text = title.replace("\u2013", "-").replace("\u2014", "-").replace("\u2019", "'").casefold()
    return " ".join(text.split()).rstrip(".")


def _json(path: Path, url: str) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FormatError(url, f"the answer is not valid JSON ({error})") from None


def confirm_titles(path: Path, url: str, wanted: list[int], expected: dict[int, str]) -> dict[int, str]:
    """Check `indicator_metadata` names every wanted id with its expected title; return the titles.

    An id Fingertips does not know, or one whose title has changed, is an error: loading it would put a
    different series under the catalogue's name.
    """
    answer = _json(path, url)
    if isinstance(answer, dict) and "Message" in answer:
        raise FormatError(url, f"the API answered with an error: {answer['Message']}")
    if not isinstance(answer, dict):
        raise FormatError(url, "indicator metadata should be a JSON object keyed by indicator id")
    titles = {}
    for fingertips_id in wanted:
        entry = answer.get(str(fingertips_id))
        if not isinstance(entry, dict):
            raise FormatError(url, f"indicator {fingertips_id} is not known to Fingertips (no metadata returned)")
        name = str((entry.get("Descriptive") or {}).get("Name") or "")
        if fingertips_id not in expected:
            raise FormatError(
                url,
                f"indicator {fingertips_id} ({name!r}) has no expected title in the source catalogue "
                "(sources/catalogue/ohid.toml); add it there once you have checked it is the series you want",
            )
        if _normal_title(name) != _normal_title(expected[fingertips_id]):
            raise FormatError(
                url, f"indicator {fingertips_id} is titled {name!r}, not {expected[fingertips_id]!r} as configured"
            )
        titles[fingertips_id] = name
    return titles


def confirm_area_type(path: Path, url: str, area_type_id: int) -> str:
    """The name Fingertips gives `area_type_id`; an error if the API does not list it."""
    answer = _json(path, url)
    if not isinstance(answer, list):
        message = answer.get("Message") if isinstance(answer, dict) else None
        raise FormatError(url, f"area types should be a JSON list{f' (the API said: {message})' if message else ''}")
    for entry in answer:
        if isinstance(entry, dict) and entry.get("Id") == area_type_id:
            return str(entry.get("Name") or entry.get("Short") or area_type_id)
    raise FormatError(url, f"area type {area_type_id} is not listed by the API")


def child_area_type_for(
    path: Path, url: str, fingertips_id: int, configured: int, fallbacks: list[int]
) -> tuple[int, str]:
    """The child area type to read `fingertips_id` for: the configured one when the indicator has data for it,
    else the first of `fallbacks` that has (with a note saying so); neither is an error naming what it has.

    Shape: `available_data?indicator_id=` answers a JSON list of `{"IndicatorId": ..., "AreaTypeId": ..., ...}`
    (shared/sources.md 1.1); only those two fields are read.
    """
    answer = _json(path, url)
    if not isinstance(answer, list):
        message = answer.get("Message") if isinstance(answer, dict) else None
        raise FormatError(
            url, f"available data should be a JSON list{f' (the API said: {message})' if message else ''}"
        )
    types = {
        int(entry["AreaTypeId"])
        for entry in answer
        if isinstance(entry, dict) and str(entry.get("IndicatorId")) == str(fingertips_id) and "AreaTypeId" in entry
    }
    if configured in types:
        return configured, ""
    for fallback in fallbacks:
        if fallback in types:
            return (
                fallback,
                f"indicator {fingertips_id} has no data for area type {configured}; falls back to {fallback}",
            )
    raise FormatError(
        url,
        f"indicator {fingertips_id} has no data for area type {configured} nor its fallbacks {fallbacks}; "
        f"Fingertips has it for area types {sorted(types)}",
    )


@dataclass(frozen=True)
class Period:
    """A Fingertips time period as the warehouse keys it."""

    period_type: str
    start: date
    end: date


def parse_period(label: str) -> Period | None:
    """`2022/23`, `2020/21 - 22/23`, `2022`, `2020 - 22` -> type and dates; None for a form not known."""
    text = label.strip()
    if match := re.fullmatch(r"(\d{4})", text):
        year = int(match.group(1))
        return Period("calendar_year", date(year, 1, 1), date(year, 12, 31))
    if match := re.fullmatch(r"(\d{4})/(\d{2})", text):
        first = int(match.group(1))
        if (first + 1) % 100 != int(match.group(2)):
            return None
        return Period("financial_year", date(first, 4, 1), date(first + 1, 3, 31))
    if match := re.fullmatch(r"(\d{4}) - (\d{2})", text):
        first = int(match.group(1))
        last = first - first % 100 + int(match.group(2))
        if last <= first:
            return None
        return Period(f"calendar_years_{last - first + 1}", date(first, 1, 1), date(last, 12, 31))
    if match := re.fullmatch(r"(\d{4})/(\d{2}) - (\d{2})/(\d{2})", text):
        first = int(match.group(1))
        last_end = first - first % 100 + int(match.group(4))
        if last_end <= first + 1 or (int(match.group(3)) + 1) % 100 != int(match.group(4)):
            return None
        return Period(f"financial_years_{last_end - first}", date(first, 4, 1), date(last_end, 3, 31))
    return None


@dataclass(frozen=True)
class NoteKind:
    pattern: re.Pattern[str]
    kind: str
    status_with_value: str
    status_without_value: str


def note_kinds() -> list[NoteKind]:
    """Known kinds of `Value note` text (`checks/code_lists/fingertips_value_notes.csv`), first match wins."""
    text = (resources.files("checks") / "code_lists" / "fingertips_value_notes.csv").read_text(encoding="utf-8")
    return [
        NoteKind(re.compile(row["pattern"]), row["kind"], row["status_with_value"], row["status_without_value"])
        for row in csv.DictReader(text.splitlines())
    ]


def read_export(path: Path, url: str, fingertips_id: int, parent_area_type: int, file_key: str) -> pd.DataFrame:
    """Parse one `all_data/csv` export into canonical columns plus `_source_row` (1-based line, header = 1).

    Keeps every row as delivered (inequality rows included, `category_type` non-empty) except one repeat:
    the export lists the parent area (England under parent type 15) once as itself and again as its own
    child; the second copy is dropped after checking that its figures are identical.
    """
    head = path.read_bytes()[:200].lstrip(b"\xef\xbb\xbf \r\n\t")
    if head.startswith((b"{", b"[")):
        try:
            message = json.loads(path.read_text(encoding="utf-8-sig")).get("Message", "")
        except (ValueError, AttributeError):
            message = head.decode("utf-8", "replace")[:120]
        raise FormatError(url, f"the API answered with a JSON error instead of CSV: {message}")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise not_utf8(url, path) from None
    except pd.errors.ParserError as error:
        raise FormatError(url, f"not a readable CSV ({error})") from None
    header = list(raw.columns)
    if len(header) not in (26, 27):
        raise FormatError(url, f"expected the 26- or 27-column Fingertips header, found {len(header)} columns")
    missing = [name for name in COLUMNS if name not in header and name not in OPTIONAL]
    if missing:
        raise FormatError(url, f"the header lacks {', '.join(repr(name) for name in missing)}", line=1)
    parent_columns = [name for name in header if PARENT_COMPARISON.match(name)]
    if len(parent_columns) != 1:
        raise FormatError(url, "cannot find the parent comparison column (column 23)", line=1)
    frame = raw.rename(columns={**COLUMNS, parent_columns[0]: "compared_to_parent"})
    if "time_period_range" not in frame.columns:
        frame["time_period_range"] = ""
    frame = frame[[*COLUMNS.values(), "compared_to_parent"]].copy()
    frame["_source_row"] = range(2, len(frame) + 2)
    if frame.empty:
        raise FormatError(url, "the file has a header but no data rows")

    ids = frame["fingertips_id"].unique().tolist()
    if ids != [str(fingertips_id)]:
        raise FormatError(url, f"asked for indicator {fingertips_id} but the file holds {', '.join(ids)}", line=2)
    for column in NUMERIC:
        text = frame[column].str.strip()
        numbers = pd.to_numeric(text.where(text != ""), errors="coerce")
        bad = frame[(text != "") & numbers.isna()]
        if not bad.empty:
            row = bad.iloc[0]
            raise FormatError(
                url,
                f"{row[column]!r} is not a number (Fingertips leaves a missing value empty)",
                line=int(row["_source_row"]),
                column=_header_name(column),
            )
        frame[column] = numbers.astype("float64")

    periods = {label: parse_period(label) for label in frame["time_period"].unique()}
    unknown = [label for label, period in periods.items() if period is None]
    if unknown:
        row = frame[frame["time_period"] == unknown[0]].iloc[0]
        raise FormatError(
            url, f"time period {unknown[0]!r} is not a form the loader knows", int(row["_source_row"]), "Time period"
        )
    frame["period_type"] = frame["time_period"].map(lambda label: periods[label].period_type)
    frame["period_start"] = frame["time_period"].map(lambda label: periods[label].start)
    frame["period_end"] = frame["time_period"].map(lambda label: periods[label].end)
    frame["sortable_year"] = pd.to_numeric(frame["time_period_sortable"], errors="coerce") // 10000

    frame = _drop_parent_repeats(frame, url)
    _type_status(frame)
    frame["fingertips_id"] = fingertips_id
    frame["parent_area_type_id"] = parent_area_type
    frame["header_columns"] = len(header)
    frame["parent_comparison_header"] = parent_columns[0]
    frame["file_key"] = file_key
    return frame.reset_index(drop=True)


def _header_name(canonical: str) -> str:
    return next(name for name, mapped in COLUMNS.items() if mapped == canonical)


BREAKDOWN = ["area_code", "sex", "age", "category_type", "category", "time_period"]


def _drop_parent_repeats(frame: pd.DataFrame, url: str) -> pd.DataFrame:
    """Drop an area listed again as a child of itself (`Area Code` = `Parent Code`) when its figures agree."""
    repeats = frame[frame["area_code"] == frame["parent_code"]]
    if repeats.empty:
        return frame
    originals = frame[frame["area_code"] != frame["parent_code"]]
    figures = [*NUMERIC, "value_note"]
    joined = repeats.merge(originals, on=BREAKDOWN, how="left", suffixes=("", "_original"), indicator=True)
    for record in joined.to_dict(orient="records"):
        if record["_merge"] != "both":
            continue
        for column in figures:
            mine, theirs = record[column], record[f"{column}_original"]
            if not (mine == theirs or (pd.isna(mine) and pd.isna(theirs))):
                raise FormatError(
                    url,
                    f"{record['area_code']} is listed twice for {record['time_period']} with different "
                    f"{_header_name(column)!r} ({theirs!r} and {mine!r})",
                    line=int(record["_source_row"]),
                    column=_header_name(column),
                )
    kept_repeats = joined[joined["_merge"] == "left_only"]["_source_row"]
    return frame[(frame["area_code"] != frame["parent_code"]) | frame["_source_row"].isin(kept_repeats)]


def _type_status(frame: pd.DataFrame) -> None:
    """`value_status` and `status_token` from the value and its note; `note_kind` None for a note not known."""
    kinds = note_kinds()

    def classify(note: str) -> NoteKind | None:
        return next((kind for kind in kinds if kind.pattern.search(note)), None)

    matched = {note: classify(note) for note in frame["value_note"].unique() if note}
    frame["note_kind"] = frame["value_note"].map(
        lambda note: (matched[note].kind if matched[note] else None) if note else ""
    )
    has_value = frame["value"].notna()

    def status(note: str, present: bool) -> str:
        kind = matched.get(note) if note else None
        if kind is None:
            return "ok" if present else "not_available"
        return kind.status_with_value if present else kind.status_without_value

    frame["value_status"] = [
        status(note, present) for note, present in zip(frame["value_note"], has_value, strict=True)
    ]
    frame["status_token"] = frame["value_note"].where(frame["value_note"] != "", None)
