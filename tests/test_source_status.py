"""Issue 11: `safe-outcomes sources` resolves every catalogue source and asks once for each file, in one table within
60 s even when nothing answers; and a live run with no network ends fast, one line per source naming the cause."""

import dataclasses
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from pipelines import main as cli
from pipelines.source_status import LOCAL_FOLDERS, RunSettings, check_all
from sources.http import Downloader, HttpSettings, RawStore, build_session
from sources.source_catalogue import load
from tests.conftest import ROOT, local_catalogue, table_fingerprints
from tests.dfe_support import local_catalogue as ees_catalogue
from tests.dfe_support import serve_discovery
from tests.test_discovery import b1_text, entries

HTTP_SOURCES = [dataset.key for dataset in load().datasets if dataset.locate not in LOCAL_FOLDERS]


def refused_port() -> int:
    """A local port nothing listens on: connecting is refused at once, as with a publisher that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def offline_catalogue(folder: Path) -> Path:
    """The bundled catalogue with every publisher's address on a refused local port."""
    return local_catalogue(folder, {"https://": f"http://127.0.0.1:{refused_port()}/"})


def environment(data_dir: Path, **settings: str) -> dict[str, str]:
    kept = {key: value for key, value in os.environ.items() if not key.startswith(("SAFE_OUTCOMES_", "DAGSTER_"))}
    return kept | {"PYTHONPATH": str(ROOT), "SAFE_OUTCOMES_DATA_DIR": str(data_dir)} | settings


def test_offline_the_table_lists_every_source_resolved_from_the_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    for key in [key for key in os.environ if key.startswith("SAFE_OUTCOMES_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("SAFE_OUTCOMES_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(SystemExit) as exited:
        cli.main(["sources"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    lines = {line.split()[0] for line in out.splitlines() if line.strip()}
    assert set(HTTP_SOURCES) <= lines
    [b1] = [line for line in out.splitlines() if line.startswith("dfe_cin_b1 ")]
    assert "/data-catalogue/data-set/5b0e6d2a-8c1f-4e7b-9a3d-21f4c6e8b1a7/csv" in b1 and "Reporting year 2025" in b1
    assert "changed: never fetched here" in b1
    [c1] = [line for line in out.splitlines() if line.startswith("dfe_cin_c1 ")]
    assert "csv?dataSetVersion=2.0" in c1 and "v2.0" in c1
    assert "/media/6762a9f1cdb5e64b69e30b7a/" in out  # ASCOF 2024-25 found through the GOV.UK Content API
    [ksi] = [
        line for line in out.splitlines() if line.startswith("ohid_ph_ksi_rate ") and "parent_area_type_id=15" in line
    ]
    assert "area type 502 in 15" in ksi  # Fingertips has data for the configured area type: no fallback


def test_with_nothing_answering_every_source_is_unreachable_within_60_s(tmp_path: Path) -> None:
    catalogue = offline_catalogue(tmp_path / "catalogue")
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "pipelines.main", "sources"],
        cwd=ROOT,
        env=environment(
            tmp_path / "data", SAFE_OUTCOMES_SOURCE_MODE="live", SAFE_OUTCOMES_CATALOGUE_DIR=str(catalogue)
        ),
        capture_output=True,
        text=True,
        timeout=90,
    )
    elapsed = time.monotonic() - started
    assert completed.returncode == 1, completed.stderr[-2000:]
    assert elapsed < 60
    rows = [line for line in completed.stdout.splitlines() if line.split() and line.split()[0] in HTTP_SOURCES]
    assert {row.split()[0] for row in rows} == set(HTTP_SOURCES)
    assert all("unreachable: connection refused by 127.0.0.1" in row for row in rows), rows


def test_ok_changed_and_refused(tmp_path: Path, httpserver: HTTPServer) -> None:
    folder = ees_catalogue(tmp_path / "catalogue", httpserver)
    renamed = [entry | {"data_set_title": "D5 withdrawn"} if entry["ees_key"] == "cin_d5" else entry
               for entry in entries(folder)]  # fmt: skip
    httpserver.clear()
    serve_discovery(httpserver, renamed, {})
    httpserver.expect_request("/data-catalogue/data-set/cin_b1/csv").respond_with_data(
        b1_text(2167), content_type="text/csv", headers={"ETag": '"b1-2025"'}
    )
    httpserver.expect_request("/data-catalogue/data-set/cin_d3/csv").respond_with_data(
        "x", content_type="text/csv", headers={"ETag": '"d3-2025"'}
    )
    catalogue = load(folder)
    catalogue = dataclasses.replace(
        catalogue, datasets=tuple(d for d in catalogue.datasets if d.key in ("dfe_cin_b1", "dfe_cin_d3", "dfe_cin_d5"))
    )
    settings = HttpSettings(retries=0, read_timeout_s=5.0)
    downloader = Downloader(build_session(settings), RawStore(tmp_path / "raw"), settings)
    downloader.fetch(httpserver.url_for("/data-catalogue/data-set/cin_b1/csv"), "dfe", "cin_b1")  # last night's
    rows = {row.source: row for row in check_all(catalogue, downloader, RunSettings(), deadline_s=20)}
    assert (rows["dfe_cin_b1"].status, rows["dfe_cin_b1"].reason) == ("ok", "same ETag as the last fetch")
    assert (rows["dfe_cin_d3"].status, rows["dfe_cin_d3"].reason) == ("changed", "never fetched here")
    assert rows["dfe_cin_d5"].status == "refused"
    assert "EES publication 'characteristics-of-children-in-need'" in rows["dfe_cin_d5"].reason
    assert "no data set titled 'D5 Child Protection Plans at 31 March by duration and local authority'" in (
        rows["dfe_cin_d5"].reason
    )


def test_a_live_run_with_no_network_ends_fast_naming_each_cause(tmp_path: Path, main_run: tuple) -> None:
    """Every publisher refused: the run ends well within 120 s with one line per source naming the root cause,
    and the warehouse and published snapshot stay as the last good run left them."""
    _, good = main_run
    data = tmp_path / "data"
    subprocess.run(["cp", "-a", str(good), str(data)], check=True)
    database, published = data / "warehouse" / "outcomes.duckdb", data / "published" / "outcomes.duckdb"
    before = (table_fingerprints(database), published.read_bytes())
    catalogue = offline_catalogue(tmp_path / "catalogue")
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "pipelines.main", "run"],
        cwd=ROOT,
        env=environment(data, SAFE_OUTCOMES_SOURCE_MODE="live", SAFE_OUTCOMES_CATALOGUE_DIR=str(catalogue)),
        capture_output=True,
        text=True,
        timeout=180,
    )
    elapsed = time.monotonic() - started
    print(f"no-network live run: {elapsed:.1f} s, {len(completed.stderr.splitlines())} stderr lines")
    assert completed.returncode == 1
    assert elapsed < 120
    failed = [line for line in completed.stdout.splitlines() if line.startswith(" - step ")]
    for key in HTTP_SOURCES:
        [line] = [line for line in failed if f"step {key}_sources failed" in line]
        assert "connection refused by 127.0.0.1" in line, line
    assert (table_fingerprints(database), published.read_bytes()) == before
