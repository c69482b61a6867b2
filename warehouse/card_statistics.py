"""The statistics on the report cards, a whole column at a time.

`warehouse.indicator_report` finds in SQL where each card stands in its indicator/area/period-type series (its
position, whether its period is a single year and whether it follows the period before) and hands every card over
in series order. Here numpy adds what the committee reads from the
numbers (computed limits, comparisons with England, region and neighbours, RAG status, direction of travel, recent
trend) through the column forms of `warehouse.statistics`; at national scale (about 63,000 cards) doing this row by
row in Python took seconds.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from warehouse import statistics as st

ANNUAL_TREND = "chi-squared test for trend, last 5 annual points, 99.8%"
SPC_TREND = "process control: latest vs mean of previous 8 points +/- 3 sigma (Poisson)"
TREND_POINTS, SPC_POINTS = 5, 9
CONFIDENCE_LIMITS = {0.95: ("lower_95", "upper_95"), 0.998: ("lower_998", "upper_998")}
BENCHMARKS = {"vs_england": "england_value", "vs_region": "region_value", "vs_neighbours": "neighbours_mean"}
INTERVAL_BASIS = "95% confidence interval"
VALUES_ONLY_BASIS = "values only: no interval to test, so higher or lower, not better or worse"


def multiplier(unit: str) -> float | None:
    """'rate per 10000' -> 10000; None when the unit is not a rate."""
    match = re.search(r"per\s+([\d,]+)", unit or "")
    return float(match.group(1).replace(",", "")) if match else None


def is_count(unit: str) -> bool:
    return (unit or "").strip() == "count"


def _column(cards: pd.DataFrame, name: str) -> np.ndarray:
    return cards[name].to_numpy(dtype=float, na_value=np.nan)


def _by_unit(cards: pd.DataFrame, function: Callable[[str], object], dtype: type) -> np.ndarray:
    """`function` of each card's unit, worked out once per distinct unit."""
    units = cards["unit"].fillna("")
    return units.map({unit: function(unit) for unit in units.unique()}).to_numpy(dtype=dtype)


def value_kinds(cards: pd.DataFrame, multipliers: np.ndarray, counted: np.ndarray) -> np.ndarray:
    """Per card 'proportion', 'rate' or 'count' when the value can be tested as one, else None.

    Only where the value is the ratio itself (to published rounding): a change against a baseline carries a
    numerator and denominator too, but is neither a proportion nor a rate. (A missing value fails every test.)
    `multipliers` and `counted`: each card's unit's `multiplier` (NaN for none) and `is_count`.
    """
    value, numerator, denominator = (_column(cards, name) for name in ("value", "numerator", "denominator"))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(np.isnan(numerator) | (denominator == 0), np.nan, numerator / denominator)
    percent = _by_unit(cards, lambda unit: unit == "percent", bool)
    proportion = percent & (ratio >= 0) & (ratio <= 1) & (abs(value - 100 * ratio) <= 0.5)
    rate = (multipliers > 0) & (ratio >= 0) & (abs(value - multipliers * ratio) <= 0.02 * abs(value))
    kinds = np.full(len(cards), None, dtype=object)
    kinds[counted & (value >= 0)] = "count"
    kinds[rate] = "rate"
    kinds[proportion] = "proportion"
    return kinds


def computed_limits(cards: pd.DataFrame, kinds: np.ndarray, multipliers: np.ndarray) -> dict[str, np.ndarray]:
    """The four limits and `ci_method`: the published ones where the publisher gave a lower 95% limit, otherwise
    computed for a proportion (Wilson), rate or count (Poisson), otherwise none."""
    value, numerator, denominator = (_column(cards, name) for name in ("value", "numerator", "denominator"))
    limits = {name: _column(cards, name) for pair in CONFIDENCE_LIMITS.values() for name in pair}
    method = cards["ci_method"].to_numpy(dtype=object, na_value=None).copy()
    missing = np.isnan(limits["lower_95"])
    for name in limits:
        limits[name][missing] = np.nan
    method[missing] = None
    proportion, rate, count = (missing & (kinds == kind) for kind in ("proportion", "rate", "count"))
    for confidence, (lower, upper) in CONFIDENCE_LIMITS.items():
        wilson = st.wilson_intervals(numerator[proportion], denominator[proportion], confidence)
        limits[lower][proportion], limits[upper][proportion] = (limit * 100 for limit in wilson)
        limits[lower][rate], limits[upper][rate] = st.rate_intervals(
            numerator[rate], denominator[rate], multipliers[rate], confidence
        )
        limits[lower][count], limits[upper][count] = st.poisson_intervals(value[count], confidence)
    method[proportion] = "computed: Wilson"
    method[rate] = st.poisson_methods(numerator[rate])
    method[count] = st.poisson_methods(value[count])
    return {**limits, "ci_method": method}


def previous_periods(cards: pd.DataFrame) -> np.ndarray:
    """Each card's previous comparable period, as an index into `cards` (-1 for none): the latest earlier period of
    its series that ends before this one starts (a year earlier for rolling 12 months).

    One binary search over all series at once: each series' period ends are offset into a band of their own.
    """
    position = cards["position"].to_numpy()
    start, end = cards["start_day"].to_numpy(dtype=np.int64), cards["end_day"].to_numpy(dtype=np.int64)
    first_day = min(start.min(), end.min())
    band = max(start.max(), end.max()) - first_day + 1
    series = np.cumsum(position == 0) * band
    found = np.searchsorted(series + end - first_day, series + start - first_day, side="left") - 1
    return np.where(found >= np.arange(len(cards)) - position, found, -1)


def _trends(cards: pd.DataFrame, kinds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The recent trend and its method: a chi-squared test over the last 5 consecutive annual points of one kind,
    or process control for a rolling series of counts with 9 known points."""
    value, numerator, denominator = (_column(cards, name) for name in ("value", "numerator", "denominator"))
    polarity = cards["polarity"].to_numpy(dtype=object)
    position = cards["position"].to_numpy()
    follows = cards["follows"].to_numpy(dtype=bool)
    trend, method = np.full(len(cards), None, dtype=object), np.full(len(cards), None, dtype=object)

    rows = np.flatnonzero(cards["annual"].to_numpy(dtype=bool) & (position >= TREND_POINTS - 1) & pd.notna(kinds))
    window = rows[:, None] + np.arange(1 - TREND_POINTS, 1)  # a series' rows are together, in period order
    tested = follows[window[:, 1:]].all(axis=1) & (kinds[window] == kinds[rows][:, None]).all(axis=1)
    rows, window = rows[tested], window[tested]
    for kind in ("count", "proportion", "rate"):
        these = kinds[rows] == kind
        if kind == "count":
            trend[rows[these]] = st.recent_trends(value[window[these]], None, "rate", polarity[rows[these]])
        else:
            numerators, denominators = numerator[window[these]], denominator[window[these]]
            trend[rows[these]] = st.recent_trends(numerators, denominators, kind, polarity[rows[these]])
    method[rows] = ANNUAL_TREND

    rows = np.flatnonzero(cards["rolling"].to_numpy(dtype=bool) & (kinds == "count") & (position >= SPC_POINTS - 1))
    window = rows[:, None] + np.arange(1 - SPC_POINTS, 1)
    known = ~np.isnan(value[window]).any(axis=1)
    rows, window = rows[known], window[known]
    trend[rows] = st.spc_signals(value[window], polarity[rows])
    method[rows] = SPC_TREND
    return trend, method


def card_statistics(cards: pd.DataFrame) -> pd.DataFrame:
    """For `cards` in series order (see the module docstring), by `row_id`: the limits and `ci_method`, the
    comparisons and their basis, the RAG status, direction of travel and trend, and the flags the wording needs."""
    value = _column(cards, "value")
    polarity = cards["polarity"].to_numpy(dtype=object)
    multipliers, counted = _by_unit(cards, multiplier, float), _by_unit(cards, is_count, bool)
    kinds = value_kinds(cards, multipliers, counted)
    limits = computed_limits(cards, kinds, multipliers)

    # A value without an interval counts as its own interval: compared by value only, and with no interval a
    # difference cannot be called better or worse, only higher or lower.
    no_interval = np.isnan(limits["lower_95"]) | np.isnan(limits["upper_95"])
    lower = np.where(no_interval, value, limits["lower_95"])
    upper = np.where(no_interval, value, limits["upper_95"])
    judged = polarity.copy()
    judged[no_interval] = "no_judgement"
    basis = np.empty(len(cards), dtype=object)
    basis.fill(INTERVAL_BASIS)
    basis[no_interval] = VALUES_ONLY_BASIS
    comparisons = {}
    for column, benchmark in BENCHMARKS.items():
        verdicts = st.compare_with_benchmarks(lower, upper, _column(cards, benchmark), judged)
        verdicts[counted] = None  # a count is compared over time, not with other areas
        comparisons[column] = verdicts

    # Against the previous comparable period: the latest earlier one that does not overlap this one.
    previous = previous_periods(cards)
    now = np.flatnonzero(previous >= 0)
    before = previous[now]
    direction = np.full(len(cards), None, dtype=object)
    direction[now] = st.directions_of_travel(
        (value[now], lower[now], upper[now]), (value[before], lower[before], upper[before]), polarity[now]
    )
    trend, trend_method = _trends(cards, kinds)
    return pd.DataFrame(
        {
            "row_id": cards["row_id"],
            "previous_row": np.where(previous >= 0, cards["row_id"].to_numpy()[previous], -1),  # -1: none
            "annual": cards["annual"],
            "counted": counted,
            **limits,
            "significance_basis": basis,
            **comparisons,
            "rag_status": st.rag_statuses(value, _column(cards, "target"), _column(cards, "amber_margin"), polarity),
            "direction_of_travel": direction,
            "trend": trend,
            "trend_method": trend_method,
        }
    )
