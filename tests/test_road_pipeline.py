"""STATS19 end to end over real HTTP (a local server): indicator values counted by hand, and bad input that fails
clearly and leaves `clean` and `marts` exactly as they were."""

from pathlib import Path

import dagster as dg
import duckdb
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from assets.graph import Graph
from assets.reference import areas
from assets.resources import Stats19Resource
from tests.conftest import (
    asset,
    graph_for,
    local_catalogue,
    make_resources,
    materialize,
    rebuilt,
    table_fingerprints,
)
from tests.stats19_fixtures import (
    CASUALTY_HEADER_2024,
    COLLISION_HEADER_2024,
    casualty,
    collision,
    csv_text,
    with_counts,
)

FOLDER = "/road-accidents-safety-data/"
DORSET, BCP, ENGLAND, SOUTH_WEST = "E06000059", "E06000058", "E92000001", "E12000009"

COLLISIONS = {
    2021: [
        collision("2021550000001", "10/01/2021", DORSET, DORSET, severity=1),
        collision("2021550000002", "15/06/2021", DORSET, DORSET, severity=2),
        collision("2021550000003", "20/11/2021", BCP, BCP, severity=2),
    ],
    2022: [
        collision("2022550000004", "05/02/2022", DORSET, DORSET),
        collision("2022550000005", "30/09/2022", DORSET, DORSET, severity=2),
        collision("2022550000006", "31/12/2022", BCP, BCP, severity=1),
        # No current-boundary code: placed through its district, Christchurch, which is in BCP today.
        collision("2022550000007", "01/03/2022", BCP, "", district="E07000048"),
        # A Welsh road: not in England's total.
        collision("2022630000008", "02/03/2022", "W06000023", "W06000023", police_force="63"),
    ],
}
CASUALTIES = {
    2021: [
        casualty("2021550000001", 1, severity=1),
        casualty("2021550000001", 2, severity=2),  # serious with no adjustment: counts 1 when adjusted
        casualty("2021550000001", 3, severity=3, adjusted_serious="0.2"),
        casualty("2021550000002", 1, severity=2, adjusted_serious="0.8"),
        casualty("2021550000002", 2, severity=3, adjusted_serious="0.1"),
        casualty("2021550000003", 1, severity=2, adjusted_serious="1"),
    ],
    2022: [
        casualty("2022550000004", 1, severity=3, adjusted_serious="0.3"),
        casualty("2022550000005", 1, severity=2, adjusted_serious="0.6"),
        casualty("2022550000005", 2, severity=2, adjusted_serious="0.9"),
        casualty("2022550000006", 1, severity=1),
        casualty("2022550000007", 1, severity=3, adjusted_serious="0.5"),
        casualty("2022630000008", 1, severity=2, adjusted_serious="0.7"),
    ],
}


def stats19_files() -> dict[str, str]:
    """The per-year files DfT would serve for 2021 and 2022, keyed by path."""
    files = {}
    for year in (2021, 2022):
        collisions = with_counts(COLLISIONS[year], CASUALTIES[year])
        files[f"{FOLDER}dft-road-casualty-statistics-collision-{year}.csv"] = csv_text(
            COLLISION_HEADER_2024, collisions
        )
        files[f"{FOLDER}dft-road-casualty-statistics-casualty-{year}.csv"] = csv_text(
            CASUALTY_HEADER_2024, CASUALTIES[year]
        )
    return files


def serve(httpserver: HTTPServer, files: dict[str, str]) -> None:
    httpserver.clear()
    for path, body in files.items():
        httpserver.expect_request(path).respond_with_data(body, content_type="text/csv")


def live_resources(data_dir: Path, httpserver: HTTPServer, baseline: tuple[int, int] = (2005, 2009)) -> dict:
    resources = make_resources(data_dir, mode="live")
    resources["stats19_source"] = Stats19Resource(baseline_first_year=baseline[0], baseline_last_year=baseline[1])
    resources["road_assets"] = road_assets(data_dir.parent / "catalogue", httpserver.url_for(FOLDER))
    return resources


def road_graph(folder: Path, base_url: str) -> Graph:
    """Every asset of a catalogue whose DfT address is `base_url` (a local server)."""
    return graph_for(local_catalogue(folder, {"https://data.dft.gov.uk/road-accidents-safety-data/": base_url}))


def road_assets(folder: Path, base_url: str) -> list[dg.AssetsDefinition]:
    """The road assets of a catalogue whose DfT address is `base_url`: areas, both tables, the indicators."""
    graph = road_graph(folder, base_url)
    collisions, casualties = asset(graph, "clean", "dft_collisions"), asset(graph, "clean", "dft_casualties")
    return [areas, collisions, casualties, graph.indicators[0]]


def run(resources: dict) -> dg.ExecuteInProcessResult:
    resources = dict(resources)
    return materialize(resources.pop("road_assets"), resources, "2021", "2022")


def failures(result: dg.ExecuteInProcessResult) -> str:
    return "\n".join(
        event.step_failure_data.error.message
        for event in result.all_events
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error
    )


def values(data_dir: Path, indicator: str, variant: str, area: str) -> dict[str, float]:
    con = duckdb.connect(str(data_dir / "warehouse" / "outcomes.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select period_label, value from marts.indicator_values "
            "where indicator_id = ? and variant = ? and area_code = ? order by period_end",
            [indicator, variant, area],
        ).fetchall()
    finally:
        con.close()
    return {label: value for label, value in rows}


@pytest.fixture
def loaded(data_dir: Path, httpserver: HTTPServer) -> dict:
    """A warehouse holding the fixture's 2021-2022 data, loaded over HTTP; returns the resources used."""
    serve(httpserver, stats19_files())
    resources = live_resources(data_dir, httpserver, baseline=(2021, 2022))
    result = run(resources)
    assert result.success, failures(result)
    return resources


def test_ksi_and_casualties_counted_by_hand_and_credited_to_their_files(loaded: dict, data_dir: Path) -> None:
    # Dorset 2021: collision 1 has a fatal, a serious and a slight casualty; collision 2 a serious and a slight.
    assert values(data_dir, "road_ksi", "unadjusted", DORSET) == {
        "2021": 3,
        "12 months to Dec 2021": 3,
        "12 months to Mar 2022": 1,  # Apr 2021 - Mar 2022: collision 2 (serious) and 4 (slight)
        "12 months to Jun 2022": 0,  # Jul 2021 - Jun 2022: only collision 4
        "12 months to Sep 2022": 2,  # Oct 2021 - Sep 2022: collision 5 on 30 Sep counts
        "2022": 2,
        "12 months to Dec 2022": 2,
    }
    adjusted = values(data_dir, "road_ksi", "severity_adjusted", DORSET)
    assert adjusted["2021"] == pytest.approx(1 + 1 + 0.2 + 0.8 + 0.1)  # fatal 1; blank-adjusted serious 1
    assert adjusted["12 months to Mar 2022"] == pytest.approx(0.8 + 0.1 + 0.3)
    assert adjusted["2022"] == pytest.approx(0.3 + 0.6 + 0.9)
    assert values(data_dir, "road_casualties", "all", DORSET)["2021"] == 5
    con = duckdb.connect(str(data_dir / "warehouse" / "outcomes.duckdb"), read_only=True)
    try:
        credited = dict(
            con.execute(
                "select v.period_label, l.url from marts.indicator_values v join meta.loads l using (load_id) "
                "where v.indicator_id = 'road_ksi' and v.variant = 'unadjusted' and v.area_code = ?",
                [DORSET],
            ).fetchall()
        )
    finally:
        con.close()
    # Each value names the file it came from; a window across two years' files, the file of its newest month:
    # Apr 2021 - Mar 2022 holds June 2021 (the 2021 file) and February 2022 (the 2022 file): the 2022 file's.
    assert credited["12 months to Mar 2022"].endswith("casualty-2022.csv")
    assert credited["12 months to Dec 2021"].endswith("casualty-2021.csv")
    assert credited["2022"].endswith("casualty-2022.csv")


def test_current_boundaries_fallback_region_and_england(loaded: dict, data_dir: Path) -> None:
    # BCP 2022: the fatal on 31 Dec, and the Christchurch collision placed through its district.
    assert values(data_dir, "road_casualties", "all", BCP)["2022"] == 2
    assert values(data_dir, "road_ksi", "severity_adjusted", BCP)["2022"] == pytest.approx(1 + 0.5)
    # England excludes the Welsh casualty; every English row here is in the South West.
    england = values(data_dir, "road_casualties", "all", ENGLAND)
    assert (england["2021"], england["2022"]) == (6, 5)
    assert values(data_dir, "road_casualties", "all", SOUTH_WEST) == england
    assert values(data_dir, "road_ksi", "unadjusted", ENGLAND)["2022"] == 3


def test_change_against_the_baseline(loaded: dict, data_dir: Path) -> None:
    # Baseline here is 2021-2022 (configured), so the arithmetic can be checked on two years.
    change = values(data_dir, "road_ksi_vs_baseline_pct", "unadjusted", DORSET)
    baseline = (3 + 2) / 2
    assert change["2021"] == pytest.approx((3 / baseline - 1) * 100)
    assert change["2022"] == pytest.approx((2 / baseline - 1) * 100)
    adjusted = values(data_dir, "road_ksi_vs_baseline_pct", "severity_adjusted", DORSET)
    adjusted_baseline = (3.1 + 1.8) / 2
    assert adjusted["2022"] == pytest.approx((1.8 / adjusted_baseline - 1) * 100)


def test_no_baseline_rows_without_every_baseline_year(data_dir: Path, httpserver: HTTPServer) -> None:
    serve(httpserver, stats19_files())
    result = run(live_resources(data_dir, httpserver))  # 2005-09 baseline, none of it loaded
    assert result.success, failures(result)
    assert values(data_dir, "road_ksi_vs_baseline_pct", "unadjusted", DORSET) == {}
    [event] = result.asset_materializations_for_node("marts__road_indicators")
    assert "no baseline rows" in event.metadata["baseline"].value


def test_rerun_replaces_partitions_and_a_304_rebuilds_nothing(
    loaded: dict, data_dir: Path, httpserver: HTTPServer
) -> None:
    files = stats19_files()

    def conditional(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"same"':
            return Response(status=304)
        return Response(files[request.path], headers={"ETag": '"same"'}, content_type="text/csv")

    httpserver.clear()
    for path in files:
        httpserver.expect_request(path).respond_with_handler(conditional)
    second = run(loaded)  # new ETags: downloads the same bytes again, already published
    third = run(loaded)  # 304s
    for result in (second, third):
        assert result.success, failures(result)
        assert rebuilt(result) == set()  # nothing downstream of an unchanged source rebuilt
        materialized = {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}
        assert "marts/road_indicators" in materialized  # every step ran: none was skipped
    assert any(response.status_code == 304 for _, response in httpserver.log)
    con = duckdb.connect(str(data_dir / "warehouse" / "outcomes.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from clean.dft_casualties").fetchall()[0][0] == 12
        logged = con.execute(
            "select fetch_status, status, count(*) from meta.loads where run_id = ? group by all order by all",
            [third.run_id],
        ).fetchall()
        assert logged == [("not_modified", "unchanged", 4)]  # every fetched file has its row
    finally:
        con.close()


def test_503_then_success_is_retried_inside_the_run(data_dir: Path, httpserver: HTTPServer) -> None:
    files = stats19_files()
    flaky = f"{FOLDER}dft-road-casualty-statistics-casualty-2022.csv"
    answers = iter([Response("busy", status=503)])

    def first_503(request: Request) -> Response:
        return next(answers, None) or Response(files[request.path], content_type="text/csv")

    for path in files:
        httpserver.expect_request(path).respond_with_handler(first_503 if path == flaky else _static(files[path]))
    result = run(live_resources(data_dir, httpserver))
    assert result.success, failures(result)
    statuses = [response.status_code for request, response in httpserver.log if request.path == flaky]
    assert statuses == [503, 200]  # retried inside the run, by the client


def _static(body: str):
    return lambda request: Response(body, content_type="text/csv")


def cut_mid_row(body: str) -> str:
    return body[: body.rstrip("\n").rfind(",") - 3]


def rename_column(body: str) -> str:
    return body.replace("casualty_severity,", "severity,", 1)


def non_numeric_severity(body: str) -> str:
    lines = body.splitlines()
    cells = lines[3].split(",")
    cells[CASUALTY_HEADER_2024.index("casualty_severity")] = "Serious"
    lines[3] = ",".join(cells)
    return "\n".join(lines) + "\n"


CASUALTY_2022 = f"{FOLDER}dft-road-casualty-statistics-casualty-2022.csv"


@pytest.mark.parametrize(
    ("break_file", "content_type", "expected"),
    [
        (cut_mid_row, "text/csv", ["casualty-2022.csv, line 7", "expected 23 columns but found"]),
        (lambda body: "<!DOCTYPE html><html><body>Sorry</body></html>", "text/csv", ["HTML page", CASUALTY_2022]),
        (lambda body: "", "text/csv", ["response body is empty", CASUALTY_2022]),
        (rename_column, "text/csv", ["casualty-2022.csv, line 1", "'casualty_severity'", "found columns"]),
        (
            non_numeric_severity,
            "text/csv",
            ["casualty-2022.csv, line 4, column 'casualty_severity'", "'Serious' is not a valid TINYINT"],
        ),
    ],
    ids=["truncated", "html-page", "empty-body", "renamed-column", "non-numeric-severity"],
)
def test_bad_file_fails_clearly_and_changes_nothing(
    loaded: dict, data_dir: Path, httpserver: HTTPServer, break_file, content_type: str, expected: list[str]
) -> None:
    database = data_dir / "warehouse" / "outcomes.duckdb"
    before = table_fingerprints(database)
    files = stats19_files()
    files[CASUALTY_2022] = break_file(files[CASUALTY_2022])
    httpserver.clear()
    for path, body in files.items():
        httpserver.expect_request(path).respond_with_data(body, content_type=content_type)
    result = run(loaded)
    assert not result.success
    message = failures(result)
    for fragment in expected:
        assert fragment in message
    assert table_fingerprints(database) == before


def test_duplicated_casualty_row_is_blocked_with_its_lines(
    loaded: dict, data_dir: Path, httpserver: HTTPServer
) -> None:
    database = data_dir / "warehouse" / "outcomes.duckdb"
    before = table_fingerprints(database)
    files = stats19_files()
    lines = files[CASUALTY_2022].splitlines()
    files[CASUALTY_2022] = "\n".join([*lines, lines[2]]) + "\n"  # line 3 again, as line 8
    serve(httpserver, files)
    result = run(loaded)
    assert not result.success
    [check] = [e for e in result.get_asset_check_evaluations() if e.check_name == "dft_casualties_rules"]
    assert not check.passed
    [failure] = check.metadata["failures"].value
    assert failure["rule"] == "(collision_index, vehicle_reference, casualty_reference) is unique"
    assert failure["failing_rows"] == 2
    assert sorted(example["_source_row"] for example in failure["examples"]) == [3, 8]
    assert {example["_file"] for example in failure["examples"]} == {"dft-road-casualty-statistics-casualty-2022.csv"}
    built = {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}
    assert "clean/dft_casualties" not in built and "marts/road_indicators" not in built
    assert table_fingerprints(database) == before


def test_a_change_in_casualties_alone_rebuilds_the_indicators(
    loaded: dict, data_dir: Path, httpserver: HTTPServer
) -> None:
    files = stats19_files()
    lines = files[CASUALTY_2022].splitlines()
    # The slight casualty of Dorset's 5 Feb 2022 collision is reclassified serious in DfT's revised file.
    at = next(i for i, line in enumerate(lines) if line.startswith("2022550000004,"))
    cells = lines[at].split(",")
    cells[CASUALTY_HEADER_2024.index("casualty_severity")] = "2"
    lines[at] = ",".join(cells)
    files[CASUALTY_2022] = "\n".join(lines) + "\n"
    serve(httpserver, files)  # the collision files are byte-for-byte the same
    result = run(loaded)
    assert result.success, failures(result)
    built = rebuilt(result)
    assert {"landing/dft_casualties", "clean/dft_casualties", "marts/road_indicators"} <= built
    assert "landing/dft_collisions" not in built  # the unchanged table is not landed again
    assert values(data_dir, "road_ksi", "unadjusted", DORSET)["2022"] == 2 + 1


def test_dfts_missing_code_is_missing_and_the_district_places_the_collision(
    data_dir: Path, httpserver: HTTPServer
) -> None:
    """DfT writes -1 where a code is missing: a collision whose current highway authority is -1 is placed through
    its district like one with a blank (issue 16: its casualties had dropped out of the council's KSI)."""
    files = stats19_files()
    path = f"{FOLDER}dft-road-casualty-statistics-collision-2022.csv"
    lines = files[path].splitlines()
    column = lines[0].split(",").index("local_authority_highway_current")
    at = next(i for i, line in enumerate(lines) if line.startswith("2022550000007,"))
    cells = lines[at].split(",")
    assert cells[column] == ""
    cells[column] = "-1"
    lines[at] = ",".join(cells)
    files[path] = "\n".join(lines) + "\n"
    serve(httpserver, files)
    result = run(live_resources(data_dir, httpserver, baseline=(2021, 2022)))
    assert result.success, failures(result)
    assert values(data_dir, "road_casualties", "all", BCP)["2022"] == 2  # as with a blank: Christchurch is BCP
