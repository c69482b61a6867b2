"""The command line as an operator meets it (issue 15): real `--help` for each command, a mistyped council
refused before any run with the nearest councils, one line per step and no Dagster events on the console.

`run --quiet` printing under 40 lines is asserted on the session's first run (`main_run`, tests/test_main_job.py);
the per-step lines on the revision runs (tests/test_revisions.py).
"""

import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.definitions.data_version import StaleStatus
from dagster._utils.test.data_versions import get_stale_status_resolver

from pipelines.definitions import defs
from tests.conftest import ROOT, run_main, sample_copy
from tests.test_settings import clean_environment

COMMANDS = {
    (): ["run", "report", "export"],
    ("run",): ["--council CODE", "--live", "--quiet", "--verbose", "SAFE_OUTCOMES_COUNCIL"],
    ("report",): ["--council CODE", "--period-end DATE", "SAFE_OUTCOMES_REPORT_PERIOD_END", "published snapshot"],
    ("export",): ["--council CODE", "exports"],
}


def start(arguments: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.main", *arguments],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def test_every_command_has_real_help(tmp_path: Path) -> None:
    env = clean_environment(DAGSTER_HOME=str(tmp_path / "home"))
    processes = {command: start([*command, "--help"], env) for command in COMMANDS}
    both = start(["run", "--quiet", "--verbose"], env)
    for command, process in processes.items():
        code, out, err = finish(process)
        assert code == 0, err
        assert out.startswith(f"Usage: safe-outcomes {' '.join(command)}".rstrip()), out
        for words in COMMANDS[command]:
            assert words in out, (command, words, out)
        assert "work" not in out.split("Commands:")[-1].split(), "the supervised child's command stays hidden"
    code, out, err = finish(both)
    assert code == 2 and "Error: --quiet and --verbose cannot be used together" in err
    assert not (tmp_path / "home").exists()


MISTAKES = {
    "option": (["run", "--council", "E06000099"], {}),
    "environment": (["report"], {"SAFE_OUTCOMES_COUNCIL": "E07000041", "SAFE_OUTCOMES_SOURCE_MODE": "Live"}),
}


def test_an_unknown_council_stops_the_command_before_any_run(tmp_path: Path) -> None:
    """A code of the right form that names no council (as an option), and a district's code with a mistyped
    source mode (in the environment): exit 2 before any run, every problem with the nearest valid value. And
    `report` before anything was published: exit 1, saying what to run first."""
    processes = {}
    for case, (arguments, settings) in MISTAKES.items():
        (tmp_path / case / "home").mkdir(parents=True)
        env = clean_environment(
            DAGSTER_HOME=str(tmp_path / case / "home"), SAFE_OUTCOMES_DATA_DIR=str(tmp_path / case / "data"), **settings
        )
        processes[case] = start(arguments, env)  # at once: each loads Dagster to check the settings
    # Good settings but nothing published yet: `report` says what to run first.
    (tmp_path / "fresh" / "home").mkdir(parents=True)
    fresh = clean_environment(
        DAGSTER_HOME=str(tmp_path / "fresh" / "home"), SAFE_OUTCOMES_DATA_DIR=str(tmp_path / "fresh" / "data")
    )
    early = start(["report", "--council", "E06000054"], fresh)
    said = {
        "option": [
            " - --council (SAFE_OUTCOMES_COUNCIL) 'E06000099': expected a GSS code of a current English "
            "upper-tier authority, like E06000059; did you mean E06000059 Dorset?"
        ],
        "environment": [
            " - SAFE_OUTCOMES_COUNCIL='E07000041': expected a GSS code of a current English upper-tier authority, "
            "like E06000059; E07000041 Exeter is a district council; the upper-tier authority that covers it today "
            "is E10000008 Devon: use E10000008",
            " - SAFE_OUTCOMES_SOURCE_MODE='Live': expected one of sample, live; values are case-sensitive: "
            "did you mean 'live'?",
        ],
    }
    for case, process in processes.items():
        code, out, err = finish(process)
        assert code == 2, out + err
        assert out == "" and "Traceback" not in err
        assert err.startswith("safe-outcomes: no run started; fix these first:\n"), err
        for line in said[case]:
            assert line in err, err
        assert list((tmp_path / case / "home").iterdir()) == []  # no run recorded in the instance
        assert not (tmp_path / case / "data").exists()
    code, out, err = finish(early)
    assert code == 1 and out == ""
    snapshot = tmp_path / "fresh" / "data" / "published" / "outcomes.duckdb"
    assert err == f"safe-outcomes: no published snapshot at {snapshot} yet: run `safe-outcomes run` first\n"
    assert list((tmp_path / "fresh" / "home").iterdir()) == []


def unsynced(home: Path) -> dict[str, list[str]]:
    """Every asset (and partition) the Dagster UI would show as unsynced, by Dagster's own staleness rules over
    the instance in `home`: code versions, data versions and dependencies, as the asset graph computes them.
    Partitions never materialised (quarters the drop folder has no returns for) are missing, not unsynced."""
    graph = defs.resolve_asset_graph()
    found: dict[str, list[str]] = {}
    with dg.instance_for_test(temp_dir=str(home)) as store:
        # Dagster's helper for tests builds the same resolver the UI's GraphQL layer uses.
        resolver = get_stale_status_resolver(store, list(defs.assets or []))
        for key in graph.materializable_asset_keys:
            partitions = graph.get(key).partitions_def
            for partition in partitions.get_partition_keys(dynamic_partitions_store=store) if partitions else [None]:
                if resolver.get_status(key, partition) == StaleStatus.STALE:
                    found.setdefault(key.to_user_string(), []).append(str(partition))
    return found


def test_after_the_first_command_the_ui_shows_no_unsynced_asset_and_links(installed_run: Path) -> None:
    """The build ledger gives an unchanged step the data version it had, so nothing downstream goes unsynced
    (the slow test below checks the same after an unchanged second run). The report asset links to the file it
    wrote, and a source's files are links."""
    assert unsynced(installed_run / "dagster") == {}
    with dg.instance_for_test(temp_dir=str(installed_run / "dagster")) as store:
        report = store.get_latest_materialization_event(dg.AssetKey(["reports", "outcomes_monitoring"]))
        landing = store.get_latest_materialization_event(dg.AssetKey(["landing", "dft_casualties"]))
    assert report and landing
    metadata = report.asset_materialization.metadata
    [written] = (installed_run / "data" / "reports").glob("safe-E06000059-*.html")
    assert metadata["report"] == dg.MetadataValue.url(written.resolve().as_uri())
    assert str(metadata["path"].value) == str(written)
    urls = landing.asset_materialization.metadata["source_urls"]
    assert isinstance(urls, dg.MarkdownMetadataValue)
    address = "https://data.dft.gov.uk/road-accidents-safety-data/dft-road-casualty-statistics-casualty-2025.csv"
    assert f"- [{address}]({address})" in urls.value.splitlines()


@pytest.mark.slow
def test_an_unchanged_second_run_leaves_every_asset_synced_and_report_and_export_run_alone(tmp_path: Path) -> None:
    """Slow (about 1.5 minutes: two full runs, a report and a publish): `-m slow`. Its own installation, not a
    copy of `installed_run`: the snapshot's and the report's paths are among what they are built from, so the
    first run in a copied folder rebuilds them."""
    folder = tmp_path / "installation"
    sample_copy(folder / "samples")
    (folder / "dagster").mkdir()
    shutil.copy(ROOT / "dagster.yaml", folder / "dagster" / "dagster.yaml")
    run_main(folder)

    again = run_main(folder, "run", "--quiet")
    assert len(again.splitlines()) < 40 and "(unchanged: nothing it is built from changed since the last run)" in again
    assert unsynced(folder / "dagster") == {}

    reports = folder / "data" / "reports"
    written = run_main(folder, "report", "--council", "E06000054", "--quiet")
    [wiltshire] = reports.glob("safe-E06000054-*.html")
    assert f"report:             {wiltshire} (rebuilt)" in written
    assert "Wiltshire" in wiltshire.read_text(encoding="utf-8")

    workbook = folder / "data" / "published" / "exports" / "outcomes-E06000059.xlsx"
    workbook.unlink()  # a missing export is written again; the rest are current
    exported = run_main(folder, "export", "--quiet")
    assert workbook.is_file() and f"workbook:           {workbook}" in exported
