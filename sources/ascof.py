"""Adult Social Care Outcomes Framework (ASCOF) measures CSV, in both publishers' formats.

Up to 2022-23 NHS Digital published a long CSV of about 10 columns (`Geographical Code, ..., ONS Area Code` or
`ONS Code`, `ASCOF Measure Code, Disaggregation Level, Measure Type, Measure Value, Measure Group[, Measure
Group Description]`); from 2024-25 DHSC publishes 8 columns with sentence-case names and no measure group
(shared/sources.md section 2). Columns are found by name, case-insensitively. The release year is not in
the file, so it comes with the URL from configuration. `Measure Value` holds numbers or the markers `[c]`
(suppressed), `[x]` (not available) and `[z]` (not applicable), or is blank in older years; it is read as text
and typed here, never turned into a magic number.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd

from sources.errors import FormatError, not_utf8

PUBLISHER = "ascof"

# canonical name -> header spellings seen (compared case-insensitively, spaces collapsed)
COLUMNS: dict[str, tuple[str, ...]] = {
    "geographical_code": ("geographical code",),
    "geographical_description": ("geographical description",),
    "geographical_level": ("geographical level",),
    "ons_code": ("ons code", "ons area code"),
    "measure_code": ("ascof measure code",),
    "disaggregation": ("disaggregation level", "disaggregation"),
    "measure_type": ("measure type",),
    "measure_value": ("measure value",),
}
OPTIONAL = {"measure_group": ("measure group",), "measure_group_description": ("measure group description",)}

# Blank: NHS Digital's guidance (2018-19) says survey measures (4A and 4B among them) with a base under 3 are
# suppressed by leaving the cell blank, before the [c] markers of about 2020-21.
STATUS_BY_TOKEN = {"[c]": "suppressed", "[x]": "not_available", "[z]": "not_applicable", "": "suppressed"}
LEVELS = {
    "england": "england",
    "national": "england",
    "region": "region",
    "regional": "region",
    "council": "council",
    "local authority": "council",
    "council type": "council_type",
}
MEASURE_TYPES = {
    "outcome": "outcome",
    "numerator": "numerator",
    "denominator": "denominator",
    "base": "base",
    "respondents": "respondents",
    "margin of error": "margin_of_error",
}
DISAGGREGATIONS = {
    "total": "total",
    "male": "male",
    "female": "female",
    "18-64": "18-64",
    "18 to 64": "18-64",
    "64 and under": "18-64",
    "65 and over": "65+",
    "65 and older": "65+",
}
# Suffixes on the measure code for a disaggregation (sources.md 2.1): 4A, 4A1864, 4A65OV, 4A64U, 4AM, 4AF.
SUFFIX = r"(?:1864|65OV|64U|M|F)?"


def release_period(release: str) -> tuple[date, date]:
    """'2022-23' -> the financial year's first and last day."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", release)
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise ValueError(f"an ASCOF release is a financial year like '2022-23', not {release!r}")
    first = int(match.group(1))
    return date(first, 4, 1), date(first + 1, 3, 31)


def _key(name: str) -> str:
    return " ".join(name.strip().split()).casefold()


def read_measures(path: Path, url: str, release: str, measure_groups: list[str]) -> pd.DataFrame:
    """Parse one release's CSV, keeping the rows of `measure_groups` (e.g. 4A, 4B) with `_source_row`.

    Every measure in `measure_groups` must be in the file: a measure that has disappeared is an error, not
    an empty series.
    """
    head = path.read_bytes()[:200].lstrip(b"\xef\xbb\xbf \r\n\t")
    if head.startswith((b"{", b"[")):
        raise FormatError(url, "the server answered with JSON instead of the measures CSV")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise not_utf8(url, path) from None
    except pd.errors.ParserError as error:
        raise FormatError(url, f"not a readable CSV ({error})") from None
    by_key = {_key(name): name for name in raw.columns}
    renames = {}
    for canonical, spellings in (COLUMNS | OPTIONAL).items():
        found = [by_key[spelling] for spelling in spellings if spelling in by_key]
        if found:
            renames[found[0]] = canonical
        elif canonical in COLUMNS:
            raise FormatError(url, f"the header lacks {spellings[0]!r} (found: {', '.join(raw.columns)})", line=1)
    frame = raw.rename(columns=renames)
    for canonical in OPTIONAL:
        if canonical not in frame.columns:
            frame[canonical] = ""
    frame = frame[[*COLUMNS, *OPTIONAL]].copy()
    frame["_source_row"] = range(2, len(frame) + 2)
    if frame.empty:
        raise FormatError(url, "the file has a header but no data rows")
    layout = "nhs_digital" if "measure_group" in renames.values() else "dhsc"

    codes = frame["measure_code"].str.strip().str.upper()
    wanted = "|".join(re.escape(group.upper()) for group in measure_groups)
    frame["measure_group_code"] = codes.str.extract(f"^({wanted}){SUFFIX}$", expand=False)
    missing = [group for group in measure_groups if group.upper() not in set(frame["measure_group_code"].dropna())]
    if missing:
        raise FormatError(
            url, f"measure {', '.join(missing)} is not in this {release} file", column="ASCOF Measure Code"
        )
    frame = frame[frame["measure_group_code"].notna()].copy()
    frame["measure_code"] = codes[frame.index]

    text = frame["measure_value"].str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    frame["value"] = numbers.astype("float64")
    frame["status_token"] = text.where(numbers.isna(), None)
    frame["value_status"] = [
        "ok" if token is None else STATUS_BY_TOKEN.get(token, "unknown_marker") for token in frame["status_token"]
    ]
    frame["level"] = frame["geographical_level"].map(lambda level: LEVELS.get(_key(level)))
    frame["measure_type_code"] = frame["measure_type"].map(lambda kind: MEASURE_TYPES.get(_key(kind)))
    frame["disaggregation_code"] = frame["disaggregation"].map(lambda label: DISAGGREGATIONS.get(_key(label)))
    frame["ons_code"] = frame["ons_code"].str.strip()
    start, end = release_period(release)
    frame["release"] = release
    frame["period_start"] = start
    frame["period_end"] = end
    frame["layout"] = layout
    return frame.reset_index(drop=True)
