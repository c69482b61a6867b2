"""The column forms of the statistical methods agree with the one-value functions, case by case.

`warehouse.statistics`' one-value functions are the reference (worked against by hand in `test_statistics.py`);
the report applies the column forms to every card at once, so each hand-picked case here, edge cases included,
must come out the same both ways.
"""

import math

import numpy as np
import pandas as pd
import pytest

from warehouse import statistics as st
from warehouse.card_statistics import card_statistics, previous_periods

NAN = math.nan
POLARITIES = ["lower_is_better", "higher_is_better", "no_judgement"]


def number(value: float) -> float | None:
    return None if math.isnan(value) else value


@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_wilson_poisson_and_rate_intervals(confidence: float) -> None:
    numerators, denominators = np.array([0.0, 10, 185, 3, 1]), np.array([10.0, 10, 250, 7, 1000])
    lower, upper = st.wilson_intervals(numerators, denominators, confidence)
    for n, d, low, high in zip(numerators, denominators, lower, upper, strict=True):
        assert (low, high) == pytest.approx(st.wilson_interval(n, d, confidence), rel=1e-14, abs=1e-300)

    counts = np.array([0.0, 1, 9, 9.5, 10, 57, 1234])
    lower, upper = st.poisson_intervals(counts, confidence)
    for count, low, high in zip(counts, lower, upper, strict=True):
        assert (low, high) == pytest.approx(st.poisson_interval(count, confidence), rel=1e-14, abs=1e-300)
    assert list(st.poisson_methods(counts)) == [st.poisson_method(count) for count in counts]

    sizes, multipliers = np.array([500.0, 5e4, 1, 80, 3e5, 1e6, 7e4]), np.array([1e5, 1e4, 100, 1e5, 1e5, 1e4, 1e3])
    lower, upper = st.rate_intervals(counts, sizes, multipliers, confidence)
    for count, size, multiplier, low, high in zip(counts, sizes, multipliers, lower, upper, strict=True):
        expected = st.rate_interval(count, size, multiplier, confidence)
        assert (low, high) == pytest.approx(expected, rel=1e-14, abs=1e-300)


def test_invalid_inputs_raise_as_the_one_value_functions_do() -> None:
    with pytest.raises(ValueError, match=r"11\.0/10\.0"):
        st.wilson_intervals(np.array([1.0, 11]), np.array([10.0, 10]))
    with pytest.raises(ValueError, match="negative"):
        st.poisson_intervals(np.array([3.0, -1]))
    with pytest.raises(ValueError, match="positive denominator"):
        st.rate_intervals(np.array([3.0]), np.array([0.0]), np.array([1e5]))
    with pytest.raises(ValueError, match="unknown polarity 'up'"):
        st.compare_with_benchmarks(np.array([1.0]), np.array([2.0]), np.array([5.0]), np.array(["up"], dtype=object))


def test_comparisons_directions_and_rag() -> None:
    # (lower, upper, benchmark): inside, above, below, edges, and a missing number in each place.
    cases = [(1, 3, 2), (1, 3, 0.5), (1, 3, 4), (1, 3, 1), (1, 3, 3), (NAN, 3, 2), (1, NAN, 2), (1, 3, NAN)]
    lower, upper, benchmark = (np.array(column, dtype=float) for column in zip(*cases, strict=True))
    for polarity in POLARITIES:
        polarities = np.full(len(cases), polarity, dtype=object)
        expected = [st.compare_with_benchmark(number(lo), number(up), number(b), polarity) for lo, up, b in cases]
        assert list(st.compare_with_benchmarks(lower, upper, benchmark, polarities)) == expected

    # (value, lower, upper) now and before: significant rises and falls, no change, a zero spread, missing numbers.
    pairs = [
        ((10, 9, 11), (5, 4, 6)),
        ((5, 4, 6), (10, 9, 11)),
        ((10, 8, 12), (9, 7, 11)),
        ((10, 10, 10), (10, 10, 10)),
        ((11, 11, 11), (10, 10, 10)),
        ((NAN, 9, 11), (5, 4, 6)),
        ((10, 9, 11), (5, NAN, 6)),
    ]
    current, previous = (
        tuple(np.array(part, dtype=float) for part in zip(*side, strict=True)) for side in zip(*pairs, strict=True)
    )
    for polarity in POLARITIES:
        polarities = np.full(len(pairs), polarity, dtype=object)
        expected = [
            st.direction_of_travel(
                None if any(map(math.isnan, now)) else now, None if any(map(math.isnan, then)) else then, polarity
            )
            for now, then in pairs
        ]
        assert list(st.directions_of_travel(current, previous, polarities)) == expected

    # (value, target, amber margin): met, within the margin, beyond it, no margin, nothing to judge.
    rag = [(10, 12, 1), (12.5, 12, 1), (15, 12, 1), (15, 12, NAN), (NAN, 12, 1), (10, NAN, 1), (12, 12, NAN)]
    value, target, margin = (np.array(column, dtype=float) for column in zip(*rag, strict=True))
    for polarity in POLARITIES:
        expected = [st.rag_status(v, number(t), number(m), polarity) for v, t, m in rag]
        assert list(st.rag_statuses(value, target, margin, np.full(len(rag), polarity, dtype=object))) == expected


def test_recent_trends_and_process_control() -> None:
    counts = np.array([[50.0, 55, 60, 70, 90], [50, 51, 49, 50, 52], [0, 0, 0, 0, 0], [90, 70, 60, 55, 50]])
    sizes = np.array([[1000.0] * 5, [100] * 5, [10] * 5, [1000] * 5])
    shares = np.array([[10.0, 20, 30, 40, 50], [50, 50, 50, 50, 50], [0, 0, 0, 0, 0], [90, 60, 40, 30, 10]])
    for polarity in POLARITIES:
        polarities = np.full(4, polarity, dtype=object)
        tests = [(counts, None, "rate"), (counts, sizes, "rate"), (shares, np.full_like(shares, 100), "proportion")]
        for numerators, denominators, kind in tests:
            expected = [
                st.recent_trend(list(row), None if denominators is None else list(denominators[i]), kind, polarity)
                for i, row in enumerate(numerators)
            ]
            assert list(st.recent_trends(numerators, denominators, kind, polarities)) == expected
        rolling = np.array([[100.0] * 8 + [100], [100] * 8 + [140], [100] * 8 + [60], [0] * 8 + [0]])
        expected = [st.spc_signal(list(row), polarity) for row in rolling]
        assert list(st.spc_signals(rolling, polarities)) == expected


def test_card_limits_for_the_edge_cases() -> None:
    """Per card: a zero numerator, a missing denominator, a missing value, counts either side of 10, a rate and a
    published interval, each against the one-value function the card's kind calls for."""
    cards = pd.DataFrame(
        {
            "row_id": range(7),
            "unit": ["percent", "percent", "percent", "count", "count", "per 100000", "percent"],
            "value": [0.0, 40.0, NAN, 7, 12, 250.0, 30.0],
            "numerator": [0.0, 20, 5, NAN, NAN, 25, 3],
            "denominator": [50.0, NAN, 10, NAN, NAN, 10000, 10],
            "lower_95": [NAN] * 6 + [20.0],
            "upper_95": [NAN] * 6 + [40.0],
            "lower_998": [NAN] * 7,
            "upper_998": [NAN] * 7,
            "ci_method": [None] * 6 + ["published"],
            "polarity": ["lower_is_better"] * 7,
            "england_value": [1.0] * 7,
            "region_value": [NAN] * 7,
            "neighbours_mean": [NAN] * 7,
            "target": [NAN] * 7,
            "amber_margin": [NAN] * 7,
            "position": range(7),  # one series of consecutive years, for these purposes
            "start_day": [365 * year for year in range(7)],
            "end_day": [365 * year + 364 for year in range(7)],
            "annual": [False] * 7,
            "rolling": [False] * 7,
            "follows": [False] * 7,
        }
    )
    result = card_statistics(cards).set_index("row_id")
    limits = result[["lower_95", "upper_95", "lower_998", "upper_998"]].to_numpy()
    expected = [
        [*(100 * x for x in st.wilson_interval(0, 50)), *(100 * x for x in st.wilson_interval(0, 50, 0.998))],
        [NAN] * 4,  # no denominator: not a proportion
        [NAN] * 4,  # no value
        [*st.poisson_interval(7), *st.poisson_interval(7, 0.998)],
        [*st.poisson_interval(12), *st.poisson_interval(12, 0.998)],
        [*st.rate_interval(25, 10000, 100000), *st.rate_interval(25, 10000, 100000, 0.998)],
        [20.0, 40.0, NAN, NAN],  # published: kept
    ]
    np.testing.assert_allclose(limits, np.array(expected), rtol=1e-14)
    methods = ["computed: Wilson", None, None, st.poisson_method(7), st.poisson_method(12), st.poisson_method(25)]
    assert list(result["ci_method"]) == [*methods, "published"]
    # Counts are not compared with England; a card without interval is compared by value, as higher or lower.
    assert list(result["vs_england"]) == ["similar", "higher", None, None, None, "worse", "worse"]


def test_previous_comparable_periods_across_series() -> None:
    """Two series side by side: rolling 12 months ending each quarter (the previous comparable period is the one
    ending before this one starts, a year earlier) and three consecutive years."""
    ends = [90, 181, 273, 365, 455]
    cards = pd.DataFrame(
        {
            "position": [0, 1, 2, 3, 4, 0, 1, 2],
            "start_day": [end - 364 for end in ends] + [0, 365, 730],
            "end_day": [*ends, 364, 729, 1094],
        }
    )
    # Only the fifth rolling period (starting on day 91) has one, the first (ending on day 90); each year but the
    # first has the year before. The first year (index 5) must not reach back into the rolling series.
    assert list(previous_periods(cards)) == [-1, -1, -1, -1, 0, -1, 5, 6]
