"""Where the council stands among others: its named statistical neighbours with their values, and its rank and
quartile among England's upper-tier authorities.

Apart from the page layout (`report_document`) because both read every council's cards, not just the one the
report is about; the spine chart (`report_spine`) draws the same standing.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from warehouse.report_format import as_float

# Quartiles are read from the spread of every authority's value; fewer than this and there is no spread to read.
MIN_AUTHORITIES = 4


@dataclass(frozen=True)
class Standing:
    """The council's place among the upper-tier authorities with a value for the same period."""

    rank: int
    of: int
    quartile: int
    ranked_by: str
    low: float
    q1: float
    median: float
    q3: float
    high: float


def neighbour_group(con: duckdb.DuckDBPyConnection, area_code: str, version: str | None) -> pd.DataFrame:
    """The council's statistical neighbours in the model's order: rank, code, name, closeness, the model's note."""
    return con.execute(
        """
        select try_cast(n.neighbour_rank as integer) as rank, n.neighbour_code as code,
               coalesce(a.area_name, n.neighbour_code) as name, n.closeness, n.source_note, n.version
        from marts.statistical_neighbours n left join marts.areas a on a.area_code = n.neighbour_code
        where n.area_code = ? and n.version = coalesce(?, (
            select max_by(version, try_cast(as_of as date)) from marts.statistical_neighbours))
        order by rank, code
        """,
        [area_code, version],
    ).df()


def upper_tier_codes(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every English upper-tier authority, current or abolished (a period is ranked among those it had)."""
    return {
        row[0] for row in con.execute("select area_code from marts.areas where area_type = 'upper_tier_la'").fetchall()
    }


def same_period(cards: pd.DataFrame, latest: pd.Series) -> pd.DataFrame:
    """Every council's card for the indicator and period of `latest`."""
    return cards[
        (cards["indicator_id"] == latest.indicator_id)
        & (cards["period_type"] == latest.period_type)
        & (pd.to_datetime(cards["period_end"]) == pd.Timestamp(latest.period_end))
    ]


def neighbour_values(group: pd.DataFrame, peers: pd.DataFrame) -> list[tuple[str, str, float | None]]:
    """(name, closeness, value or None) for each neighbour in the model's order."""
    values = {row.area_code: as_float(row.value) for row in peers.itertuples()}
    return [(str(row.name), str(row.closeness or ""), values.get(row.code)) for row in group.itertuples()]


def standing(peers: pd.DataFrame, latest: pd.Series, authorities: set[str]) -> Standing | None:
    """Rank (1 = best, or highest where no judgement applies) and quartile among authorities with a value.

    None for a count (it depends on the size of the area), for a council with no value, or when too few
    authorities have one.
    """
    value = as_float(latest.value)
    if value is None or str(latest.unit) == "count":
        return None
    values = pd.Series(
        [as_float(row.value) for row in peers.itertuples() if row.area_code in authorities], dtype="float64"
    ).dropna()
    if len(values) < MIN_AUTHORITIES:
        return None
    lower_is_better = latest.polarity == "lower_is_better"
    rank = int((values < value).sum() if lower_is_better else (values > value).sum()) + 1
    quartile = min(4, 1 + (4 * (rank - 1)) // len(values))
    ranked_by = (
        "1 = the lowest, which is best"
        if lower_is_better
        else "1 = the highest, which is best"
        if latest.polarity == "higher_is_better"
        else "1 = the highest; no judgement of better or worse"
    )
    q1, median, q3 = (float(values.quantile(q)) for q in (0.25, 0.5, 0.75))
    return Standing(rank, len(values), quartile, ranked_by, float(values.min()), q1, median, q3, float(values.max()))
