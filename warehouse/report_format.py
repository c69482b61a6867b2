"""How a figure or a verdict reads in the report: numbers in their unit, verdicts as words with a symbol, text
escaped for HTML.

Apart from the page layout (`report_document`) because the pages, the summary table and the charts' text
alternatives (`report_charts`) all write figures the same way; one place keeps them from drifting apart.
"""

from __future__ import annotations

import html
import math

import pandas as pd

# Every verdict is a word with a symbol, never colour alone.
SYMBOLS = {
    "better": "▲ better",
    "worse": "▼ worse",
    "similar": "● similar",
    "higher": "▲ higher",
    "lower": "▼ lower",
    "improving": "↗ improving",
    "worsening": "↘ worsening",
    "no significant change": "→ no significant change",
    "increasing": "↑ increasing",
    "decreasing": "↓ decreasing",
}


def as_float(value: object) -> float | None:
    """A float, or None for null/NaN (pandas hands both)."""
    if value is None or value is pd.NA:
        return None
    result = float(value)
    return None if math.isnan(result) else result


def formatted(value: object, unit: str, decimals: int | None = None) -> str:
    """A figure as the report prints it in `unit`, to the registry's `decimals` when given (an en dash when there
    is none)."""
    result = as_float(value)
    if result is None:
        return "&ndash;"
    places = 1 if decimals is None else decimals
    if unit == "percent":
        return f"{result:.{places}f}%"
    if unit == "count":
        return f"{result:,.0f}" if result.is_integer() else f"{result:,.1f}"
    return f"{result:,.{places}f}"


def plain(value: object) -> str:
    """A figure as words for a sentence or a text alternative (no HTML entity): "no value" when there is none."""
    return "no value" if as_float(value) is None else html.unescape(formatted(value, "number"))


POLARITY_WORDS = {
    "lower_is_better": "lower is better",
    "higher_is_better": "higher is better",
    "no_judgement": "no judgement of better or worse (context)",
}


def polarity_words(polarity: object) -> str:
    return POLARITY_WORDS.get(str(polarity), "no judgement of better or worse (context)")


def words(verdict: object) -> str:
    """A comparison's verdict as words with its symbol ("not assessed" when there is none)."""
    if verdict is None or (isinstance(verdict, float) and math.isnan(verdict)):
        return "not assessed"
    return SYMBOLS.get(str(verdict), str(verdict))


def css_class(verdict: object) -> str:
    return {"better": "good", "improving": "good", "worse": "bad", "worsening": "bad"}.get(str(verdict), "neutral")


def esc(value: object) -> str:
    """Text for HTML (None as empty)."""
    return html.escape("" if value is None else str(value))
