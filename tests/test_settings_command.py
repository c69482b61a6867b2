"""Settings from the environment, on the command line: `safe-outcomes run` runs with numeric settings given as
text, and a bad setting stops the command before any run, naming the variable, with nothing written."""

import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import main_command
from tests.test_command_line import unsynced
from tests.test_settings import ROOT, clean_environment


def run_command(tmp_path: Path, **values: str) -> subprocess.CompletedProcess:
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    values.setdefault("SAFE_OUTCOMES_CHROMIUM", "none")  # no PDF: printing it costs seconds the test does not read
    env = clean_environment(DAGSTER_HOME=str(home), SAFE_OUTCOMES_DATA_DIR=str(tmp_path / "data"), **values)
    return subprocess.run(
        [sys.executable, "-m", "pipelines.main", "run"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def test_the_main_command_runs_with_numeric_settings_from_the_environment(installed_run: Path, tmp_path: Path) -> None:
    """On a copy of the shared first run (a second run costs half a first one), so it is an unchanged run too."""
    folder = tmp_path / "installation"
    shutil.copytree(installed_run, folder)
    numeric = {
        "SAFE_OUTCOMES_HTTP_RETRIES": "2",
        "SAFE_OUTCOMES_READ_TIMEOUT_S": "30.5",
        "SAFE_OUTCOMES_CONNECT_TIMEOUT_S": "5.5",
        "SAFE_OUTCOMES_LOCK_TIMEOUT_S": "99.5",
        "SAFE_OUTCOMES_STEP_RETRIES": "1",
        "SAFE_OUTCOMES_STEP_RETRY_DELAY_S": "0.5",
        "STATS19_YEARS": "2024-2025",
        "SAFE_OUTCOMES_DUCKDB_MEMORY_LIMIT": "512MB",
    }
    completed = main_command(folder, **numeric)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "main job succeeded" in completed.stdout
    assert (folder / "data" / "published" / "outcomes.duckdb").is_file()
    # SAFE_OUTCOMES_CHROMIUM=none (the installation's setting): the report is written, its PDF is not.
    reports = folder / "data" / "reports"
    assert list(reports.glob("*.html")) and not list(reports.glob("*.pdf"))
    # Nothing changed since the first run: the Dagster UI shows every asset synced (issue 15), and each clean
    # asset's materialisation says its files were unchanged since they were published.
    assert unsynced(folder / "dagster") == {}
    with dg.DagsterInstance.from_config(str(folder / "dagster")) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey(["clean", "dfe_cin_b1"]))
    assert event is not None and event.asset_materialization is not None
    assert event.asset_materialization.metadata["unchanged_since_published"].value is True


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("SAFE_OUTCOMES_HTTP_RETRIES", "two", "expected a whole number"),
        ("SAFE_OUTCOMES_SOURCE_MODE", "Sample", "expected one of sample, live"),
        ("SAFE_OUTCOMES_REPORT_OUTCOME", "../../escaped", "expected letters, digits, '-' and '_' only"),
        ("STATS19_YEARS", "2005-20x5", "expected years like 2005-2025 or 2019,2021"),
        ("SAFE_OUTCOMES_RISK_LEVELS", "Low,,High", "expected risk levels separated by commas, like Low,Medium,High"),
    ],
)
def test_a_bad_setting_stops_the_command_before_any_run(tmp_path: Path, name: str, text: str, expected: str) -> None:
    completed = run_command(tmp_path, **{name: text})
    assert completed.returncode == 2, completed.stdout[-2000:] + completed.stderr[-2000:]
    assert f" - {name}={text!r}: {expected}" in completed.stderr
    assert "Traceback" not in completed.stdout + completed.stderr
    assert completed.stdout == ""
    assert not (tmp_path / "data").exists()  # nothing written: no warehouse, no report
    assert list((tmp_path / "dagster_home").iterdir()) == []  # no run recorded in the instance


def test_a_quarter_folder_not_named_by_a_quarter_end_stops_the_command(tmp_path: Path) -> None:
    """Issue 16: `2025-03-30` was silently ignored, so that quarter's returns never arrived."""
    drop = tmp_path / "drop"
    (drop / "2025-03-30").mkdir(parents=True)
    (drop / "2024-12-31").mkdir()
    (drop / "notes").mkdir()  # not a date: not a quarter folder, and not an error
    completed = run_command(tmp_path, COUNCIL_RETURNS_DROP_DIR=str(drop))
    assert completed.returncode == 2
    assert f"the folder {drop / '2025-03-30'} is not named by a quarter end" in completed.stderr
    assert "2024-12-31 is not" not in completed.stderr and "notes is not" not in completed.stderr
    assert not (tmp_path / "data").exists()
