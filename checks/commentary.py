"""The commentary file's rules as a suite, so the landing step reports them as an asset check like any source.

The parser (`sources.commentary`) already refuses a file that breaks them, naming the row; the suite re-states
them over what landed so the check in the UI shows what was tested.
"""

from __future__ import annotations

from checks.rules import Suite, in_set, not_null, unique


def commentary_suite(table: str, indicators: list[str], risk_levels: list[str]) -> Suite:
    return Suite(
        "indicator_commentary",
        table,
        {name: name for name in ("period", "indicator_id", "commentary", "officer", "risk_level")},
        (
            in_set("indicator_id", indicators, "the indicator catalogue"),
            not_null("officer"),
            not_null("commentary"),
            in_set("risk_level", risk_levels, "the council's risk scale"),
            unique("period", "indicator_id"),
        ),
    )
