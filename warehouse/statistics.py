"""Statistical methods of the monitoring report, as OHID Fingertips and PHEindicatormethods use them.

Kept free of DuckDB and Dagster so each method can be checked against values worked by hand. Every
function takes plain numbers and returns plain numbers or the words the committee reads; `None` means
"cannot be assessed" (a missing value or interval), never a guess.

The report computes every card of every council at once (about 63,000 at national scale), where calling these
functions row by row took seconds; so the methods it applies to whole columns also come in a column form (the
plural names, at the end). Those take numpy arrays (NaN for a missing number) and do the same arithmetic in the
same order, so they agree with the one-value functions, which stay the reference worked against by hand
(`tests/test_statistics.py` checks the two agree).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import special

# scipy.special, not scipy.stats: the same functions scipy.stats calls (norm.ppf is ndtri; chi2.ppf(p, 2k) / 2 is
# gammaincinv(k, p), to the bit), without scipy.stats' 0.6 s import where nothing else needs it (a report or an
# indicator rebuilt with no file checked; Great Expectations imports scipy.stats itself).

POLARITIES = ("lower_is_better", "higher_is_better", "no_judgement")
SIMILAR = "similar"
NO_CHANGE = "no significant change"


@lru_cache(maxsize=32)
def z_value(confidence: float) -> float:
    """The two-sided normal quantile: 1.96 at 95%, 3.09 at 99.8%."""
    return float(special.ndtri(1 - (1 - confidence) / 2))


def wilson_interval(numerator: float, denominator: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion numerator/denominator, as proportions (0..1).

    Unlike the normal approximation it stays inside 0..1 and is usable at 0% and 100%.
    """
    if denominator <= 0 or numerator < 0 or numerator > denominator:
        raise ValueError(f"a proportion needs 0 <= numerator <= denominator > 0, not {numerator}/{denominator}")
    z = z_value(confidence)
    p = numerator / denominator
    q = 1 - p
    centre = 2 * numerator + z * z
    spread = z * math.sqrt(z * z + 4 * numerator * q)
    scale = 2 * (denominator + z * z)
    return max(0.0, (centre - spread) / scale), min(1.0, (centre + spread) / scale)


def poisson_interval(count: float, confidence: float = 0.95) -> tuple[float, float]:
    """Interval of a count: Byar's approximation from 10 up, the exact (chi-squared) Poisson limits below."""
    if count < 0:
        raise ValueError(f"a count cannot be negative: {count}")
    alpha = 1 - confidence
    if count < 10:
        lower = 0.0 if count == 0 else float(special.gammaincinv(count, alpha / 2))
        upper = float(special.gammaincinv(count + 1, 1 - alpha / 2))
        return lower, upper
    z = z_value(confidence)
    lower = count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    above = count + 1
    upper = above * (1 - 1 / (9 * above) + z / (3 * math.sqrt(above))) ** 3
    return lower, upper


def poisson_method(count: float) -> str:
    """The label of the method `poisson_interval` used for `count`."""
    return "computed: exact Poisson" if count < 10 else "computed: Byar"


def rate_interval(count: float, denominator: float, multiplier: float, confidence: float = 0.95) -> tuple[float, float]:
    """Interval of a crude rate count/denominator*multiplier (the count's Poisson interval, scaled)."""
    if denominator <= 0:
        raise ValueError(f"a rate needs a positive denominator, not {denominator}")
    lower, upper = poisson_interval(count, confidence)
    return lower / denominator * multiplier, upper / denominator * multiplier


def _higher_lower(higher: bool, polarity: str) -> str:
    if polarity not in POLARITIES:
        raise ValueError(f"unknown polarity {polarity!r}; expected one of {POLARITIES}")
    if polarity == "no_judgement":
        return "higher" if higher else "lower"
    return "worse" if higher == (polarity == "lower_is_better") else "better"


def compare_with_benchmark(
    lower: float | None, upper: float | None, benchmark: float | None, polarity: str
) -> str | None:
    """Fingertips' comparison: "similar" when the benchmark lies inside the area's interval, else
    "better"/"worse" by polarity ("higher"/"lower" for context-only indicators)."""
    if lower is None or upper is None or benchmark is None or any(map(math.isnan, (lower, upper, benchmark))):
        return None
    if lower <= benchmark <= upper:
        return SIMILAR
    return _higher_lower(lower > benchmark, polarity)


def _direction(increasing: bool, polarity: str) -> str:
    if polarity == "no_judgement":
        return "increasing" if increasing else "decreasing"
    return "worsening" if increasing == (polarity == "lower_is_better") else "improving"


def direction_of_travel(
    current: tuple[float, float, float] | None,
    previous: tuple[float, float, float] | None,
    polarity: str,
    confidence: float = 0.95,
) -> str | None:
    """Change against the previous comparable period: (value, lower_95, upper_95) each.

    A z-test of the difference, with each standard error read from its 95% interval (width / 2 x 1.96),
    so published and computed intervals are treated alike. Significant changes are worded by polarity.
    """
    if current is None or previous is None or any(v is None or math.isnan(v) for v in (*current, *previous)):
        return None
    z95 = z_value(0.95)
    se_current = (current[2] - current[1]) / (2 * z95)
    se_previous = (previous[2] - previous[1]) / (2 * z95)
    spread = math.hypot(se_current, se_previous)
    difference = current[0] - previous[0]
    if spread == 0:
        return NO_CHANGE if difference == 0 else _direction(difference > 0, polarity)
    if abs(difference) / spread <= z_value(confidence):
        return NO_CHANGE
    return _direction(difference > 0, polarity)


def _trend_variance(kind: str, pooled: Any, spread: Any) -> Any:
    """The score's variance under no trend, for one series (floats) or many (arrays) alike."""
    if kind == "proportion":
        return pooled * (1 - pooled) * spread
    if kind == "rate":
        return pooled * spread
    raise ValueError(f"trend kind must be 'proportion' or 'rate', not {kind!r}")


def trend_statistic(numerators: Sequence[float], denominators: Sequence[float] | None, kind: str) -> float:
    """Chi-squared (1 df) score test for a linear trend over equally spaced periods.

    `kind` "proportion": the Cochran-Armitage test on numerator/denominator (variance p(1-p)).
    `kind` "rate": the same score test for Poisson counts over denominators (variance = the pooled rate);
    denominators of None treat the series as plain counts.
    The sign of the result is the direction of the trend (positive = increasing).
    """
    counts = [float(n) for n in numerators]
    sizes = [float(d) for d in denominators] if denominators is not None else [1.0] * len(counts)
    times = list(range(len(counts)))
    total_count, total_size = sum(counts), sum(sizes)
    pooled = total_count / total_size
    score = sum(t * (o - n * pooled) for t, o, n in zip(times, counts, sizes, strict=True))
    weighted = sum(n * t for t, n in zip(times, sizes, strict=True))
    spread = sum(n * t * t for t, n in zip(times, sizes, strict=True)) - weighted**2 / total_size
    variance = _trend_variance(kind, pooled, spread)
    if variance <= 0:
        return 0.0
    return math.copysign(score * score / variance, score)


def recent_trend(
    numerators: Sequence[float],
    denominators: Sequence[float] | None,
    kind: str,
    polarity: str,
    points: int = 5,
    confidence: float = 0.998,
) -> str | None:
    """The recent-trend verdict over the last `points` annual values (None when fewer are known)."""
    if len(numerators) < points:
        return None
    statistic = trend_statistic(numerators[-points:], None if denominators is None else denominators[-points:], kind)
    if abs(statistic) <= z_value(confidence) ** 2:
        return NO_CHANGE
    return _direction(statistic > 0, polarity)


def spc_signal(counts: Sequence[float], polarity: str, baseline_points: int = 8, sigmas: float = 3.0) -> str | None:
    """Statistical process control for a rolling series of counts (a c-chart, Poisson limits).

    Overlapping rolling 12-month totals are not independent, so a trend test would overstate
    significance; instead the latest point is judged against centre +/- `sigmas` x sqrt(centre), the
    centre being the mean of the `baseline_points` before it. A point beyond a limit is a signal.
    """
    if len(counts) < baseline_points + 1:
        return None
    baseline = [float(c) for c in counts[-baseline_points - 1 : -1]]
    centre = sum(baseline) / len(baseline)
    limit = sigmas * math.sqrt(centre)
    latest = float(counts[-1])
    if centre - limit <= latest <= centre + limit:
        return NO_CHANGE
    return _direction(latest > centre, polarity)


def rag_status(value: float | None, target: float | None, amber_margin: float | None, polarity: str) -> str | None:
    """Red/amber/green against a local target: green when met, amber when within `amber_margin` of it."""
    if value is None or target is None or math.isnan(value) or math.isnan(target) or polarity == "no_judgement":
        return None
    shortfall = value - target if polarity == "lower_is_better" else target - value
    if shortfall <= 0:
        return "green"
    if amber_margin is not None and not math.isnan(amber_margin) and shortfall <= amber_margin:
        return "amber"
    return "red"


# Column forms of the methods above, for the report's whole-table computation (see the module docstring).


def _words(condition: np.ndarray, when_true: str, when_false: str) -> np.ndarray:
    """An object array of `when_true` where `condition` holds, else `when_false`.

    Filled, not `np.full`, and assigned, not `np.where` with a word: those make a new string per element.
    """
    words = np.empty(len(condition), dtype=object)
    words.fill(when_false)
    words[condition] = when_true
    return words


def _directions(increasing: np.ndarray, polarity: np.ndarray) -> np.ndarray:
    """`_direction` over arrays."""
    judged = _words(increasing == (polarity == "lower_is_better"), "worsening", "improving")
    return np.where(polarity == "no_judgement", _words(increasing, "increasing", "decreasing"), judged)


def _running_sum(rows: np.ndarray) -> np.ndarray:
    """Each row's sum, added left to right as Python's `sum` does (so results match to the last bit)."""
    total = np.zeros(len(rows))
    for column in rows.T:
        total = total + column
    return total


def wilson_intervals(
    numerators: np.ndarray, denominators: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """`wilson_interval` over arrays."""
    invalid = (denominators <= 0) | (numerators < 0) | (numerators > denominators)
    if invalid.any():
        first = np.flatnonzero(invalid)[0]
        wilson_interval(float(numerators[first]), float(denominators[first]))  # raises, naming the pair
    z = z_value(confidence)
    q = 1 - numerators / denominators
    centre = 2 * numerators + z * z
    spread = z * np.sqrt(z * z + 4 * numerators * q)
    scale = 2 * (denominators + z * z)
    return np.maximum(0.0, (centre - spread) / scale), np.minimum(1.0, (centre + spread) / scale)


def poisson_intervals(counts: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """`poisson_interval` over an array of counts."""
    if (counts < 0).any():
        raise ValueError(f"a count cannot be negative: {counts[counts < 0][0]}")
    alpha, z = 1 - confidence, z_value(confidence)
    small = counts < 10
    lower, upper = np.empty(len(counts)), np.empty(len(counts))
    few = counts[small]
    with np.errstate(invalid="ignore"):  # the gamma quantile of shape 0, for a count of 0, is not used
        lower[small] = np.where(few == 0, 0.0, special.gammaincinv(few, alpha / 2))
    upper[small] = special.gammaincinv(few + 1, 1 - alpha / 2)
    many = counts[~small]
    lower[~small] = many * (1 - 1 / (9 * many) - z / (3 * np.sqrt(many))) ** 3
    above = many + 1
    upper[~small] = above * (1 - 1 / (9 * above) + z / (3 * np.sqrt(above))) ** 3
    return lower, upper


def poisson_methods(counts: np.ndarray) -> np.ndarray:
    """`poisson_method` over an array of counts."""
    return _words(counts < 10, "computed: exact Poisson", "computed: Byar")


def rate_intervals(
    counts: np.ndarray, denominators: np.ndarray, multipliers: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """`rate_interval` over arrays."""
    if (denominators <= 0).any():
        raise ValueError(f"a rate needs a positive denominator, not {denominators[denominators <= 0][0]}")
    lower, upper = poisson_intervals(counts, confidence)
    return lower / denominators * multipliers, upper / denominators * multipliers


def compare_with_benchmarks(
    lower: np.ndarray, upper: np.ndarray, benchmark: np.ndarray, polarity: np.ndarray
) -> np.ndarray:
    """`compare_with_benchmark` over arrays: an object array of words, None where not assessed."""
    verdicts = np.full(len(lower), None, dtype=object)
    known = ~(np.isnan(lower) | np.isnan(upper) | np.isnan(benchmark))
    inside = known & (lower <= benchmark) & (benchmark <= upper)
    outside = known & ~inside
    unknown = outside & ~np.logical_or.reduce([polarity == known_one for known_one in POLARITIES])
    if unknown.any():
        _higher_lower(True, polarity[unknown][0])  # raises, naming the polarity
    higher = lower > benchmark
    judged = _words(higher == (polarity == "lower_is_better"), "worse", "better")
    words = np.where(polarity == "no_judgement", _words(higher, "higher", "lower"), judged)
    verdicts[inside] = SIMILAR
    verdicts[outside] = words[outside]
    return verdicts


def directions_of_travel(
    current: tuple[np.ndarray, np.ndarray, np.ndarray],
    previous: tuple[np.ndarray, np.ndarray, np.ndarray],
    polarity: np.ndarray,
    confidence: float = 0.95,
) -> np.ndarray:
    """`direction_of_travel` over arrays: (values, lower_95s, upper_95s) each, NaN where unknown."""
    known = ~np.isnan(np.vstack([*current, *previous])).any(axis=0)
    z95 = z_value(0.95)
    se_current = (current[2] - current[1]) / (2 * z95)
    se_previous = (previous[2] - previous[1]) / (2 * z95)
    spread = np.hypot(se_current, se_previous)
    difference = current[0] - previous[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        within = np.where(spread == 0, difference == 0, np.abs(difference) / spread <= z_value(confidence))
    verdicts = _directions(difference > 0, polarity)
    verdicts[within] = NO_CHANGE
    verdicts[~known] = None
    return verdicts


def trend_statistics(numerators: np.ndarray, denominators: np.ndarray | None, kind: str) -> np.ndarray:
    """`trend_statistic` for many series at once: one series a row, periods in columns."""
    counts = np.asarray(numerators, dtype=float)
    sizes = np.ones_like(counts) if denominators is None else np.asarray(denominators, dtype=float)
    times = np.arange(counts.shape[1])
    total_count, total_size = _running_sum(counts), _running_sum(sizes)
    pooled = total_count / total_size
    score = _running_sum(times * (counts - sizes * pooled[:, None]))
    weighted = _running_sum(sizes * times)
    spread = _running_sum(sizes * times * times) - weighted**2 / total_size
    variance = _trend_variance(kind, pooled, spread)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(variance <= 0, 0.0, np.copysign(score * score / variance, score))


def recent_trends(
    numerators: np.ndarray,
    denominators: np.ndarray | None,
    kind: str,
    polarity: np.ndarray,
    points: int = 5,
    confidence: float = 0.998,
) -> np.ndarray:
    """`recent_trend` for many series at once: one series a row (its last `points` columns are tested)."""
    if numerators.shape[1] < points:
        return np.full(len(numerators), None, dtype=object)
    statistic = trend_statistics(
        numerators[:, -points:], None if denominators is None else denominators[:, -points:], kind
    )
    verdicts = _directions(statistic > 0, polarity)
    verdicts[np.abs(statistic) <= z_value(confidence) ** 2] = NO_CHANGE
    return verdicts


def spc_signals(counts: np.ndarray, polarity: np.ndarray, baseline_points: int = 8, sigmas: float = 3.0) -> np.ndarray:
    """`spc_signal` for many series at once: one series a row, its latest point in the last column."""
    if counts.shape[1] < baseline_points + 1:
        return np.full(len(counts), None, dtype=object)
    centre = _running_sum(counts[:, -baseline_points - 1 : -1]) / baseline_points
    limit = sigmas * np.sqrt(centre)
    latest = counts[:, -1]
    within = (centre - limit <= latest) & (latest <= centre + limit)
    verdicts = _directions(latest > centre, polarity)
    verdicts[within] = NO_CHANGE
    return verdicts


def rag_statuses(value: np.ndarray, target: np.ndarray, amber_margin: np.ndarray, polarity: np.ndarray) -> np.ndarray:
    """`rag_status` over arrays."""
    shortfall = np.where(polarity == "lower_is_better", value - target, target - value)
    amber = ~np.isnan(amber_margin) & (shortfall <= amber_margin)
    statuses = _words(shortfall <= 0, "green", "amber")
    statuses[(shortfall > 0) & ~amber] = "red"
    assessed = ~(np.isnan(value) | np.isnan(target)) & (polarity != "no_judgement")
    statuses[~assessed] = None
    return statuses
