"""The pipeline on DfE's real files (shared/real-data), served over HTTP: Dorset's and England's values for every
year equal the published figures, and rates recomputed from counts and population agree with DfE's rates.

Expected values are read from the files here with the csv module, independently of the loader.
"""

import csv
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.conftest import materialize
from tests.dfe_support import (
    POPULATION_FILE,
    REAL_FILES,
    areas,
    csc_indicators,
    dataset_asset,
    live_resources,
    local_catalogue,
    population_asset,
    query,
    real_file,
)

AREAS = ("E06000059", "E92000001")
RECONCILE: list = []


def real_run_fixture_reconcile() -> object:
    return RECONCILE[-1]


def _rows(name: str) -> list[dict[str, str]]:
    with open(real_file(name), encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _code(row: dict[str, str]) -> str:
    return row["country_code"] if row["geographic_level"] == "National" else row["new_la_code"]


def _published(name: str, column: str, keep: str | None = None) -> dict[tuple[str, int], str]:
    """(area, reporting year) -> the file's text value, for Dorset and England."""
    out = {}
    for row in _rows(name):
        if keep and keep not in row.values():
            continue
        if row["geographic_level"] in ("National", "Local authority") and _code(row) in AREAS:
            out[(_code(row), int(row["time_period"]))] = row[column]
    return out


@pytest.fixture(scope="module")
def real_run(make_httpserver: HTTPServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not real_file(POPULATION_FILE).exists():
        pytest.skip(f"shared/real-data is absent ({real_file(POPULATION_FILE)})")
    server = make_httpserver
    server.clear()
    for key, name in REAL_FILES.items():
        server.expect_request(f"/data-catalogue/data-set/{key}/csv").respond_with_data(
            real_file(name).read_bytes(), content_type="text/csv"
        )
    server.expect_request("/population.csv").respond_with_data(
        real_file(POPULATION_FILE).read_bytes(), content_type="text/csv"
    )
    folder = tmp_path_factory.mktemp("real")
    catalogue = local_catalogue(folder / "catalogue", server, None, server.url_for("/population.csv"))
    resources = live_resources(folder / "data")
    assets = [
        areas,
        *(dataset_asset(key, catalogue) for key in REAL_FILES),
        population_asset(catalogue),
        csc_indicators(catalogue),
    ]
    result = materialize(assets, resources)
    server.clear()
    assert result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    for key in REAL_FILES:
        assert evaluations[f"dfe_{key}_rules"].passed, evaluations[f"dfe_{key}_rules"].description
    assert evaluations["ons_population_rules"].passed
    RECONCILE.append(evaluations["dfe_published_values_reconcile"])
    return folder / "data" / "warehouse" / "outcomes.duckdb"


def _values(database: Path, indicator: str) -> dict[tuple[str, int], tuple]:
    rows = query(
        database,
        "select area_code, year(period_end), value, numerator, denominator, value_status, status_token "
        "from marts.indicator_values where indicator_id = ? and list_contains(?, area_code)",
        [indicator, list(AREAS)],
    )
    return {(row[0], row[1]): row[2:] for row in rows}


def _population() -> dict[tuple[str, int], float]:
    return {
        (_code(row), int(row["time_period"])): float(row["population_estimate"])
        for row in _rows(POPULATION_FILE)
        if _code(row) in AREAS and row["population_estimate"] != "x"
    }


@pytest.mark.parametrize(
    ("indicator", "key", "column"),
    [("csc_cin_rate", "cin_b1", "At31_episodes"), ("csc_cpp_rate", "cin_d5", "CPP_At31")],
)
def test_rates_per_10000_use_the_count_and_the_mid_year_before(
    real_run: Path, indicator: str, key: str, column: str
) -> None:
    published = _published(REAL_FILES[key], column)
    population = _population()
    values = _values(real_run, indicator)
    dorset_years = sorted(year for area, year in published if area == "E06000059")
    assert dorset_years == list(range(2020, 2026))
    assert len([k for k in published if k[0] == "E92000001"]) == 13
    for (area, year), count in published.items():
        value, numerator, denominator, status, _ = values[(area, year)]
        assert numerator == float(count)
        assert denominator == population[(area, year - 1)]
        assert value == pytest.approx(float(count) / population[(area, year - 1)] * 10_000, rel=1e-12)
        assert status == "ok"


def test_dorset_2025_cin_rate_by_hand(real_run: Path) -> None:
    # B1 2025 Dorset At31_episodes 2177; ONS mid-2024 0-17 population 67149.
    value, numerator, denominator, *_ = _values(real_run, "csc_cin_rate")[("E06000059", 2025)]
    assert (numerator, denominator) == (2177, 67149)
    assert round(value, 1) == 324.2


@pytest.mark.parametrize(
    ("indicator", "key", "column", "numerator", "denominator"),
    [
        ("csc_rereferral_pct", "cin_c1", "rereferral_percent", "rereferral_count", "referral_count"),
        ("csc_cpp_repeat_pct", "cin_d3", "CPP_subsequent_percent", "CPP_subsequent", "CPP_start"),
    ],
)
def test_percentages_equal_the_published_figures(
    real_run: Path, indicator: str, key: str, column: str, numerator: str, denominator: str
) -> None:
    published = _published(REAL_FILES[key], column)
    counts = _published(REAL_FILES[key], numerator)
    totals = _published(REAL_FILES[key], denominator)
    values = _values(real_run, indicator)
    assert len(published) == 19  # Dorset 2020-2025, England 2013-2025
    for (area, year), text in published.items():
        value, _, _, status, token = values[(area, year)]
        if text == "x":
            assert (value, status, token) == (None, "not_available", "x")
            continue
        assert value == float(text)
        recomputed = 100 * float(counts[(area, year)]) / float(totals[(area, year)])
        allowed = 0.05 + (0.01 if area == "E92000001" else 0)
        if (indicator, area, year) != ("csc_cpp_repeat_pct", "E92000001", 2022):
            assert abs(recomputed - value) <= allowed, (area, year, recomputed, value)


def test_dorset_2020_rereferrals_are_typed_not_available(real_run: Path) -> None:
    value, numerator, denominator, status, token = _values(real_run, "csc_rereferral_pct")[("E06000059", 2020)]
    assert (value, numerator, status, token) == (None, None, "not_available", "x")
    assert denominator == 3137


def test_cla_rates_recomputed_from_counts_agree_with_dfe_rates(real_run: Path) -> None:
    published = _published(REAL_FILES["cla_rate"], "rate_per_10000", keep="Children looked after on 31 March each year")
    values = _values(real_run, "csc_cla_rate")
    assert sorted(published) == sorted((area, year) for area in AREAS for year in range(2021, 2026))
    for key, rate in published.items():
        value, _, denominator, status, _ = values[key]
        assert status == "ok"
        # DfE rounds rates to whole numbers; England's count is rounded to the nearest 10 as well.
        allowed = 0.5 + (5 / denominator * 10_000 if key[0] == "E92000001" else 0)
        assert abs(value - float(rate)) <= allowed, (key, value, rate)
    assert values[("E06000059", 2025)][1:3] == (437, 67149)


def test_only_dfe_own_inconsistencies_fail_the_reconciliation(real_run: Path) -> None:
    """Every rate and percentage DfE publishes in the five files (about 5,000) is reproduced from its counts
    within the rounding, except D3 2021-22, where England's 22.7% cannot come from its own counts (14,550 of
    64,390 = 22.6% even with both rounded by up to 5), nor Yorkshire and The Humber's 23.6% from 1,660 of 7,490."""
    reconcile = real_run_fixture_reconcile()
    assert not reconcile.passed
    assert reconcile.severity.value == "WARN"
    examples = reconcile.metadata["examples"].value
    assert reconcile.metadata["compared"].value > 4900
    assert len(examples) == 2
    assert examples[0].startswith("csc_cpp_repeat_pct E92000001 England 2021-22: ours 22.597, DfE 22.7")
    assert examples[1].startswith("csc_cpp_repeat_pct E12000003 Yorkshire and The Humber 2021-22")
