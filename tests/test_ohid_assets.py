"""Fingertips end to end through Dagster: sample mode, the real export over HTTP, bad input, change detection."""

import csv
import json
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from assets.reference import areas
from sources.errors import SourceError
from sources.fingertips import FingertipsApi, child_area_type_for
from sources.http import Downloader, HttpSettings, RawStore, build_session
from sources.sample_adapter import sample_path
from tests.conftest import REAL_DATA, SAMPLES, graph_for, make_resources, materialize, rebuilt, table_fingerprints

API = FingertipsApi("https://fingertips.phe.org.uk/api/")
CHILD_INJURY = {
    90284: (
        "ph_child_injury_admissions_0_14",
        "Hospital admissions caused by unintentional and deliberate injuries in children (aged 0 to 14 years)",
    )
}


def _ohid_assets(catalogue: Path | None = None) -> list[dg.AssetsDefinition]:
    graph = graph_for(catalogue)
    fingertips = [a for a in graph.sources if any(key.path[1].startswith("ohid_") for key in a.keys)]
    return [areas, *fingertips, graph.indicators[1]]


ASSETS = _ohid_assets()


def _catalogue(folder: Path, base_url: str, indicators: dict[int, tuple[str, str]], parents: list[int]) -> Path:
    """A catalogue holding only Fingertips, at `base_url`, with these indicators and parent area types."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = "".join(
        f"""
[[datasets]]
key = "ohid_{name}"
indicator = "{name}"
fingertips_id = {fingertips_id}
title = "{title}"
table = "ohid_fingertips"
partitioning = "none"
partition_column = "file_key"
locate = "fingertips_export"
parser = "fingertips"
suite = "fingertips"
description = "PHOF {fingertips_id}"
"""
        for fingertips_id, (name, title) in indicators.items()
    )
    (folder / "ohid.toml").write_text(
        f"""[publisher]
key = "ohid"
name = "OHID Fingertips"
base_url = "{base_url}"
child_area_type = 502
child_area_type_fallbacks = [402, 302]
parent_area_types = {parents}
{entries}""",
        encoding="utf-8",
    )
    return folder


def _sample(url: str) -> Path:
    return sample_path(SAMPLES, url)


def _database(data_dir: Path) -> Path:
    return data_dir / "warehouse" / "outcomes.duckdb"


def _query(data_dir: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(_database(data_dir)), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _failures(result: dg.ExecuteInProcessResult) -> str:
    return " ".join(
        event.step_failure_data.error.message
        for event in result.all_events
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error
    )


def _serve(
    httpserver: HTTPServer,
    exports: dict[tuple[int, int], str],
    metadata: str | None = None,
    child: int = 502,
    available: tuple[int, ...] = (6, 15, 402, 502),
) -> None:
    httpserver.clear()

    def available_data(request: Request) -> Response:
        rows = [{"IndicatorId": int(request.args["indicator_id"]), "AreaTypeId": area} for area in available]
        return Response(json.dumps(rows), content_type="application/json")

    httpserver.expect_request("/api/available_data").respond_with_handler(available_data)
    httpserver.expect_request("/api/area_types").respond_with_data(
        _sample(API.area_types_url()).read_text(), content_type="application/json"
    )
    httpserver.expect_request("/api/indicator_metadata/by_indicator_id").respond_with_data(
        metadata or _sample(API.metadata_url([90284])).read_text(),
        content_type="application/json",
    )
    for (fingertips_id, parent), body in exports.items():
        httpserver.expect_request(
            "/api/all_data/csv/by_indicator_id",
            query_string={
                "indicator_ids": str(fingertips_id),
                "child_area_type_id": str(child),
                "parent_area_type_id": str(parent),
            },
        ).respond_with_data(body, content_type="text/csv")


def _live(
    data_dir: Path, httpserver: HTTPServer, indicators: dict | None = None, parents: tuple[int, ...] = (15,)
) -> tuple[list[dg.AssetsDefinition], dict]:
    """The Fingertips assets of a catalogue pointed at the local server, and live resources."""
    name = "-".join(str(i) for i in (indicators or CHILD_INJURY)) + "-" + "-".join(map(str, parents))
    folder = _catalogue(
        data_dir.parent / f"catalogue-{name}", httpserver.url_for("/api/"), indicators or CHILD_INJURY, list(parents)
    )
    return _ohid_assets(folder), make_resources(data_dir, mode="live")


def _run_live(data_dir: Path, httpserver: HTTPServer, **options: object) -> dg.ExecuteInProcessResult:
    assets, resources = _live(data_dir, httpserver, **options)  # type: ignore[arg-type]
    return materialize(assets, resources)


def _sample_text(fingertips_id: int = 90284, parent: int = 15) -> str:
    return _sample(API.data_url(fingertips_id, 502, parent)).read_text(encoding="utf-8")


def _rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(text.splitlines()))


def _check(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name.endswith("_rules")]
    return evaluation


def test_sample_mode_fills_the_indicator_table(resources: dict, data_dir: Path) -> None:
    result = materialize(ASSETS, resources)
    assert result.success, _failures(result)
    checks = result.get_asset_check_evaluations()
    # the rules and the completeness check of each catalogued indicator
    assert len(checks) == 8 and all(check.passed for check in checks)

    # Dorset and England from the England-parent export, South West from the regions export, read by hand
    published = _rows_of(_sample_text(90284, 15)) + _rows_of(_sample_text(90284, 6))
    expected = {
        (row["Area Code"], row["Sex"], row["Time period"]): row
        for row in published
        if row["Category Type"] == "" and row["Parent Code"] != row["Area Code"]
    }
    got = _query(
        data_dir,
        "select area_code, area_type, variant, period_label, value, numerator, denominator, lower_95, upper_95, "
        "lower_998, upper_998, ci_method, value_status from marts.indicator_values "
        "where indicator_id = 'ph_child_injury_admissions_0_14' "
        "and area_code in ('E06000059', 'E12000009', 'E92000001')",
    )
    assert len(got) == 3 * 3 * 5  # three areas, Persons/Male/Female, five years
    sexes = {"all": "Persons", "male": "Male", "female": "Female"}
    for code, area_type, variant, label, value, count, denominator, l95, u95, l998, u998, method, status in got:
        row = expected[(code, sexes[variant], label)]
        assert area_type == {"E06000059": "council", "E12000009": "region", "E92000001": "england"}[code]
        assert value == float(row["Value"])
        assert (count, denominator) == (float(row["Count"]), float(row["Denominator"]))
        assert (l95, u95) == (float(row["Lower CI 95.0 limit"]), float(row["Upper CI 95.0 limit"]))
        assert l998 == (float(row["Lower CI 99.8 limit"]) if row["Lower CI 99.8 limit"] else None)
        assert u998 == (float(row["Upper CI 99.8 limit"]) if row["Upper CI 99.8 limit"] else None)
        assert (method, status) == ("published", "ok")

    statuses = dict(
        _query(
            data_dir,
            "select indicator_id, value_status || ' / ' || status_token from marts.indicator_values "
            "where area_code = 'E06000053' and variant = 'all' and period_label in ('2020/21 - 22/23', '2023')",
        )
    )
    assert statuses == {
        "ph_violent_crime_admissions": "suppressed / Value suppressed for disclosure control due to small count",
        "ph_first_time_entrants_yjs": "not_available / Value for Cornwall and Isles of Scilly combined",
    }
    indicators = {row[0] for row in _query(data_dir, "select distinct indicator_id from marts.indicator_values")}
    assert indicators == {
        "ph_ksi_rate",
        "ph_violent_crime_admissions",
        "ph_first_time_entrants_yjs",
        "ph_child_injury_admissions_0_14",
    }
    # the comparison and trend texts reach clean for reconciling later
    trend = _query(
        data_dir,
        "select recent_trend, compared_to_parent from clean.ohid_fingertips where area_code = 'E06000059' "
        "and fingertips_id = 90284 and parent_area_type_id = 6 and sex = 'Persons' and time_period = '2023/24'",
    )
    source = next(
        row
        for row in _rows_of(_sample_text(90284, 6))
        if (row["Area Code"], row["Sex"], row["Time period"]) == ("E06000059", "Persons", "2023/24")
    )
    assert trend == [(source["Recent Trend"], source["Compared to Regions (statistical) value or percentiles"])]


def test_unchanged_exports_rebuild_nothing(resources: dict, data_dir: Path) -> None:
    assert materialize(ASSETS, resources).success
    loads = _query(data_dir, "select count(*) from meta.loads")[0][0]
    before = table_fingerprints(_database(data_dir))
    again = materialize(ASSETS, resources)
    assert again.success
    assert rebuilt(again) == set()
    # every fetched export is logged, as unchanged (four indicators, two parent area types)
    logged = _query(data_dir, "select status, count(*) from meta.loads where run_id = ? group by all", [again.run_id])
    assert logged == [("unchanged", 8)]
    assert _query(data_dir, "select count(*) from meta.loads")[0][0] == loads + 8
    assert table_fingerprints(_database(data_dir)) == before


def test_real_export_over_http_matches_the_file(httpserver: HTTPServer, data_dir: Path) -> None:
    real = REAL_DATA / "la_hospital_admissions_2324.csv"
    if not real.exists():
        pytest.skip(f"{real} is not present (shared real-data folder absent)")
    text = real.read_text(encoding="utf-8-sig")
    _serve(httpserver, {(90284, 15): text})
    result = _run_live(data_dir, httpserver)
    assert result.success, _failures(result)

    published = {
        (row["Area Code"], row["Sex"], row["Time period"]): row
        for row in _rows_of(text)
        if row["Category Type"] == ""
        and (row["Area Code"] == "E06000059" or (row["Area Code"] == "E92000001" and row["Parent Code"] == ""))
    }
    got = _query(
        data_dir,
        "select area_code, variant, period_label, value, numerator, denominator, lower_95, upper_95, lower_998, "
        "upper_998 from marts.indicator_values where area_code in ('E06000059', 'E92000001')",
    )
    assert len(got) == len(published) == 74
    sexes = {"all": "Persons", "male": "Male", "female": "Female"}
    for code, variant, label, *figures in got:
        row = published[(code, sexes[variant], label)]
        columns = ("Value", "Count", "Denominator", "Lower CI 95.0 limit", "Upper CI 95.0 limit")
        assert figures[:5] == [float(row[name]) for name in columns]
        assert figures[5] == (float(row["Lower CI 99.8 limit"]) if row["Lower CI 99.8 limit"] else None)
        assert figures[6] == (float(row["Upper CI 99.8 limit"]) if row["Upper CI 99.8 limit"] else None)
    dorset_latest = _query(
        data_dir,
        "select value from marts.indicator_values where area_code = 'E06000059' and variant = 'all' "
        "and period_label = '2023/24'",
    )
    assert dorset_latest == [(103.69141,)]  # the file's Persons row for Dorset, 2023/24


def _baseline(httpserver: HTTPServer, data_dir: Path) -> dict[str, str]:
    _serve(httpserver, {(90284, 15): _sample_text()})
    assert _run_live(data_dir, httpserver).success
    return table_fingerprints(_database(data_dir))


def _edited(edit: dict[str, str], line: int) -> str:
    rows = list(csv.reader(_sample_text().splitlines()))
    header = rows[0]
    for column, value in edit.items():
        rows[line - 1][header.index(column)] = value
    return "\n".join(",".join(f'"{cell}"' if "," in cell else cell for cell in row) for row in rows) + "\n"


def _dorset_line() -> int:
    rows = _rows_of(_sample_text())
    return next(index + 2 for index, row in enumerate(rows) if row["Area Code"] == "E06000059")


@pytest.mark.parametrize(
    ("edit", "rule"),
    [
        ({"Value note": "Data revised by the provider after publication"}, "every value note is of a known kind"),
        ({"Area Code": "W06000015"}, "area_code is in the English areas known to the warehouse"),
        ({"Lower CI 95.0 limit": "999"}, "published limits bracket the value"),
    ],
)
def test_bad_rows_block_and_leave_clean_and_marts_unchanged(
    httpserver: HTTPServer, data_dir: Path, edit: dict[str, str], rule: str
) -> None:
    before = _baseline(httpserver, data_dir)
    line = _dorset_line()
    _serve(httpserver, {(90284, 15): _edited(edit, line)})
    result = _run_live(data_dir, httpserver)
    evaluation = _check(result)
    assert not evaluation.passed
    failures = evaluation.metadata["failures"].value
    assert len(failures) == 1
    assert failures[0]["rule"].startswith(rule)
    assert failures[0]["examples"][0]["_source_row"] == line
    assert table_fingerprints(_database(data_dir)) == before
    assert dg.AssetKey(["clean", "ohid_ph_child_injury_admissions_0_14"]) not in {
        event.asset_key for event in result.get_asset_materialization_events()
    }


def test_missing_value_column_fails_naming_file_and_is_logged(httpserver: HTTPServer, data_dir: Path) -> None:
    before = _baseline(httpserver, data_dir)
    rows = [line.split(",") for line in _sample_text().splitlines()]
    assert rows[0][12] == "Value"
    broken = "\n".join(line.replace(",Value,", ",Amount,", 1) for line in _sample_text().splitlines()) + "\n"
    _serve(httpserver, {(90284, 15): broken})
    result = _run_live(data_dir, httpserver)
    assert not result.success
    assert "line 1: the header lacks 'Value'" in _failures(result)
    assert "by_indicator_id?indicator_ids=90284" in _failures(result)
    assert table_fingerprints(_database(data_dir)) == before
    status, message = _query(data_dir, "select status, message from meta.loads order by started_at desc limit 1")[0]
    assert status == "failed"
    assert "the header lacks 'Value'" in message


def test_unknown_indicator_id_fails_before_loading(httpserver: HTTPServer, data_dir: Path) -> None:
    _serve(httpserver, {(99999, 15): _sample_text()}, metadata=json.dumps({}))
    result = _run_live(data_dir, httpserver, indicators={99999: ("ph_ksi_rate", "Killed and seriously injured")})
    assert not result.success
    assert "indicator 99999 is not known to Fingertips" in _failures(result)
    assert table_fingerprints(_database(data_dir), ("clean",)) == {}


def test_json_error_body_with_status_200_fails_clearly(httpserver: HTTPServer, data_dir: Path) -> None:
    before = _baseline(httpserver, data_dir)
    _serve(httpserver, {(90284, 15): json.dumps({"Message": "An error has occurred."})})
    result = _run_live(data_dir, httpserver)
    assert not result.success
    assert "JSON error instead of CSV: An error has occurred." in _failures(result)
    assert table_fingerprints(_database(data_dir)) == before


def test_json_error_with_status_500_names_the_url(httpserver: HTTPServer, tmp_path: Path) -> None:
    settings = HttpSettings(retries=1, backoff_factor=0.01, read_timeout_s=5.0)
    downloader = Downloader(build_session(settings), RawStore(tmp_path), settings)
    httpserver.expect_request("/api/all_data/csv/by_indicator_id").respond_with_json(
        {"Message": "An error has occurred.", "ExceptionMessage": "Indicator not found"}, status=500
    )
    url = FingertipsApi(httpserver.url_for("/api/")).data_url(90284, 502, 15)
    with pytest.raises(SourceError, match=r"by_indicator_id\?indicator_ids=90284.*(HTTP 500|retries)"):
        downloader.fetch(url, "ohid", "all_data")


def test_429_with_retry_after_is_waited_out(httpserver: HTTPServer, data_dir: Path) -> None:
    _serve(httpserver, {(90284, 15): _sample_text()})
    httpserver.expect_oneshot_request("/api/all_data/csv/by_indicator_id").respond_with_data(
        "Too many requests", status=429, headers={"Retry-After": "1"}
    )
    started = time.monotonic()
    result = _run_live(data_dir, httpserver)
    assert result.success, _failures(result)
    assert time.monotonic() - started >= 1.0
    data_requests = [request for request, _ in httpserver.log if request.path.endswith("by_indicator_id")]
    assert len([request for request in data_requests if "all_data" in request.path]) == 2


def test_exports_under_different_parents_must_agree(httpserver: HTTPServer, data_dir: Path) -> None:
    regions = list(csv.reader(_sample_text(90284, 6).splitlines()))
    header = regions[0]
    line = next(
        index + 1
        for index, row in enumerate(regions)
        if row[header.index("Area Code")] == "E06000059" and row[header.index("Sex")] == "Persons"
    )
    row = regions[line - 1]
    low, high = float(row[header.index("Lower CI 95.0 limit")]), float(row[header.index("Upper CI 95.0 limit")])
    row[header.index("Value")] = f"{(low + high) / 2 + 0.001:.7f}"  # still inside its limits
    text = "".join(",".join(f'"{cell}"' if "," in cell else cell for cell in cells) + "\n" for cells in regions)
    _serve(httpserver, {(90284, 15): _sample_text(90284, 15), (90284, 6): text})
    result = _run_live(data_dir, httpserver, parents=(15, 6))
    evaluation = _check(result)
    assert not evaluation.passed
    failures = evaluation.metadata["failures"].value
    assert [failure["column"] for failure in failures] == ["same_across_parents"]
    # both copies are reported: the edited line of the regions export and Dorset's line in the England export
    assert failures[0]["failing_rows"] == 2
    assert line in {example["_source_row"] for example in failures[0]["examples"]}
    assert table_fingerprints(_database(data_dir), ("clean",)) == {}


def test_a_404_from_fingertips_fails_at_once_without_retrying_the_step(httpserver: HTTPServer, data_dir: Path) -> None:
    _serve(httpserver, {})  # area types and metadata answer; the export itself is not there
    httpserver.expect_request("/api/all_data/csv/by_indicator_id").respond_with_data("Not Found", status=404)
    result = _run_live(data_dir, httpserver)
    assert not result.success
    assert "HTTP 404" in _failures(result)
    exports = [request for request, _ in httpserver.log if request.path.endswith("all_data/csv/by_indicator_id")]
    assert len(exports) == 1  # no client retry and no step retry: a 404 will not fix itself


def test_an_indicator_without_data_for_the_area_type_falls_back_and_says_so(
    httpserver: HTTPServer, data_dir: Path
) -> None:
    _serve(httpserver, {(90284, 15): _sample_text()}, child=402, available=(6, 15, 402))
    result = _run_live(data_dir, httpserver)
    assert result.success
    urls = _query(data_dir, "select url from meta.loads where url like '%by_indicator_id%'")
    assert urls and all("child_area_type_id=402" in url for (url,) in urls)
    answer = data_dir / "available.json"
    answer.write_text(json.dumps([{"IndicatorId": 90284, "AreaTypeId": 402}]))
    assert child_area_type_for(answer, "u", 90284, 502, [402, 302]) == (
        402,
        "indicator 90284 has no data for area type 502; falls back to 402",
    )


def test_an_indicator_with_data_for_no_configured_area_type_is_named(httpserver: HTTPServer, data_dir: Path) -> None:
    _serve(httpserver, {(90284, 15): _sample_text()}, available=(6, 15, 101))
    result = _run_live(data_dir, httpserver)
    assert not result.success
    assert "indicator 90284 has no data for area type 502 nor its fallbacks [402, 302]" in _failures(result)
    assert "Fingertips has it for area types [6, 15, 101]" in _failures(result)
