"""Bad input for the DfE EES loaders, each over the real HTTP path (a local server): a clear error or a failed
blocking check, and `clean` and `marts` byte-for-byte as they were after the last good run."""

import shutil
from pathlib import Path

import dagster as dg
import pytest
from pytest_httpserver import HTTPServer

from assets.reference import areas
from sources import ees
from sources.errors import FormatError
from sources.sample_adapter import sample_path
from tests.conftest import SAMPLES, make_resources, materialize, table_fingerprints
from tests.dfe_support import (
    ALL_DFE_ASSETS,
    CATALOGUE,
    csc_indicators,
    dataset_asset,
    ees_dataset,
    live_resources,
    local_catalogue,
    population_asset,
    sample_url,
)

C1_API_ID = "342f9a01-26f0-2a71-91a1-f8bc0bee8b11"


def sample_text(key: str) -> str:
    return sample_path(SAMPLES, sample_url(key)).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def good_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder after a successful offline run of every DfE/ONS asset."""
    data_dir = tmp_path_factory.mktemp("good") / "data"
    result = materialize(ALL_DFE_ASSETS, make_resources(data_dir))
    assert result.success
    return data_dir


@pytest.fixture
def warehouse_copy(good_run: Path, tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    shutil.copytree(good_run, data_dir)
    return data_dir


def run_dataset(
    key: str, data_dir: Path, server: HTTPServer, api: dict[str, str] | None = None
) -> dg.ExecuteInProcessResult:
    catalogue = local_catalogue(data_dir.parent / "catalogue", server, api)
    return materialize([dataset_asset(key, catalogue), csc_indicators(catalogue)], live_resources(data_dir))


def serve(server: HTTPServer, key: str, body: str | bytes) -> None:
    server.expect_request(f"/data-catalogue/data-set/{key}/csv").respond_with_data(body, content_type="text/csv")


def failure_message(result: dg.ExecuteInProcessResult) -> str:
    failures = [event for event in result.all_events if event.is_step_failure]
    assert failures, "expected a failed step"
    return failures[0].step_failure_data.error.message


def failed_rules(result: dg.ExecuteInProcessResult, check_name: str) -> list[dict]:
    evaluation = next(e for e in result.get_asset_check_evaluations() if e.check_name == check_name)
    assert not evaluation.passed
    return evaluation.metadata["failures"].value


def warehouse(data_dir: Path) -> Path:
    return data_dir / "warehouse" / "outcomes.duckdb"


def test_an_unknown_renamed_column_names_expected_and_found_columns(
    warehouse_copy: Path, httpserver: HTTPServer
) -> None:
    before = table_fingerprints(warehouse(warehouse_copy))
    serve(httpserver, "cin_b1", sample_text("cin_b1").replace(",At31_episodes,", ",At31_children,", 1))
    result = run_dataset("cin_b1", warehouse_copy, httpserver)
    message = failure_message(result)
    assert not result.success
    assert "no column for the numerator; expected one of ['At31_episodes']" in message
    assert "'At31_children'" in message and "'Anypoint_episodes'" in message
    assert "/data-catalogue/data-set/cin_b1/csv" in message
    assert table_fingerprints(warehouse(warehouse_copy)) == before


def test_a_suppressed_national_total_fails_the_blocking_check(warehouse_copy: Path, httpserver: HTTPServer) -> None:
    before = table_fingerprints(warehouse(warehouse_copy))
    lines = sample_text("cin_b1").splitlines()
    assert lines[1].startswith("2025,Reporting year,National,")
    cells = lines[1].split(",")
    cells[17] = "c"  # At31_episodes
    lines[1] = ",".join(cells)
    serve(httpserver, "cin_b1", "\n".join(lines) + "\n")
    result = run_dataset("cin_b1", warehouse_copy, httpserver)
    failures = failed_rules(result, "dfe_cin_b1_rules")
    assert [f["column"] for f in failures] == ["national_headline_status"]
    assert failures[0]["examples"][0]["_source_row"] == 2
    assert not result.success
    assert table_fingerprints(warehouse(warehouse_copy)) == before


def test_a_duplicated_la_row_fails_one_row_per_area_period_breakdown(
    warehouse_copy: Path, httpserver: HTTPServer
) -> None:
    before = table_fingerprints(warehouse(warehouse_copy))
    lines = sample_text("cin_d3").splitlines()
    dorset = next(index for index, line in enumerate(lines) if ",E06000059,Dorset," in line)
    lines.insert(dorset + 1, lines[dorset])
    serve(httpserver, "cin_d3", "\n".join(lines) + "\n")
    result = run_dataset("cin_d3", warehouse_copy, httpserver)
    failures = failed_rules(result, "dfe_cin_d3_rules")
    assert [f["column"] for f in failures] == ["area_code"]
    assert sorted(e["_source_row"] for e in failures[0]["examples"]) == [dorset + 1, dorset + 2]
    assert table_fingerprints(warehouse(warehouse_copy)) == before


def test_an_old_la_code_after_2019_fails_the_blocking_check(warehouse_copy: Path, httpserver: HTTPServer) -> None:
    before = table_fingerprints(warehouse(warehouse_copy))
    lines = sample_text("cin_b1").splitlines()
    dorset_2021 = next(i for i, line in enumerate(lines) if line.startswith("2021,") and ",E06000059," in line)
    lines[dorset_2021] = lines[dorset_2021].replace(",838,E06000059,Dorset,", ",835,E10000009,Dorset,")
    serve(httpserver, "cin_b1", "\n".join(lines) + "\n")
    result = run_dataset("cin_b1", warehouse_copy, httpserver)
    failures = failed_rules(result, "dfe_cin_b1_rules")
    assert [f["column"] for f in failures] == ["area_valid_in_period"]
    assert failures[0]["examples"][0]["_source_row"] == dorset_2021 + 1
    assert table_fingerprints(warehouse(warehouse_copy)) == before


def test_a_csv_cut_mid_row_names_the_line(warehouse_copy: Path, httpserver: HTTPServer) -> None:
    before = table_fingerprints(warehouse(warehouse_copy))
    text = sample_text("cla_rate")
    lines = text.splitlines()
    cut = "\n".join(lines[:40]) + "\n" + lines[40][:35]
    serve(httpserver, "cla_rate", cut.encode("utf-8"))
    result = run_dataset("cla_rate", warehouse_copy, httpserver)
    message = failure_message(result)
    fields = len(lines[40][:35].split(","))
    assert fields < 14
    assert f"line 41: has {fields} fields where the header has 14 (a row cut short" in message
    assert table_fingerprints(warehouse(warehouse_copy)) == before


def test_a_byte_order_mark_is_read_as_the_same_file(
    warehouse_copy: Path, httpserver: HTTPServer, tmp_path: Path
) -> None:
    text = sample_text("cin_c1")
    plain, marked = tmp_path / "plain.csv", tmp_path / "marked.csv"
    plain.write_text(text, encoding="utf-8")
    marked.write_text("\ufeff" + text, encoding="utf-8")
    dataset = ees_dataset("cin_c1")
    assert ees.parse(marked, dataset).equals(ees.parse(plain, dataset))
    serve(httpserver, "cin_c1", ("\ufeff" + text).encode("utf-8"))
    result = run_dataset("cin_c1", warehouse_copy, httpserver)
    assert result.success


def test_an_api_404_for_a_data_set_csv_is_not_retried(warehouse_copy: Path, httpserver: HTTPServer) -> None:
    before = table_fingerprints(warehouse(warehouse_copy))
    httpserver.expect_request("/statistics/v1/data-sets/no-such-id/csv").respond_with_json(
        {"type": "https://tools.ietf.org/html/rfc9110#section-15.5.5", "title": "Not Found", "status": 404},
        status=404,
    )
    result = run_dataset("cin_c1", warehouse_copy, httpserver, api={"cin_c1": "no-such-id"})
    message = failure_message(result)
    assert "/statistics/v1/data-sets/no-such-id/csv?dataSetVersion=2.0" in message and "HTTP 404" in message
    csv_requests = [request for request, _ in httpserver.log if request.path.endswith("/no-such-id/csv")]
    assert len(csv_requests) == 1  # a 404 is final: no retry
    assert table_fingerprints(warehouse(warehouse_copy)) == before


def test_a_json_error_body_served_for_a_csv_is_an_error(warehouse_copy: Path, httpserver: HTTPServer) -> None:
    before = table_fingerprints(warehouse(warehouse_copy))
    httpserver.expect_request(f"/statistics/v1/data-sets/{C1_API_ID}/csv").respond_with_json(
        {"title": "Bad request", "status": 400, "errors": [{"message": "dataSetVersion 2.0 is not available"}]}
    )
    result = run_dataset("cin_c1", warehouse_copy, httpserver, api={"cin_c1": C1_API_ID})
    message = failure_message(result)
    assert "a JSON body was served where CSV was expected: 400; Bad request" in message
    assert "dataSetVersion 2.0 is not available" in message
    assert table_fingerprints(warehouse(warehouse_copy)) == before


def test_an_unknown_suppression_marker_names_line_and_column(tmp_path: Path) -> None:
    lines = sample_text("cin_d5").splitlines()
    cells = lines[3].split(",")
    cells[11] = "[c]"
    lines[3] = ",".join(cells)
    path = tmp_path / "d5.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(FormatError) as caught:
        ees.parse(path, ees_dataset("cin_d5"))
    assert caught.value.line == 4 and caught.value.column == "CPP_At31"
    assert "'[c]' is neither a number nor an EES symbol" in str(caught.value)


def test_checking_before_the_reference_tables_exist_says_so(tmp_path: Path) -> None:
    result = materialize([dataset_asset("cin_d5")], make_resources(tmp_path / "data"))
    assert "marts.areas is missing: materialise marts/areas first" in failure_message(result)
    assert table_fingerprints(warehouse(tmp_path / "data"), ("clean",)) == {}


def test_a_population_of_zero_fails_the_blocking_check(tmp_path: Path, httpserver: HTTPServer) -> None:
    """Issue 16: a 0 passed, and every rate per 10,000 over it became null in the published snapshot."""
    text = sample_path(SAMPLES, CATALOGUE.dataset("ons_population").option("dfe_file_url")).read_text(encoding="utf-8")
    lines = text.splitlines()
    header = lines[0].split(",")
    at = next(i for i, line in enumerate(lines) if "E06000059" in line and "Children aged 0 to 17 years" in line)
    cells = lines[at].split(",")
    cells[header.index("population_estimate")] = "0"
    lines[at] = ",".join(cells)
    httpserver.expect_request("/population.csv").respond_with_data("\n".join(lines) + "\n", content_type="text/csv")
    catalogue = local_catalogue(tmp_path / "catalogue", httpserver, None, httpserver.url_for("/population.csv"))
    data_dir = tmp_path / "data"
    result = materialize([areas, population_asset(catalogue)], live_resources(data_dir))
    assert not result.success
    [failure] = failed_rules(result, "ons_population_rules")
    assert failure["column"] == "numerator" and failure["examples"][0]["_source_row"] == at + 1
    assert table_fingerprints(warehouse(data_dir), ("clean",)) == {}
