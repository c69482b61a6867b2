"""The forms a setting's value can take: what a valid value looks like, how its text becomes the value, and what
a message says is expected when it does not.

Apart from `pipelines.settings` (the table of settings and the one module that reads the environment) because
these rules are about text, not about any one setting: a whole number from a minimum, a folder that exists, a
choice from a closed set (a mistyped one gets the nearest: "did you mean 'sample'?"), an http(s) URL, years like
2005-2025. A parser raises `FormError` (its message, if any, says why); `pipelines.settings` turns that into a
`SettingError` that names the variable.
"""

import difflib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


class FormError(ValueError):
    """Raised by a form's parser: the value does not have the form (the message, if any, says why)."""


@dataclass(frozen=True)
class Form:
    """What a valid value looks like: `expected` is said in the error message, `parse` turns the text into the
    value (raising `FormError`), `kind` names the form (for the README and the tests), `choices` a closed set."""

    kind: str
    expected: str
    parse: Callable[[str], Any]
    choices: tuple[str, ...] = ()


def whole_number(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not re.fullmatch(r"\d+", text.strip()):
            raise FormError()
        value = int(text)
        if value < minimum:
            raise FormError(f"{value} is less than {minimum}")
        return value

    return parse


def number(minimum: float, strictly_above: bool) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError as error:
            raise FormError() from error
        if not math.isfinite(value) or value < minimum or (strictly_above and value == minimum):
            raise FormError()
        return value

    return parse


def yes_or_no(text: str) -> bool:
    words = {"true": True, "false": False, "1": True, "0": False}
    if text not in words:
        raise FormError(did_you_mean(text, tuple(words)))
    return words[text]


def did_you_mean(text: str, choices: tuple[str, ...]) -> str:
    """The nearest of a closed set of values to a mistyped one, as a hint ('' when none is near)."""
    same = [choice for choice in choices if choice.lower() == text.strip().lower()]
    if same:
        return f"values are case-sensitive: did you mean {same[0]!r}?"
    near = difflib.get_close_matches(text.strip().lower(), choices, n=1, cutoff=0.6)
    return f"did you mean {near[0]!r}?" if near else ""


def any_text(text: str) -> str:
    return text


def non_empty(text: str) -> str:
    if not text.strip():
        raise FormError("it is empty")
    return text


def one_of(*choices: str) -> Form:
    def parse(text: str) -> str:
        if text not in choices:
            raise FormError(did_you_mean(text, choices))
        return text

    return Form("choice", "one of " + ", ".join(choices), parse, choices)


def file_name_part(text: str) -> str:
    # A value that becomes part of a file name: no separators, no '..', nothing a shell or a browser reads specially.
    if not re.fullmatch(r"[A-Za-z0-9_-]+", text):
        raise FormError()
    return text


def key_or_empty(text: str) -> str:
    """A secret of 32 bytes or more: HMAC with a short key lets anyone who guesses it reverse the pseudonyms."""
    if text and len(text.encode()) < 32:
        raise FormError(
            'it is shorter than 32 bytes; generate one with python -c "import secrets; print(secrets.token_hex(32))"'
        )
    return text


def schema_table(text: str) -> str:
    # Interpolated into SQL as `schema.table`: plain identifiers only.
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*", text):
        raise FormError()
    return text


def date_or_empty(text: str) -> date | None:
    if not text:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise FormError()
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise FormError(str(error)) from error


def datetime_or_empty(text: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError as error:
        raise FormError() from error


def url(allow_empty: bool) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if not text and allow_empty:
            return text
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
            raise FormError()
        return text

    return parse


def parse_years(text: str, first_allowed: int | None = None) -> list[str]:
    """'2005-2025' or '2019,2021' (or both: '2005-2009,2019') -> sorted year strings; `FormError` says why not."""
    years: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        match = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", part)
        if match is None:
            raise FormError()
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if last < first:
            raise FormError(f"the range {part} is empty: put the earlier year first")
        if first_allowed is not None and first < first_allowed:
            raise FormError(f"{first} is before {first_allowed}, the first year there is")
        years.update(range(first, last + 1))
    if not years:
        raise FormError("no years")
    return [str(year) for year in sorted(years)]


def quarter_start(text: str) -> str:
    day = date_or_empty(text)
    if day is None or day.day != 1 or day.month not in (1, 4, 7, 10):
        raise FormError()
    return text


def folder_or_empty(text: str) -> str:
    if text and not Path(text).is_dir():
        raise FormError("no such folder")
    return text


def folder_or(default: Path) -> Callable[[str], Path]:
    """An existing folder, or `default` when empty."""

    def parse(text: str) -> Path:
        if not text:
            return default
        if not Path(text).is_dir():
            raise FormError("no such folder")
        return Path(text)

    return parse


MEMORY_UNITS = {"KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}


def memory_size(text: str) -> str:
    """An amount of memory in DuckDB's own notation ('1GB', '1500MB', '2GiB'), at least 100 MB: less would make
    every load spill."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B)\s*", text, flags=re.IGNORECASE)
    if not match or match.group(2).upper() not in MEMORY_UNITS:
        raise FormError()
    if float(match.group(1)) * MEMORY_UNITS[match.group(2).upper()] < 100 * 10**6:
        raise FormError("less than 100MB")
    return f"{match.group(1)}{match.group(2)}"


PATH = Form("path", "a file or folder path", non_empty)
NAME = Form("name", "letters, digits, '-' and '_' only (it becomes part of a file name)", file_name_part)
TIMEOUT = Form("number", "a number of seconds above 0, like 30 or 30.5", number(0.0, strictly_above=True))

# The form of a setting without one of its own, by its default's type.
TYPE_FORMS: dict[type, Form] = {
    bool: Form("bool", "true or false (or 1 or 0)", yes_or_no),
    int: Form("whole_number", "a whole number, 0 or more", whole_number(0)),
    float: Form("number", "a number, 0 or more, like 30 or 30.5", number(0.0, strictly_above=False)),
    str: Form("text", "any text", any_text),
}


def risk_scale(text: str) -> str:
    """The council's risk levels, comma-separated: at least one, none repeated (compared without case)."""
    levels = [level.strip() for level in text.split(",")]
    if not all(levels) or len({level.lower() for level in levels}) != len(levels):
        raise FormError("each level once, none empty")
    return text
