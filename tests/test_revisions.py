"""A revision reaches readers: revise one value in each publisher's sample file, run the main command again, and
the published snapshot and the HTML report carry the new values, while no other file is landed again.

The run starts from a copy of the shared first run (its data folder, Dagster home and sample), revises one value
of the council's (Dorset's) in each of the five publishers' files with the csv module, and runs `safe-outcomes
run` as an engineer would, in its own process with the settings in the environment.
"""

import csv
import io
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb

from tests.conftest import run_main
from tests.dfe_support import query
from warehouse.report_format import formatted

DORSET = "E06000059"
DFT = "data.dft.gov.uk/road-accidents-safety-data"
CASUALTIES_2025 = f"{DFT}/dft-road-casualty-statistics-casualty-2025.csv"
COLLISIONS_2025 = f"{DFT}/dft-road-casualty-statistics-collision-2025.csv"
FINGERTIPS = "fingertips.phe.org.uk/api/all_data/csv"
ASCOF_2025 = (
    "assets.publishing.service.gov.uk/media/6762a9f1cdb5e64b69e30b7a/measures-from-ascof-england-2024-to-2025.csv"
)
B1 = "explore-education-statistics.service.gov.uk/data-catalogue/data-set/5b0e6d2a-8c1f-4e7b-9a3d-21f4c6e8b1a7/csv"
CIN_Q4 = "council_returns/2025-03-31/cin_census.xml"


def rows_of(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    return rows[0], rows[1:]


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    path.write_text(out.getvalue(), encoding="utf-8")


def revise_dft(samples: Path) -> None:
    """A slight casualty in a collision on Dorset's roads in 2025 becomes fatal."""
    header, collisions = rows_of(samples / COLLISIONS_2025)
    dorset = {row[0] for row in collisions if row[header.index("local_authority_highway_current")] == DORSET}
    header, casualties = rows_of(samples / CASUALTIES_2025)
    severity = header.index("casualty_severity")
    row = next(row for row in casualties if row[0] in dorset and row[severity] == "3")
    row[severity] = "1"
    write_rows(samples / CASUALTIES_2025, header, casualties)


def revise_fingertips(samples: Path) -> None:
    """Dorset's latest child injury admissions rate moves within its limits, in both parents' exports alike."""
    for path in (samples / FINGERTIPS.rsplit("/", 1)[0]).glob("csv/by_indicator_id@*indicator_ids=90284*"):
        header, rows = rows_of(path)
        column = {name: header.index(name) for name in ("Area Code", "Sex", "Time period Sortable", "Value")}
        mine = [r for r in rows if r[column["Area Code"]] == DORSET and r[column["Sex"]] == "Persons"]
        latest = max(mine, key=lambda r: r[column["Time period Sortable"]])
        low, high = (
            float(latest[header.index("Lower CI 95.0 limit")]),
            float(latest[header.index("Upper CI 95.0 limit")]),
        )
        latest[column["Value"]] = f"{low + (high - low) * 0.25:.5f}"
        write_rows(path, header, rows)


def revise_ascof(samples: Path) -> None:
    """Dorset's 2024-25 outcome for 4A (people who use services who feel safe) is revised up by 2 points."""
    header, rows = rows_of(samples / ASCOF_2025)
    for row in rows:
        if row[3] == DORSET and row[4] == "4A" and row[5] == "Total" and row[6] == "Outcome":
            row[7] = f"{float(row[7]) + 2:.1f}"
    write_rows(samples / ASCOF_2025, header, rows)


def revise_dfe(samples: Path) -> None:
    """DfE revises Dorset's children in need at 31 March 2025 (B1) up by 30."""
    header, rows = rows_of(samples / B1)
    column = {name: header.index(name) for name in ("time_period", "new_la_code", "category", "At31_episodes")}
    latest = max(r[column["time_period"]] for r in rows)
    for row in rows:
        if (row[column["new_la_code"]], row[column["time_period"]], row[column["category"]]) == (
            DORSET,
            latest,
            "Children in Need",
        ):
            row[column["At31_episodes"]] = str(int(row[column["At31_episodes"]]) + 30)
    write_rows(samples / B1, header, rows)


def revise_council_returns(samples: Path) -> None:
    """A referral recorded as closed in the quarter turns out still open at 31 March (one more child in need)."""
    path = samples / CIN_Q4
    text = path.read_text(encoding="utf-8")
    blocks = re.findall(r"<CINdetails>.*?</CINdetails>", text, flags=re.S)
    closed = next(
        block
        for block in blocks
        if re.search(r"<CINclosureDate>2025-0[123]-", block) and "<ReferralNFA>false</ReferralNFA>" in block
    )
    still_open = re.sub(
        r"\s*<CINclosureDate>[^<]*</CINclosureDate>\s*<ReasonForClosure>[^<]*</ReasonForClosure>", "", closed
    )
    path.write_text(text.replace(closed, still_open, 1), encoding="utf-8")


CASES: dict[str, tuple[Callable[[Path], None], str, str]] = {
    # publisher: (revise, the load log's source that must be landed again, an indicator it moves)
    "dft": (revise_dft, "dft_casualties", "road_ksi"),
    "ohid": (revise_fingertips, "ohid_ph_child_injury_admissions_0_14", "ph_child_injury_admissions_0_14"),
    "ascof": (revise_ascof, "ascof_measures", "asc_feel_safe_pct"),
    "dfe": (revise_dfe, "dfe_cin_b1", "csc_cin_rate"),
    "council_returns": (revise_council_returns, "council_returns", "csc_cin_rate"),
}


def dorset_values(database: Path, indicator: str) -> dict[tuple, tuple]:
    """Dorset's (value, numerator) per variant, period type and period (a rate may round to the same value)."""
    rows = query(
        database,
        "select variant, period_type, period_label, value, numerator from marts.indicator_values "
        "where indicator_id = ? and area_code = ?",
        [indicator, DORSET],
    )
    return {tuple(row[:3]): tuple(row[3:]) for row in rows}


def test_a_revision_in_each_publishers_file_reaches_the_snapshot_and_the_report(
    installed_run: Path, tmp_path: Path
) -> None:
    """One run carries a revision from each of the five publishers (one run, not five: the suite's time)."""
    folder = tmp_path / "installation"
    shutil.copytree(installed_run, folder)
    snapshot = folder / "data" / "published" / "outcomes.duckdb"
    warehouse = folder / "data" / "warehouse" / "outcomes.duckdb"
    before = {publisher: dorset_values(snapshot, indicator) for publisher, (_, _, indicator) in CASES.items()}
    [report] = (folder / "data" / "reports").glob(f"safe-{DORSET}-*.html")
    before_html = report.read_text(encoding="utf-8")
    finished = query(warehouse, "select max(started_at) from meta.loads")[0][0]

    before_files = {path: path.read_bytes() for path in (folder / "samples").rglob("*") if path.is_file()}
    for revise, _, _ in CASES.values():
        revise(folder / "samples")
    revised = [path for path, content in before_files.items() if path.read_bytes() != content]
    output = run_main(folder)

    # One line per step as it finishes (issue 15): each revised source's with the rows it landed, the others
    # unchanged; Dagster's events stay in the event log.
    for _, source, _ in CASES.values():
        step = re.search(rf"^  {source}_sources +([\d,]+) rows landed +[\d.]+ s$", output, re.M)
        assert step and int(step.group(1).replace(",", "")) > 0, output
    assert re.search(r"^  \w+_sources +unchanged +[\d.]+ s$", output, re.M) and "DEBUG" not in output, output
    # Only the revised sources were landed again; every other fetched file was logged as unchanged ...
    landed = query(
        warehouse,
        "select distinct source from meta.loads where started_at > ? and status <> 'unchanged' order by 1",
        [finished],
    )
    assert landed == sorted((source,) for _, source, _ in CASES.values())
    # ... and of them only the revised files: a revised 2025 casualty file re-lands 2025, not the 1979-latest file;
    # a council's quarter is replaced whole, so each of its files is landed again.
    [(files_landed,)] = query(
        warehouse,
        "select count(*) from meta.loads "
        "where started_at > ? and status <> 'unchanged' and source <> 'council_returns'",
        [finished],
    )
    assert files_landed == len([path for path in revised if "council_returns" not in path.parts]), revised
    [(quarter_files,)] = query(
        warehouse,
        "select count(*) from meta.loads where started_at > ? and status <> 'unchanged' and source = 'council_returns'",
        [finished],
    )
    assert quarter_files == len([path for path in (folder / "samples" / CIN_Q4).parent.iterdir() if path.is_file()])

    # The snapshot's clean tables were brought up to date load by load (issue 14: a revised per-year file moves
    # its rows, not the national table's), and hold exactly the warehouse's rows.
    with dg.DagsterInstance.from_config(str(folder / "dagster")) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey(["published", "outcomes"]))
        report_event = instance.get_latest_materialization_event(dg.AssetKey(["reports", "outcomes_monitoring"]))
    assert event is not None and event.asset_materialization is not None
    by_load = event.asset_materialization.metadata["updated_load_by_load"].value
    assert {"clean.dft_casualties", "clean.dfe_ees", "clean.ohid_fingertips"} <= set(by_load), by_load
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute(f"attach '{snapshot}' as snap (read_only)")
        for table in by_load:
            differ = con.execute(
                f"select count(*) from ((from {table} except all from snap.{table}) "
                f"union all (from snap.{table} except all from {table}))"
            ).fetchall()
            assert differ == [(0,)], table

    html = report.read_text(encoding="utf-8")
    assert html != before_html and "(rebuilt)" in output
    # The charts the revisions moved were drawn again; every other one is the last report's figure, unchanged.
    assert report_event is not None and report_event.asset_materialization is not None
    report_metadata = report_event.asset_materialization.metadata
    figures = re.findall(r"<figure class='chart' data-inputs='[0-9a-f]{64}'>.*?</figure>", html, flags=re.S)
    kept = [figure for figure in figures if figure in before_html]
    assert len(figures) == report_metadata["charts"].value
    assert 0 < report_metadata["charts_drawn"].value == len(figures) - len(kept) < len(figures)
    for publisher, (_, _, indicator) in CASES.items():
        after = dorset_values(snapshot, indicator)
        assert after == dorset_values(warehouse, indicator), "the snapshot equals the warehouse"
        changed = {key: value for key, value in after.items() if before[publisher].get(key) != value}
        assert changed, f"the revision in {publisher}'s file moved none of Dorset's {indicator} values"
        unit, title = query(
            snapshot, "select unit, title from marts.indicator_catalogue where indicator_id = ?", [indicator]
        )[0]
        if publisher == "council_returns":
            # The council's quarters are listed as revised among what changed.
            assert f"<th scope='row'>{title}</th><td>revised</td>" in html
        else:
            rows = [
                f"<tr><th scope='row'>{label}</th><td>{formatted(value, unit)}</td>"
                for (_, _, label), (value, _) in changed.items()
            ]
            assert any(row in html for row in rows), f"{publisher}: none of {rows} is in the report"
            assert not any(row in before_html for row in rows)
