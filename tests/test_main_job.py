"""The README's first command's job, offline on the bundled sample, as a council engineer runs it."""

import csv
from pathlib import Path

import duckdb

from pipelines.work import council_table
from tests.conftest import SAMPLES

ROOT = Path(__file__).resolve().parents[1]
DFT = SAMPLES / "data.dft.gov.uk" / "road-accidents-safety-data"


def hand_count(year: int, highway: str) -> tuple[int, int]:
    """KSI and all casualties on `highway`'s roads in `year`, read straight from the sample's CSV files."""
    with open(DFT / f"dft-road-casualty-statistics-collision-{year}.csv", newline="") as handle:
        on_roads = {
            row["collision_index"]
            for row in csv.DictReader(handle)
            if row["local_authority_highway_current"] == highway
        }
    with open(DFT / f"dft-road-casualty-statistics-casualty-{year}.csv", newline="") as handle:
        severities = [row["casualty_severity"] for row in csv.DictReader(handle) if row["collision_index"] in on_roads]
    return sum(severity in ("1", "2") for severity in severities), len(severities)


def test_main_job_succeeds_offline_and_prints_the_council_table(main_run) -> None:
    completed, data = main_run
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    out = completed.stdout
    # `run --quiet` (issue 15): the summary and the problem reports, no Dagster events, under 40 lines in all.
    lines = (completed.stdout + completed.stderr).splitlines()
    assert len(lines) < 40, "\n".join(lines)
    assert "DEBUG" not in out + completed.stderr and "STEP_SUCCESS" not in out
    for end in ("2024-12-31", "2025-03-31"):  # the sample's two quarters, each with notes for the data officer
        problems = data / "reports" / "council_returns" / f"{end}-problems.csv"
        with problems.open(newline="") as handle:
            notes = [row["severity"] for row in csv.DictReader(handle)].count("note")
        assert notes > 0 and f"problem report:     {problems} ({notes} notes)" in out
    assert "main job succeeded" in out
    assert f"warehouse:          {data / 'warehouse' / 'outcomes.duckdb'}" in out
    assert "Dorset (E06000059): people killed or seriously injured (KSI) on the roads" in out
    assert "12 months to Dec 2025" in out
    report = data / "reports" / "safe-E06000059-2025-12-31.html"
    assert f"report:             {report}" in out and report.stat().st_size > 50_000


def test_published_values_match_the_sample_counted_by_hand(main_run) -> None:
    _, data = main_run
    con = duckdb.connect(str(data / "published" / "outcomes.duckdb"), read_only=True)
    try:
        for area in ("E06000059", "E06000054"):
            ksi, casualties = hand_count(2024, area)
            rows = dict(
                con.execute(
                    "select indicator_id || '/' || variant, value from marts.indicator_values "
                    "where area_code = ? and period_label = '2024'",
                    [area],
                ).fetchall()
            )
            assert rows["road_ksi/unadjusted"] == ksi
            assert rows["road_casualties/all"] == casualties
        tables = {row[0] for row in con.execute("select schema_name from duckdb_tables()").fetchall()}
        assert "landing" not in tables  # report tools see checked data only
    finally:
        con.close()


def test_any_upper_tier_council_can_be_reported(main_run) -> None:
    _, data = main_run
    table = council_table(str(data / "published" / "outcomes.duckdb"), "E06000054")
    ksi, _ = hand_count(2024, "E06000054")
    line = next(line for line in table.splitlines() if line.startswith("2024 "))
    assert table.startswith("Wiltshire (E06000054)")
    assert line.split()[1] == str(ksi)
    unknown = council_table(str(data / "published" / "outcomes.duckdb"), "E99999999")
    assert "not an English upper-tier authority" in unknown
