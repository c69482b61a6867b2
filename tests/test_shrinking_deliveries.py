"""A delivery that shrinks is held back before `clean`, naming what disappeared (issue 16, items 4-5).

A year removed from an EES file and a period removed from a Fingertips export read well and pass every rule;
only a comparison with what was published shows that something is gone. One run carries both: the command fails
naming each, and readers see nothing change. The publisher's withdrawal is then accepted by a setting, and the
next run publishes it. (A council SSDA903 file cut at a line boundary, item 6, is a case of
tests/test_council_returns_bad_input.py.)
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg

from tests.conftest import ROOT, main_command, table_fingerprints
from tests.dfe_support import query
from tests.test_revisions import rows_of, write_rows

B1 = "explore-education-statistics.service.gov.uk/data-catalogue/data-set/5b0e6d2a-8c1f-4e7b-9a3d-21f4c6e8b1a7/csv"
KSI_ENGLAND = (
    "fingertips.phe.org.uk/api/all_data/csv/"
    "by_indicator_id@child_area_type_id=502&indicator_ids=11001&parent_area_type_id=15"
)


def _without(path: Path, column: str, value: str) -> int:
    """Remove every row whose `column` is `value`; return how many went."""
    header, rows = rows_of(path)
    kept = [row for row in rows if row[header.index(column)] != value]
    write_rows(path, header, kept)
    return len(rows) - len(kept)


def test_a_shrunk_delivery_is_held_back_by_name_until_the_withdrawal_is_accepted(
    installed_run: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "installation"
    shutil.copytree(installed_run, folder)
    samples, data = folder / "samples", folder / "data"
    snapshot = data / "published" / "outcomes.duckdb"
    published_bytes = snapshot.read_bytes()
    before = table_fingerprints(data / "warehouse" / "outcomes.duckdb")
    [(published_areas,)] = query(
        snapshot,
        "select count(distinct area_code) from clean.ohid_fingertips "
        "where file_key = '11001/15' and time_period = '2017 - 19'",
    )

    original_b1 = (samples / B1).read_bytes()
    assert _without(samples / B1, "time_period", "2019") == 10
    assert _without(samples / KSI_ENGLAND, "Time period", "2017 - 19") == 12

    failed = main_command(folder)
    output = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert (
        "dfe_cin_b1: the new delivery lacks what the published one had, time_period 2019 (10 of area_code: " in output
    )
    assert (
        f"ohid_ph_ksi_rate: the new delivery lacks what the published one had, time_period 2017 - 19 "
        f"({published_areas} of area_code: " in output
    )
    assert f"and {published_areas - 3} more; in file_key 11001/15); held back" in output
    assert "SAFE_OUTCOMES_ACCEPT_WITHDRAWN=dfe_cin_b1" in output
    assert snapshot.read_bytes() == published_bytes, "readers' snapshot is byte-identical"
    assert table_fingerprints(data / "warehouse" / "outcomes.duckdb") == before, "clean and marts unchanged"

    accepted = main_command(
        folder,
        SAFE_OUTCOMES_ACCEPT_WITHDRAWN="dfe_cin_b1,ohid_ph_ksi_rate",
        SAFE_OUTCOMES_RAW_KEEP_VERSIONS="0",
        SAFE_OUTCOMES_COMPACT_FREE_PERCENT="1",
    )
    assert accepted.returncode == 0, accepted.stdout[-3000:] + accepted.stderr[-3000:]
    # Storage stays bounded: no load needs B1's superseded file any more, so the raw store let it go; and the
    # warehouse, whose replaced partitions left free blocks, was copied into a fresh file after publishing.
    stored = [path.read_bytes() for path in (data / "raw").rglob("*-csv") if path.is_file()]
    assert original_b1 not in stored and (samples / B1).read_bytes() in stored
    with dg.DagsterInstance.from_config(str(folder / "dagster")) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey(["published", "outcomes"]))
    assert event is not None and event.asset_materialization is not None
    assert event.asset_materialization.metadata["warehouse_compacted"].value is True
    years = query(snapshot, "select distinct time_period from clean.dfe_ees where dataset = 'cin_b1' order by 1")
    assert ("2019",) not in years and ("2018",) in years
    periods = query(
        snapshot,
        "select distinct time_period from clean.ohid_fingertips "
        "where fingertips_id = 11001 and parent_area_type_id = 15",
    )
    assert ("2017 - 19",) not in periods and ("2016 - 18",) in periods


def test_an_unknown_data_set_in_the_withdrawal_setting_is_refused_by_name() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "pipelines.main", "run"],
        cwd=ROOT,
        env={**os.environ, "SAFE_OUTCOMES_ACCEPT_WITHDRAWN": "dfe_cin_b1,dfe_b2"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2
    assert "SAFE_OUTCOMES_ACCEPT_WITHDRAWN='dfe_cin_b1,dfe_b2'" in completed.stdout + completed.stderr
    assert "dfe_b2 not in the source catalogue" in completed.stdout + completed.stderr
