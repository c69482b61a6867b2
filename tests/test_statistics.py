"""Each statistical method against values worked by hand here (textbook forms, published tables)."""

import math

import pytest

from warehouse import statistics as st

Z95 = 1.959964
Z998 = 3.090232


def textbook_wilson(successes: int, trials: int, z: float) -> tuple[float, float]:
    """Wilson's interval in its textbook form (centre +/- half width over 1 + z^2/n)."""
    p = successes / trials
    centre = p + z * z / (2 * trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return (centre - half) / (1 + z * z / trials), (centre + half) / (1 + z * z / trials)


def test_z_values() -> None:
    assert st.z_value(0.95) == pytest.approx(Z95, abs=1e-6)
    assert st.z_value(0.998) == pytest.approx(Z998, abs=1e-6)


@pytest.mark.parametrize("confidence, z", [(0.95, Z95), (0.998, Z998)])
@pytest.mark.parametrize("successes, trials", [(185, 250), (1, 10), (9, 10), (3, 7)])
def test_wilson_matches_the_textbook_form(successes: int, trials: int, confidence: float, z: float) -> None:
    expected = textbook_wilson(successes, trials, z)
    assert st.wilson_interval(successes, trials, confidence) == pytest.approx(expected, abs=1e-6)


def test_wilson_at_zero_and_one_hundred_percent() -> None:
    # 0/10: lower 0, upper z^2 / (n + z^2); 10/10: lower n / (n + z^2), upper 1.
    assert st.wilson_interval(0, 10) == pytest.approx((0.0, Z95**2 / (10 + Z95**2)), abs=1e-6)
    assert st.wilson_interval(0, 10) == pytest.approx((0.0, 0.27753), abs=1e-5)
    assert st.wilson_interval(10, 10) == pytest.approx((0.72247, 1.0), abs=1e-5)
    assert st.wilson_interval(10, 10, 0.998) == pytest.approx((10 / (10 + Z998**2), 1.0), abs=1e-6)


def test_wilson_rejects_impossible_proportions() -> None:
    with pytest.raises(ValueError, match="numerator"):
        st.wilson_interval(11, 10)
    with pytest.raises(ValueError, match="denominator"):
        st.wilson_interval(0, 0)


def test_exact_poisson_below_ten() -> None:
    # 0: (0, -ln(alpha/2)); 1: lower -ln(1 - alpha/2); upper values from the exact Poisson tables.
    assert st.poisson_interval(0) == pytest.approx((0.0, -math.log(0.025)), abs=1e-6)
    assert st.poisson_interval(0, 0.998) == pytest.approx((0.0, -math.log(0.001)), abs=1e-6)
    assert st.poisson_interval(1) == pytest.approx((-math.log(0.975), 5.5716), abs=1e-4)
    assert st.poisson_interval(9) == pytest.approx((4.1153, 17.0848), abs=1e-4)
    assert st.poisson_method(9) == "computed: exact Poisson"


@pytest.mark.parametrize("count", [10, 47, 638])
@pytest.mark.parametrize("confidence, z", [(0.95, Z95), (0.998, Z998)])
def test_byar_from_ten(count: int, confidence: float, z: float) -> None:
    lower = count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    upper = (count + 1) * (1 - 1 / (9 * (count + 1)) + z / (3 * math.sqrt(count + 1))) ** 3
    assert st.poisson_interval(count, confidence) == pytest.approx((lower, upper), abs=1e-4)
    assert st.poisson_method(count) == "computed: Byar"


def test_byar_at_ten_is_close_to_the_exact_limits() -> None:
    # Exact Poisson limits for 10 are 4.7954 and 18.3904 (tables); Byar's is within 0.01.
    lower, upper = st.poisson_interval(10)
    assert lower == pytest.approx(4.7875, abs=1e-3)
    assert upper == pytest.approx(18.3904, abs=1e-2)


def test_rate_interval_scales_the_count() -> None:
    lower, upper = st.rate_interval(638, 380000, 100000)
    count_lower, count_upper = st.poisson_interval(638)
    assert (lower, upper) == pytest.approx((count_lower / 3.8, count_upper / 3.8))


@pytest.mark.parametrize(
    "lower, upper, benchmark, polarity, expected",
    [
        (40.0, 50.0, 45.0, "lower_is_better", "similar"),
        (40.0, 50.0, 50.0, "lower_is_better", "similar"),
        (40.0, 50.0, 55.0, "lower_is_better", "better"),
        (40.0, 50.0, 35.0, "lower_is_better", "worse"),
        (40.0, 50.0, 55.0, "higher_is_better", "worse"),
        (40.0, 50.0, 35.0, "higher_is_better", "better"),
        (40.0, 50.0, 35.0, "no_judgement", "higher"),
        (40.0, 50.0, 55.0, "no_judgement", "lower"),
        (None, 50.0, 55.0, "lower_is_better", None),
        (40.0, 50.0, float("nan"), "lower_is_better", None),
    ],
)
def test_compare_with_benchmark(lower, upper, benchmark, polarity, expected) -> None:
    assert st.compare_with_benchmark(lower, upper, benchmark, polarity) == expected


def test_compare_rejects_an_unknown_polarity() -> None:
    with pytest.raises(ValueError, match="polarity"):
        st.compare_with_benchmark(1.0, 2.0, 3.0, "up")


def test_direction_of_travel() -> None:
    # se = width / (2 x 1.96): 10/3.919928 = 2.55107 and 8/3.919928 = 2.04086; z = 10 / 3.26698 = 3.06 > 1.96.
    current, previous = (50.0, 45.0, 55.0), (40.0, 36.0, 44.0)
    assert st.direction_of_travel(current, previous, "lower_is_better") == "worsening"
    assert st.direction_of_travel(current, previous, "higher_is_better") == "improving"
    assert st.direction_of_travel(current, previous, "no_judgement") == "increasing"
    # 3.06 < 3.09: not significant at 99.8%.
    assert st.direction_of_travel(current, previous, "lower_is_better", 0.998) == "no significant change"
    # z = 5 / 3.26698 = 1.53: no significant change at 95%.
    assert st.direction_of_travel((45.0, 40.0, 50.0), previous, "lower_is_better") == "no significant change"
    assert st.direction_of_travel(current, None, "lower_is_better") is None


def test_trend_for_proportions_worked_by_hand() -> None:
    # 10,12,14,16,18 of 100: p = 0.14, score = 20, spread = 3000 - 1000^2/500 = 1000, chi2 = 400 / 120.4.
    slow = ([10, 12, 14, 16, 18], [100] * 5)
    assert st.trend_statistic(*slow, "proportion") == pytest.approx(400 / 120.4)
    assert st.recent_trend(*slow, "proportion", "lower_is_better") == "no significant change"
    # 10..50 of 100: p = 0.3, score = 100, chi2 = 10000 / (0.21 x 1000) = 47.62 > 9.55 (99.8%).
    steep = ([10, 20, 30, 40, 50], [100] * 5)
    assert st.trend_statistic(*steep, "proportion") == pytest.approx(10000 / 210)
    assert st.recent_trend(*steep, "proportion", "lower_is_better") == "worsening"
    assert st.recent_trend(*steep, "proportion", "higher_is_better") == "improving"


def test_trend_for_counts_worked_by_hand() -> None:
    # 100..60: pooled 80, score = -100, spread = 30 - 10^2/5 = 10, chi2 = 10000 / 800 = 12.5 (decreasing).
    counts = [100, 90, 80, 70, 60]
    assert st.trend_statistic(counts, None, "rate") == pytest.approx(-12.5)
    assert st.recent_trend(counts, None, "rate", "lower_is_better") == "improving"
    # Only the last five count: a sixth, earlier point changes nothing.
    assert st.recent_trend([5, *counts], None, "rate", "lower_is_better") == "improving"
    assert st.recent_trend(counts[:4], None, "rate", "lower_is_better") is None


def test_spc_signal() -> None:
    # Centre 100, limits 100 +/- 3 x 10.
    steady = [100.0] * 8
    assert st.spc_signal([*steady, 131], "lower_is_better") == "worsening"
    assert st.spc_signal([*steady, 129], "lower_is_better") == "no significant change"
    assert st.spc_signal([*steady, 69], "lower_is_better") == "improving"
    assert st.spc_signal(steady, "lower_is_better") is None


def test_rag_status() -> None:
    assert st.rag_status(30.0, 35.0, 3.0, "lower_is_better") == "green"
    assert st.rag_status(37.0, 35.0, 3.0, "lower_is_better") == "amber"
    assert st.rag_status(39.0, 35.0, 3.0, "lower_is_better") == "red"
    assert st.rag_status(70.0, 75.0, 5.0, "higher_is_better") == "amber"
    assert st.rag_status(70.0, None, 5.0, "higher_is_better") is None
    assert st.rag_status(70.0, 75.0, 5.0, "no_judgement") is None
