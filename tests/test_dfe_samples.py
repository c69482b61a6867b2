"""The offline run on the bundled samples fills all seven indicators for the demo council, its region and
England; expected values are computed here from the sample files with the csv module."""

import csv
import io
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
from pytest_httpserver import HTTPServer

from assets.indicators import ees_rounding
from assets.reference import areas
from assets.resources import PopulationResource
from checks.dfe import ees_suite
from checks.runner import run_suite
from sources import ees, population
from sources.sample_adapter import sample_path
from tests.conftest import SAMPLES, make_resources, materialize, rebuilt
from tests.dfe_support import (
    ALL_DFE_ASSETS,
    CATALOGUE,
    dataset_asset,
    ees_dataset,
    live_resources,
    local_catalogue,
    population_asset,
    query,
    sample_url,
)
from warehouse.csc_indicators import reconcile, tolerance
from warehouse.database import migrate
from warehouse.landing import land_frame
from warehouse.reference import load_reference

INDICATORS = [
    "csc_cin_rate",
    "csc_cpp_rate",
    "csc_cla_rate",
    "csc_rereferral_pct",
    "csc_cpp_repeat_pct",
    "csc_cla_adopted_pct",
    "edu_persistent_absence_secondary_pct",
]


def sample_rows(key: str) -> list[dict[str, str]]:
    url = sample_url(key)
    return list(csv.DictReader(io.StringIO(sample_path(SAMPLES, url).read_text(encoding="utf-8-sig"))))


def population_rows() -> list[dict[str, str]]:
    text = sample_path(SAMPLES, CATALOGUE.dataset("ons_population").option("dfe_file_url")).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def pick(rows: list[dict[str, str]], **match: str) -> dict[str, str]:
    found = [row for row in rows if all(row[name] == value for name, value in match.items())]
    assert len(found) == 1, match
    return found[0]


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    data_dir = tmp_path_factory.mktemp("samples") / "data"
    result = materialize(ALL_DFE_ASSETS, make_resources(data_dir))
    assert result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    return data_dir / "warehouse" / "outcomes.duckdb", checks


def materialized(result: dg.ExecuteInProcessResult) -> set[str]:
    return {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}


def value(database: Path, indicator: str, area: str, label: str) -> tuple:
    rows = query(
        database,
        "select value, numerator, denominator, value_status, status_token, caveat from marts.indicator_values "
        "where indicator_id = ? and area_code = ? and period_label = ?",
        [indicator, area, label],
    )
    assert len(rows) == 1, (indicator, area, label)
    return rows[0]


def test_all_seven_indicators_for_council_region_and_england(sample_run: tuple[Path, dict]) -> None:
    database, checks = sample_run
    assert all(check.passed for check in checks.values()), [c.description for c in checks.values() if not c.passed]
    rows = query(
        database,
        "select indicator_id, area_code, count(value) from marts.indicator_values where source = 'dfe_ees' "
        "and area_code in ('E06000059', 'E12000009', 'E92000001') group by all",
    )
    filled = {(indicator, area) for indicator, area, count in rows if count > 0}
    assert filled == {(i, a) for i in INDICATORS for a in ("E06000059", "E12000009", "E92000001")}


def test_cin_rate_uses_the_mid_year_before_the_reporting_year(sample_run: tuple[Path, dict]) -> None:
    database, _ = sample_run
    at31 = float(pick(sample_rows("cin_b1"), time_period="2025", new_la_code="E06000059")["At31_episodes"])
    children = float(pick(population_rows(), time_period="2024", new_la_code="E06000059")["population_estimate"])
    got = value(database, "csc_cin_rate", "E06000059", "2024-25")
    assert got[:4] == (pytest.approx(at31 / children * 10_000), at31, children, "ok")


def test_cla_adopted_is_adopted_over_all_ceasing(sample_run: tuple[Path, dict]) -> None:
    database, _ = sample_run
    adopted = pick(
        sample_rows("cla_adopted"),
        time_period="2025",
        new_la_code="E06000059",
        characteristic="Adopted",
        breakdown="Total",
    )
    ceasing = pick(
        sample_rows("cla_rate"),
        time_period="2025",
        new_la_code="E06000059",
        population_type="Children ceasing to be looked after each year",
    )
    a, c = float(adopted["children_count"]), float(ceasing["children_count"])
    assert value(database, "csc_cla_adopted_pct", "E06000059", "2024-25")[:3] == (pytest.approx(100 * a / c), a, c)


def test_persistent_absence_is_the_published_secondary_figure(sample_run: tuple[Path, dict]) -> None:
    database, _ = sample_run
    for area, column in (("E06000059", "new_la_code"), ("E92000001", "country_code")):
        matches = [
            row
            for row in sample_rows("pupil_absence")
            if row["time_period"] == "202425"
            and row["education_phase"] == "State-funded secondary"
            and row[column] == area
        ]
        row = matches[0] if area != "E92000001" else next(r for r in matches if r["geographic_level"] == "National")
        got = value(database, "edu_persistent_absence_secondary_pct", area, "2024/25")
        assert got[:3] == (
            float(row["enrolments_pa_10_exact_percent"]),
            float(row["enrolments_pa_10_exact"]),
            float(row["enrolments"]),
        )


def test_suppression_tokens_become_typed_statuses(sample_run: tuple[Path, dict]) -> None:
    database, _ = sample_run
    assert value(database, "csc_rereferral_pct", "E06000059", "2019-20")[3:5] == ("not_available", "x")
    assert value(database, "csc_rereferral_pct", "E06000054", "2023-24")[0:5] == (
        None,
        None,
        None,
        "low_reliability",
        "u",
    )
    old_dorset = value(database, "csc_cin_rate", "E10000009", "2018-19")
    assert old_dorset[0] is None and old_dorset[3:5] == ("not_available", "x")  # no population for old Dorset


def test_series_breaks_and_rebuilds_follow_the_successions(sample_run: tuple[Path, dict]) -> None:
    database, _ = sample_run
    first = value(database, "csc_cpp_repeat_pct", "E06000059", "2019-20")[5]
    assert first.startswith("break in series: on 2019-04-01 E06000059 replaced E10000009 Dorset County Council")
    assert value(database, "csc_cpp_repeat_pct", "E06000059", "2020-21")[5] is None
    # No absence rows for the old county: nothing to break.
    assert value(database, "edu_persistent_absence_secondary_pct", "E06000059", "2021/22")[5] is None
    somerset_old = pick(sample_rows("cin_d3"), time_period="2020", new_la_code="E10000027")
    rebuilt = value(database, "csc_cpp_repeat_pct", "E06000066", "2019-20")
    assert rebuilt[0] == float(somerset_old["CPP_subsequent_percent"])
    assert rebuilt[5].startswith("rebuilt: value of E10000027 Somerset County Council")


def test_api_versions_are_recorded_and_a_new_version_reloads(tmp_path: Path, httpserver: HTTPServer) -> None:
    api_id = "342f9a01-26f0-2a71-91a1-f8bc0bee8b11"
    text = sample_path(SAMPLES, sample_url("cin_c1")).read_text()
    lines = text.splitlines()
    england = lines[1].split(",")
    assert england[2] == "National" and england[0] == "2025"
    england[11] = str(int(england[11]) + 10)  # DfE revises England's 2025 referrals in version 2.0
    revised = "\n".join([lines[0], ",".join(england), *lines[2:]]) + "\n"

    def publish(version: str, bodies: dict[str, str]) -> Path:
        """EES with `version` the data set's latest (what the API's data sets of the publication say)."""
        httpserver.clear()
        folder = local_catalogue(tmp_path / "catalogue", httpserver, {"cin_c1": api_id}, api_version=version)
        for number, body in bodies.items():
            httpserver.expect_request(
                f"/statistics/v1/data-sets/{api_id}/csv", query_string={"dataSetVersion": number}
            ).respond_with_data(body, content_type="text/csv")
        return folder

    data_dir = tmp_path / "data"
    catalogue = publish("1.0", {"1.0": text})
    resources = live_resources(data_dir, catalogue)
    assets = [areas, dataset_asset("cin_c1", catalogue)]
    assert materialize(assets, resources).success
    again = materialize(assets, resources)
    assert again.success and rebuilt(again) == set()  # same version and bytes: nothing rebuilds
    publish("2.0", {"1.0": text, "2.0": revised})
    second = materialize(assets, resources)
    assert second.success and rebuilt(second) == {"landing/dfe_cin_c1", "clean/dfe_cin_c1"}
    database = data_dir / "warehouse" / "outcomes.duckdb"
    loads = query(
        database, "select dataset_version, status, url from meta.loads where dataset = 'cin_c1' order by started_at"
    )
    # version 1.0 landed, fetched again unchanged (logged, not landed), then version 2.0 landed
    assert [(version, status) for version, status, _ in loads] == [
        ("1.0", "published"),
        ("1.0", "unchanged"),
        ("2.0", "published"),
    ]
    assert loads[-1][2].endswith("csv?dataSetVersion=2.0")
    landed = query(
        database,
        "select denominator from clean.dfe_ees where dataset = 'cin_c1' and time_period = '2025' "
        "and geographic_level = 'National'",
    )
    assert landed == [(float(england[11]),)]


def test_nomis_population_sums_single_years_0_to_17(tmp_path: Path) -> None:
    resource = PopulationResource(route="nomis")
    nomis_base = CATALOGUE.dataset("ons_population").option("nomis_base")
    url = population.nomis_url(nomis_base, ["E06000059", "E12000009", "E92000001"], resource.nomis_years)
    path = sample_path(SAMPLES, url)
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    expected = sum(int(r["OBS_VALUE"]) for r in rows if r["GEOGRAPHY_CODE"] == "E06000059" and r["DATE_NAME"] == "2024")
    parsed = population.parse_nomis(path)
    dorset = parsed[(parsed["area_code"] == "E06000059") & (parsed["period_year"] == 2024)]
    assert dorset["numerator"].tolist() == [expected]
    assert sorted(parsed["geographic_level"].unique()) == ["Local authority", "National", "Regional"]
    short = tmp_path / "short.csv"
    short.write_text("\n".join(line for line in path.read_text().splitlines() if '"Age 17"' not in line) + "\n")
    with pytest.raises(Exception, match="17 single years of age where 0 to 17 needs 18"):
        population.parse_nomis(short)


def test_the_nomis_route_lands_the_council_region_and_england(tmp_path: Path) -> None:
    resources = make_resources(tmp_path / "data") | {"population_source": PopulationResource(route="nomis")}
    result = materialize([areas, population_asset()], resources)
    assert result.success
    rows = query(
        tmp_path / "data" / "warehouse" / "outcomes.duckdb",
        "select area_code, count(*) from clean.ons_population group by all order by 1",
    )
    assert rows == [("E06000059", 7), ("E12000009", 7), ("E92000001", 7)]


def test_rules_catch_impossible_percentages_and_numerators(tmp_path: Path) -> None:
    frame = pd.DataFrame(sample_rows("cin_c1"))
    path = tmp_path / "c1.csv"
    frame.loc[3, "rereferral_count"] = str(int(frame.loc[3, "referral_count"]) + 1)
    frame.loc[4, "rereferral_percent"] = "120.5"
    frame.to_csv(path, index=False)
    con = duckdb.connect()
    migrate(con)
    load_reference(con)
    dataset = ees_dataset("cin_c1")
    land_frame(con, ees.parse(path, dataset), "dfe_ees", "dataset", ["cin_c1"], "test")
    codes = [row[0] for row in con.execute("select area_code from marts.areas").fetchall()]
    suite = ees_suite(
        dataset.key, codes, geographic_levels=ees.GEOGRAPHIC_LEVELS, statuses=ees.STATUSES, value_is_percent=True
    )
    verdict = run_suite(con, suite, "dataset = ?", ["cin_c1"])
    broken = {result.rule.column: [e["_source_row"] for e in result.examples] for result in verdict.failures}
    assert broken == {"numerator_within_denominator": [5], "published": [6]}


def test_reconcile_names_the_area_and_year_beyond_rounding() -> None:
    comparison = pd.DataFrame(
        [
            # Dorset: 437 / 67149 * 10000 = 65.08 against DfE's whole-number 65: within 0.5.
            (
                "csc_cla_rate",
                "cla_rate",
                "E06000059",
                "Dorset",
                "Local authority",
                "2024-25",
                437.0,
                67149.0,
                65.079,
                65.0,
                "rate per 10000",
            ),
            # A rate 1.2 away from DfE's: beyond the rounding.
            (
                "csc_cla_rate",
                "cla_rate",
                "E06000058",
                "BCP",
                "Local authority",
                "2024-25",
                500.0,
                74000.0,
                67.57,
                66.0,
                "rate per 10000",
            ),
            # England's percentage from counts rounded to 10: 14,550 / 64,390 allows 0.05 + 0.0095.
            (
                "csc_cpp_repeat_pct",
                "cin_d3",
                "E92000001",
                "England",
                "National",
                "2021-22",
                14550.0,
                64390.0,
                22.5967,
                22.6,
                "percent",
            ),
        ],
        columns=[
            "indicator_id",
            "dataset",
            "area_code",
            "area_name",
            "geographic_level",
            "period_label",
            "numerator",
            "denominator",
            "computed",
            "published",
            "unit",
        ],
    )
    mismatches = reconcile(comparison, ees_rounding(CATALOGUE))
    assert mismatches[["area_code", "period_label"]].values.tolist() == [["E06000058", "2024-25"]]
    england = comparison.iloc[2]
    assert tolerance(england, 1, 10) == pytest.approx(0.05 + 100 * (5 / 64390 + 14550 * 5 / 64390**2), abs=1e-8)
