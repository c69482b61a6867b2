"""Quarterly indicators from the council's returns: the quarter to 31 March equals DfE's annual figure, and
nothing child-level reaches the marts, the report or the published snapshot.

The fixture is written by hand (children A, B, C in the CIN census; L in SSDA903) so that each expected value
below can be worked out from DfE's annual definitions without the code.
"""

from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from assets.reference import areas
from assets.resources import CouncilReturnsResource
from tests.conftest import SAMPLES, TEST_PSEUDONYM_KEY, asset, graph_for, make_resources, rebuilt
from tools.samples.generate_council_returns import Child, Referral, cin_census, generate, s903_tables, write
from warehouse.council_returns import pseudonym

Q4 = "2025-01-01"  # Dagster's key for January-March 2025: the extract as at 31 March 2025
POPULATION = {2023: 50_000, 2024: 40_000, 2025: 30_000}  # DfE divides 2024-25 by the mid-2024 estimate


def _child(child_id: str) -> Child:
    return Child(child_id, date(2012, 5, 5), "1", "WBRI", "A123456789012")


def _episode(child: str, start: date, legal: str, ended: date | None = None, reason: str | None = None) -> dict:
    return {
        "CHILD": child,
        "DECOM": start,
        "RNE": "S",
        "LS": legal,
        "CIN": "N1",
        "PLACE": "U1",
        "PLACE_PROVIDER": "PR1",
        "DEC": ended,
        "REC": reason,
        "REASON_PLACE_CHANGE": None,
        "HOME_POST": "DT1",
        "PL_POST": "DT2",
        "URN": "SC123456",
    }


def fixture_children() -> list[Child]:
    """The hand-made case histories (dates in the year to 31 March 2025 unless said)."""
    children = []
    for number in range(1, 15):  # A1-A14: one referral on 1 Jun 2024; A1-A8 still open, with a first plan
        child = _child(f"A{number}")
        open_case = number <= 8
        referral = Referral(
            date(2024, 6, 1), None if open_case else date(2024, 9, 1), None if open_case else "RC7", False, "N1"
        )
        if open_case:
            referral.cpps.append((date(2024, 7, 1), None, "NEG", 0))
        child.referrals.append(referral)
        children.append(child)
    for number in range(1, 7):  # B1-B6: referred Oct 2023 and again Jun 2024 (within 12 months), on a plan
        child = _child(f"B{number}")
        child.referrals.append(Referral(date(2023, 10, 1), date(2023, 11, 1), "RC7", False, "N1"))
        again = Referral(date(2024, 6, 1), None, None, False, "N1")
        again.cpps.append((date(2024, 7, 1), None, "EMO", 1 if number <= 3 else 0))  # B1-B3: a plan years ago
        child.referrals.append(again)
        children.append(child)
    for number in range(1, 7):  # C1-C6: referred Jan 2023 (plan) and May 2024 (13+ months later, second plan)
        child = _child(f"C{number}")
        first = Referral(date(2023, 1, 15), date(2023, 2, 15), "RC7", False, "N1")
        first.cpps.append((date(2023, 1, 20), date(2023, 2, 10), "PHY", 0))
        second = Referral(date(2024, 5, 1), date(2025, 1, 31), "RC7", False, "N1")
        second.cpps.append((date(2024, 5, 10), date(2024, 12, 1), "PHY", 0))  # the system did not count the first
        child.referrals += [first, second]
        children.append(child)
    for number in range(1, 29):
        child = _child(f"L{number}")
        start = date(2023, 5, 1)
        if number <= 12:  # looked after throughout
            child.episodes.append(_episode(child.child_id, start, "C2"))
        elif number <= 14:  # short breaks only (V3): not counted by DfE
            child.episodes.append(_episode(child.child_id, start, "V3"))
        elif number <= 20:  # a move on 1 Jan 2024, then adopted on 1 Oct 2024
            child.episodes.append(_episode(child.child_id, start, "C2", date(2024, 1, 1), "X1"))
            child.episodes.append(_episode(child.child_id, date(2024, 1, 1), "E1", date(2024, 10, 1), "E11"))
        elif number <= 27:  # returned home on 1 Nov 2024
            child.episodes.append(_episode(child.child_id, start, "C2", date(2024, 11, 1), "E4A"))
        else:  # ceased before the year
            child.episodes.append(_episode(child.child_id, start, "C2", date(2024, 2, 1), "E13"))
        children.append(child)
    return children


# DfE's annual definitions worked out on the fixture, year to 31 March 2025, population mid-2024 = 40,000:
#   CIN at 31 March: open episodes A1-A8 + B1-B6 (in-year referrals) = 14          -> 14 / 40000 * 10000 = 3.5
#   CPP at 31 March: A1-A8 + B1-B6 (C's plans ended) = 14                          -> 3.5
#   CLA at 31 March: L1-L12 (L13-L14 short breaks excluded) = 12                   -> 3.0, published whole: 3
#   referrals in year: A 14 + B 6 + C 6 = 26; within 12 months of the last: B 6    -> 6 / 26 = 23.1%
#   plans started in year: A 8 + B 6 + C 6 = 20; second or more: B1-B3 + C1-C6 = 9 -> 45.0%
#   ceased in year (X1 is a move): L15-L20 adopted (E11) + L21-L27 home = 13      -> 6 / 13 = 46%, whole
ANNUAL = {
    "csc_cin_rate": (3.5, 14, 40_000),
    "csc_cpp_rate": (3.5, 14, 40_000),
    "csc_cla_rate": (3.0, 12, 40_000),
    "csc_rereferral_pct": (23.1, 6, 26),
    "csc_cpp_repeat_pct": (45.0, 9, 20),
    "csc_cla_adopted_pct": (46.0, 6, 13),
}


def write_quarter(drop: Path, children: list[Child], as_at: date) -> Path:
    folder = drop / as_at.isoformat()
    write(folder, cin_census(children, as_at, "838"), s903_tables(children, as_at))
    return folder


def add_population(database: Path) -> None:
    con = duckdb.connect(str(database))
    try:
        # As the ONS source publishes it: a headline row per area and mid-year in clean.ons_population.
        for year, population in POPULATION.items():
            con.execute(
                "insert into clean.ons_population (dataset, time_period, period_year, period_start, area_code, "
                "is_headline, numerator, numerator_status, _source_row) "
                "values ('ons_population', ?, ?, make_date(?, 6, 30), 'E06000059', true, ?, 'ok', 2)",
                [str(year), year, year, population],
            )
    finally:
        con.close()


GRAPH = graph_for()
ASSETS = [areas, asset(GRAPH, "clean", "council_returns"), GRAPH.indicators[4]]


def run_quarter(resources: dict, quarter: str) -> dg.ExecuteInProcessResult:
    """The quarter's returns, the report cards and the published snapshot (as the quarterly job runs them)."""
    return dg.materialize(
        [*ASSETS, GRAPH.cards, GRAPH.published], resources=resources, partition_key=quarter, raise_on_error=False
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dg.ExecuteInProcessResult]:
    data_dir = tmp_path_factory.mktemp("returns") / "data"
    resources = make_resources(data_dir)
    first = dg.materialize([areas], resources=resources)  # creates the warehouse, so the ONS table can be added
    assert first.success
    add_population(data_dir / "warehouse" / "outcomes.duckdb")
    write_quarter(data_dir / "drop", fixture_children(), date(2025, 3, 31))
    result = run_quarter(resources, Q4)
    return data_dir, result


def _values(database: Path) -> pd.DataFrame:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(
            "select * from marts.indicator_values where source = 'council_returns' order by indicator_id"
        ).df()
    finally:
        con.close()


def test_quarter_to_march_equals_dfe_annual_definition(built: tuple[Path, dg.ExecuteInProcessResult]) -> None:
    data_dir, result = built
    assert result.success
    values = _values(data_dir / "warehouse" / "outcomes.duckdb").set_index("indicator_id")
    assert set(values.index) == set(ANNUAL)
    for indicator, (value, numerator, denominator) in ANNUAL.items():
        row = values.loc[indicator]
        assert (row["value"], row["numerator"], row["denominator"]) == (value, numerator, denominator), indicator
        assert row["value_status"] == "ok"
        assert row["area_code"] == "E06000059" and row["area_name"] == "Dorset"
        assert row["period_end"].date() == date(2025, 3, 31)
    assert values.loc["csc_rereferral_pct", "period_start"].date() == date(2024, 4, 1)
    assert values.loc["csc_rereferral_pct", "period_label"] == "12 months to Mar 2025"
    assert values.loc["csc_cin_rate", "period_label"] == "31 Mar 2025"


def test_no_child_level_data_leaves_landing(built: tuple[Path, dg.ExecuteInProcessResult]) -> None:
    data_dir, _ = built
    raw_ids = {child.child_id for child in fixture_children()}
    con = duckdb.connect(str(data_dir / "warehouse" / "outcomes.duckdb"), read_only=True)
    try:
        clean_ids = {row[0] for row in con.execute("select child from clean.child_cin_referrals").fetchall()}
        landed = {row[0] for row in con.execute("select la_child_id from landing.cin_referrals").fetchall()}
        clean_columns = {
            (table, column)
            for table, column in con.execute(
                "select table_name, column_name from duckdb_columns() "
                "where schema_name = 'clean' and table_name like 'child_%'"
            ).fetchall()
        }
    finally:
        con.close()
    assert landed == {child for child in raw_ids if not child.startswith("L")}
    assert clean_ids == {pseudonym(TEST_PSEUDONYM_KEY.encode(), child) for child in landed}
    # Only what the indicators need: no council id, UPN, birth date, postcode or placement.
    assert {column for _, column in clean_columns} == {
        "quarter",
        "as_at",
        "child",
        "referral_date",
        "closure_date",
        "referral_nfa",
        "cpp_start",
        "cpp_end",
        "number_of_previous_cpp",
        "decom",
        "dec",
        "ls",
        "rec",
        "_load_id",
    }
    assert pseudonym(b"another-key", "A1") != pseudonym(TEST_PSEUDONYM_KEY.encode(), "A1")

    snapshot = duckdb.connect(str(data_dir / "published" / "outcomes.duckdb"), read_only=True)
    try:
        tables = snapshot.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        columns = {row[0] for row in snapshot.execute("select column_name from duckdb_columns()").fetchall()}
    finally:
        snapshot.close()
    assert ("marts", "indicator_values") in tables
    assert not [table for _, table in tables if table.startswith("child_")]
    assert not columns & {"child", "la_child_id"}


def test_problem_report_is_written_when_there_is_nothing_to_fix(built: tuple[Path, dg.ExecuteInProcessResult]) -> None:
    data_dir, _ = built
    report = pd.read_csv(data_dir / "reports" / "2025-03-31-problems.csv", dtype=str)
    # The fixture breaks no rule and raises no note; the report is still written, with its header, so the
    # data officer sees that the quarter was checked.
    assert list(report.columns) == ["severity", "file", "line", "field", "child", "problem", "value", "quarter_end"]
    assert report.empty


def test_small_numbers_are_suppressed_as_dfe_does(tmp_path: Path) -> None:
    """Three adopted of 13 ceasing: the count is 1-5, so value, numerator and denominator are withheld."""
    data_dir = tmp_path / "data"
    resources = make_resources(data_dir)
    children = fixture_children()
    for child in children:
        if child.child_id in ("L15", "L16", "L17"):
            child.episodes[-1]["REC"] = "E4A"
    write_quarter(data_dir / "drop", children, date(2025, 3, 31))
    assert run_quarter(resources, Q4).success
    values = _values(data_dir / "warehouse" / "outcomes.duckdb").set_index("indicator_id")
    adopted = values.loc["csc_cla_adopted_pct"]
    assert adopted["value_status"] == "suppressed" and adopted["status_token"] == "c"
    assert adopted[["value", "numerator", "denominator"]].isna().all()
    # No ONS table in this warehouse: the configured 0-17 population is the denominator.
    assert values.loc["csc_cla_rate", "denominator"] == 67149
    assert values.loc["csc_cla_rate", "value"] == round(12 / 67149 * 10000)


def test_a_later_quarter_rolls_the_year_forward(built: tuple[Path, dg.ExecuteInProcessResult]) -> None:
    """As at 30 June 2025 the year is July 2024 to June 2025: A, B and C's referrals before July drop out."""
    data_dir, _ = built
    children = fixture_children()
    for number in range(1, 8):  # D1-D7: referred in May 2025, D1 twice (April and May)
        child = _child(f"D{number}")
        if number == 1:
            child.referrals.append(Referral(date(2025, 4, 10), date(2025, 4, 20), "RC8", True, "N9"))
        child.referrals.append(Referral(date(2025, 5, 2), None, None, False, "N1"))
        children.append(child)
    write_quarter(data_dir / "drop", children, date(2025, 6, 30))
    assert run_quarter(make_resources(data_dir), "2025-04-01").success
    values = _values(data_dir / "warehouse" / "outcomes.duckdb")
    june = values[values["period_end"] == pd.Timestamp(2025, 6, 30)].set_index("indicator_id")
    # Referrals 1 Jul 2024 - 30 Jun 2025: D 8 (D1 twice); within 12 months: D1's second = 1 -> suppressed.
    assert june.loc["csc_rereferral_pct", "value_status"] == "suppressed"
    # CIN open at 30 June: A1-A8, B1-B6, D1 (second), D2-D7 = 21, over mid-2024's 40,000 (the mid-year
    # before the quarter end; mid-2025 is 30 June itself).
    assert june.loc["csc_cin_rate", "numerator"] == 21
    # 21 / 40,000 * 10,000 = 5.25: DfE rounds halves up (Python's round() would give 5.2).
    assert june.loc["csc_cin_rate", "value"] == 5.3
    march = values[values["period_end"] == pd.Timestamp(2025, 3, 31)]
    assert len(march) == len(ANNUAL), "the March rows stay as they were"


def test_bundled_sample_is_the_generators_output_and_passes_its_checks(tmp_path: Path) -> None:
    bundled = SAMPLES / "council_returns"
    regenerated = generate(tmp_path / "drop", [date(2024, 12, 31), date(2025, 3, 31)], children=150)
    for folder in regenerated:
        for path in folder.iterdir():
            assert path.read_bytes() == (bundled / folder.name / path.name).read_bytes(), path.name
    resources = make_resources(tmp_path / "data")
    resources["council_returns"] = CouncilReturnsResource(
        drop_dir=str(bundled), key_file=str(tmp_path / "key"), report_dir=str(tmp_path / "reports")
    )
    result = run_quarter(resources, Q4)
    assert result.success
    checks = {evaluation.check_name: evaluation.passed for evaluation in result.get_asset_check_evaluations()}
    assert checks == {"council_returns_rules": True, "council_returns_notes": False}, "notes warn, errors none"
    assert len(_values(tmp_path / "data" / "warehouse" / "outcomes.duckdb")) == len(ANNUAL)
    unchanged = run_quarter(resources, Q4)
    assert {evaluation.check_name: evaluation.passed for evaluation in unchanged.get_asset_check_evaluations()} == {
        "council_returns_rules": True,
        "council_returns_notes": False,
    }, "an unchanged quarter still reports the notes of its last report"
    # Notes only warn: the UI shows them as a warning, not a failure (issue 15).
    for run in (result, unchanged):
        severities = {evaluation.check_name: evaluation.severity for evaluation in run.get_asset_check_evaluations()}
        assert severities["council_returns_notes"] == dg.AssetCheckSeverity.WARN


def test_unchanged_files_rebuild_nothing_and_a_removed_file_is_a_change(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    resources = make_resources(data_dir)
    folder = write_quarter(data_dir / "drop", fixture_children(), date(2025, 3, 31))
    assert run_quarter(resources, Q4).success
    again = run_quarter(resources, Q4)
    assert again.success
    assert rebuilt(again) == set()
    assert {evaluation.check_name: evaluation.passed for evaluation in again.get_asset_check_evaluations()} == {
        "council_returns_rules": True,
        "council_returns_notes": True,
    }

    (folder / "ssda903_missing.csv").unlink()
    removed = run_quarter(resources, Q4)
    assert {"landing/council_returns", "clean/council_returns", "marts/council_return_indicators"} <= rebuilt(removed)
    con = duckdb.connect(str(data_dir / "warehouse" / "outcomes.duckdb"), read_only=True)
    try:
        last_run = con.execute(
            "select list(dataset order by dataset) from meta.loads where run_id = ?", [removed.run_id]
        ).fetchall()[0][0]
    finally:
        con.close()
    assert last_run == ["cin_census.xml", "ssda903_episodes.csv", "ssda903_header.csv", "ssda903_placed_adoption.csv"]
