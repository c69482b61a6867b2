"""ASCOF end to end through Dagster: both formats in sample mode, bad input over HTTP, change detection."""

import csv
from pathlib import Path

import dagster as dg
import duckdb
from pytest_httpserver import HTTPServer

from assets.ascof import release_files
from assets.reference import areas
from sources.sample_adapter import sample_path
from sources.source_catalogue import load
from tests.conftest import (
    SAMPLES,
    asset,
    graph_for,
    make_resources,
    materialize,
    rebuilt,
    sample_downloader,
    table_fingerprints,
)


def _assets(catalogue: Path | None = None) -> list[dg.AssetsDefinition]:
    graph = graph_for(catalogue)
    return [areas, asset(graph, "clean", "ascof_measures"), graph.indicators[2]]


ASSETS = _assets()
RELEASES = {file.release: file.url for file in release_files(sample_downloader(), load().dataset("ascof_measures"))}


def _one_release(folder: Path, url: str) -> list[dg.AssetsDefinition]:
    """The ASCOF assets of a catalogue whose only release, 2024-25, is at `url`."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (Path(load().dataset("ascof_measures").file)).read_text(encoding="utf-8")
    head, _, _ = text.partition("[datasets.releases]")
    (folder / "ascof.toml").write_text(f'{head}[datasets.releases]\n"2024-25" = "{url}"\n', encoding="utf-8")
    return _assets(folder)


def _query(data_dir: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(data_dir / "warehouse" / "outcomes.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _published(release: str) -> list[dict[str, str]]:
    """The sample file of a release, read with the csv module, header names lower-cased."""
    text = sample_path(SAMPLES, RELEASES[release]).read_text(encoding="utf-8")
    return [{name.lower(): value for name, value in row.items()} for row in csv.DictReader(text.splitlines())]


def _cell(rows: list[dict[str, str]], code: str, measure: str, kind: str) -> str:
    (value,) = [
        row["measure value"]
        for row in rows
        if row["geographical code"] == code
        and row["ascof measure code"] == measure
        and row["measure type"].lower() == kind
    ]
    return value


def test_both_formats_reach_the_indicator_table(resources: dict, data_dir: Path) -> None:
    result = materialize(ASSETS, resources)
    assert result.success
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name.endswith("_rules")]
    assert evaluation.passed

    got = {
        (indicator, period): row
        for indicator, period, *row in _query(
            data_dir,
            "select indicator_id, period_label, value, numerator, denominator, lower_95, upper_95, ci_method, "
            "value_status, status_token, area_type, period_start from marts.indicator_values "
            "where area_code = 'E06000059'",
        )
    }
    assert len(got) == 2 * 3  # 4A and 4B, three releases
    for release in RELEASES:
        rows = _published(release)
        for indicator, measure in (("asc_feel_safe_pct", "4A"), ("asc_services_made_safe_pct", "4B")):
            outcome = float(_cell(rows, "838", measure, "outcome"))
            margin = float(_cell(rows, "838", measure, "margin of error"))
            value, numerator, denominator, lower, upper, method, status, token, area_type, start = got[
                (indicator, release)
            ]
            assert value == outcome
            assert numerator == float(_cell(rows, "838", measure, "numerator"))
            assert denominator == float(_cell(rows, "838", measure, "denominator"))
            assert (lower, upper) == (outcome - margin, outcome + margin)
            assert (method, status, token, area_type) == ("published: margin of error", "ok", None, "council")
            assert start.year == int(release[:4]) and start.month == 4

    scilly = dict(
        _query(
            data_dir,
            "select period_label, value_status || ' ' || coalesce(status_token, 'none') || ' ' || "
            "coalesce(value::varchar, 'null') from marts.indicator_values "
            "where area_code = 'E06000053' and indicator_id = 'asc_feel_safe_pct'",
        )
    )
    assert scilly == {"2019-20": "suppressed  null", "2021-22": "suppressed [c] null", "2024-25": "suppressed [c] null"}
    regions = _query(
        data_dir,
        "select distinct area_code from marts.indicator_values where area_type = 'region' order by 1",
    )
    assert regions == [("E12000008",), ("E12000009",)]


def test_unchanged_releases_rebuild_nothing(resources: dict, data_dir: Path) -> None:
    assert materialize(ASSETS, resources).success
    before = table_fingerprints(data_dir / "warehouse" / "outcomes.duckdb")
    again = materialize(ASSETS, resources)
    assert again.success
    assert rebuilt(again) == set()
    assert table_fingerprints(data_dir / "warehouse" / "outcomes.duckdb") == before


def test_unknown_marker_welsh_code_and_percent_over_100_block(httpserver: HTTPServer, data_dir: Path) -> None:
    good = sample_path(SAMPLES, RELEASES["2024-25"]).read_text(encoding="utf-8")
    httpserver.expect_request("/ascof-2024-25.csv").respond_with_data(good, content_type="text/csv")
    resources = make_resources(data_dir, mode="live")
    assets = _one_release(data_dir.parent / "catalogue", httpserver.url_for("/ascof-2024-25.csv"))
    assert materialize(assets, resources).success
    before = table_fingerprints(data_dir / "warehouse" / "outcomes.duckdb")

    lines = good.splitlines()
    marker_line = next(i for i, line in enumerate(lines) if line.startswith("838,") and ",4A,Total,Outcome," in line)
    lines[marker_line] = lines[marker_line].rsplit(",", 1)[0] + ",[u]"
    welsh_line = next(i for i, line in enumerate(lines) if line.startswith("850,") and ",4B,Total,Outcome," in line)
    lines[welsh_line] = lines[welsh_line].replace("E10000014", "W06000015")
    percent_line = next(i for i, line in enumerate(lines) if line.startswith("878,") and ",4A,Total,Outcome," in line)
    lines[percent_line] = lines[percent_line].rsplit(",", 1)[0] + ",130.0"
    httpserver.clear()
    httpserver.expect_request("/ascof-2024-25.csv").respond_with_data("\n".join(lines) + "\n", content_type="text/csv")
    result = materialize(assets, resources)

    assert not result.success
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name.endswith("_rules")]
    failures = {failure["column"]: failure for failure in evaluation.metadata["failures"].value}
    assert set(failures) == {"status_token", "area_code", "percent_outcome"}
    assert failures["percent_outcome"]["examples"][0]["_source_row"] == percent_line + 1
    assert failures["status_token"]["examples"][0]["_source_row"] == marker_line + 1
    assert failures["area_code"]["examples"][0]["_source_row"] == welsh_line + 1
    assert table_fingerprints(data_dir / "warehouse" / "outcomes.duckdb") == before


def test_missing_measure_fails_naming_the_file(httpserver: HTTPServer, data_dir: Path) -> None:
    good = sample_path(SAMPLES, RELEASES["2024-25"]).read_text(encoding="utf-8")
    rows = list(csv.reader(good.splitlines()))
    kept = [row for row in rows if not row[4].startswith("4B")]
    assert len(kept) < len(rows)
    without_4b = "".join(",".join(f'"{cell}"' if "," in cell else cell for cell in row) + "\n" for row in kept)
    httpserver.expect_request("/ascof.csv").respond_with_data(without_4b, content_type="text/csv")
    resources = make_resources(data_dir, mode="live")
    result = materialize(_one_release(data_dir.parent / "catalogue", httpserver.url_for("/ascof.csv")), resources)
    assert not result.success
    messages = " ".join(
        event.step_failure_data.error.message
        for event in result.all_events
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error
    )
    assert "/ascof.csv" in messages
    assert "measure 4B is not in this 2024-25 file" in messages
