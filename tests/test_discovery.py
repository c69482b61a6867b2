"""Issue 11: a source is named by what does not change (EES publication slug and data set title, a GOV.UK page) and
resolved at run time to the current file, against a local server answering as EES and GOV.UK do."""

import re
import tomllib
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from assets.reference import areas
from sources import discovery
from sources.errors import SourceError
from sources.source_catalogue import BUNDLED
from tests.conftest import SAMPLES, asset, graph_for, make_resources, materialize, table_fingerprints
from tests.dfe_support import dataset_asset, live_resources, local_catalogue, query, serve_discovery

B1 = "B1 Children in need and episodes of need by local authority"
SLUG = "characteristics-of-children-in-need"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def b1_text(at31: int) -> str:
    """A B1 file of the 2025 release's layout: England and Dorset, Dorset's children in need at 31 March `at31`."""
    header = (
        "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
        "old_la_code,new_la_code,la_name,category,Anypoint_episodes,Anypoint_child,Started_episodes,Started_child,"
        "Ended_episodes,Ended_child,At31_episodes,awaiting_assessment"
    )
    return (
        "\n".join(
            [
                header,
                "2025,Reporting year,National,E92000001,England,,,,,,Children in Need,"
                "1000,900,500,490,480,470,400000,20",
                "2025,Reporting year,Local authority,E92000001,England,E12000009,South West,838,E06000059,Dorset,"
                f"Children in Need,3807,3661,1542,1503,1640,1609,{at31},21",
            ]
        )
        + "\n"
    )


def entries(folder: Path) -> list[dict]:
    return tomllib.loads((folder / "dfe.toml").read_text(encoding="utf-8"))["datasets"]


def test_titles_compare_across_releases_but_not_across_data_sets() -> None:
    assert discovery.title_key(f"{B1}, England 2013 to 2021") == discovery.title_key(B1)
    assert discovery.title_key("CLA numbers \u2013 by local authority") == discovery.title_key(
        "cla numbers - BY local authority"
    )
    assert discovery.title_key("D1 Child Protection Plans by local authority") != discovery.title_key(
        "D5 Child Protection Plans at 31 March by duration and local authority"
    )


def test_a_new_release_is_found_and_landed_with_no_configuration_change(tmp_path: Path, httpserver: HTTPServer) -> None:
    catalogue = local_catalogue(tmp_path / "catalogue", httpserver)
    before = (tmp_path / "catalogue" / "dfe.toml").read_bytes()
    assets = [areas, dataset_asset("cin_b1", catalogue)]
    data_dir = tmp_path / "data"

    def publish(release: str, file_id: str, at31: int) -> None:
        httpserver.clear()
        serve_discovery(httpserver, entries(catalogue), {}, file_ids={"cin_b1": file_id}, release=release)
        httpserver.expect_request(f"/data-catalogue/data-set/{file_id}/csv").respond_with_data(
            b1_text(at31), content_type="text/csv"
        )

    publish("Reporting year 2024", "95ca05c4-1111-4e8b-9c3f-000000002024", 2167)
    assert materialize(assets, live_resources(data_dir)).success
    publish("Reporting year 2025", "259377e5-2222-4e8b-9c3f-000000002025", 2201)
    assert materialize(assets, live_resources(data_dir)).success

    assert (tmp_path / "catalogue" / "dfe.toml").read_bytes() == before
    database = data_dir / "warehouse" / "outcomes.duckdb"
    loads = query(
        database,
        "select release, file_id, url, status from meta.loads where dataset = 'cin_b1' order by started_at",
    )
    assert [(release, file_id, status) for release, file_id, _, status in loads] == [
        ("Reporting year 2024", "95ca05c4-1111-4e8b-9c3f-000000002024", "published"),
        ("Reporting year 2025", "259377e5-2222-4e8b-9c3f-000000002025", "published"),
    ]
    assert loads[-1][2] == httpserver.url_for("/data-catalogue/data-set/259377e5-2222-4e8b-9c3f-000000002025/csv")
    landed = query(
        database,
        "select numerator from clean.dfe_ees where dataset = 'cin_b1' and area_code = 'E06000059' "
        "and time_period = '2025'",
    )
    assert landed == [(2201.0,)]


def test_a_renamed_data_set_names_the_publication_and_title(tmp_path: Path, httpserver: HTTPServer) -> None:
    catalogue = local_catalogue(tmp_path / "catalogue", httpserver)
    renamed = [entry | {"data_set_title": "B1 Children in need by local authority"} if entry["ees_key"] == "cin_b1"
               else entry for entry in entries(catalogue)]  # fmt: skip
    httpserver.clear()
    serve_discovery(httpserver, renamed, {})
    data_dir = tmp_path / "data"
    result = materialize([areas, dataset_asset("cin_b1", catalogue)], live_resources(data_dir))
    [failure] = [event for event in result.all_events if event.is_step_failure]
    message = failure.step_failure_data.error.message
    assert f"EES publication '{SLUG}' (latest release 'Reporting year 2025') has no data set titled '{B1}'" in message
    assert "nearest: ['B1 Children in need by local authority'" in message
    assert table_fingerprints(data_dir / "warehouse" / "outcomes.duckdb", ("clean",)) == {}


def test_a_withdrawn_api_data_set_and_an_unknown_publication_are_named() -> None:
    options = {"content_base": "https://c/api/", "api_base": "https://a/v1/", "catalogue_base": "https://w/d/"}
    answers = {
        f"https://c/api/publications/{SLUG}": {"id": "p1", "latestRelease": {"title": "Reporting year 2025"}},
        "https://a/v1/publications/p1/data-sets?page=1&pageSize=20": {
            "results": [{"id": "d1", "title": B1, "status": "Withdrawn", "latestVersion": None}],
            "paging": {"totalPages": 1},
        },
    }

    def fetch(url: str) -> object:
        if url not in answers:
            raise SourceError(url, "HTTP 404: Not Found")
        return answers[url]

    with pytest.raises(discovery.DiscoveryError, match=f"{re.escape(B1)!s}' is withdrawn"):
        discovery.ees_api_data_set(fetch, options, SLUG, B1)
    with pytest.raises(SourceError, match="publications/no-such-publication: HTTP 404"):
        discovery.ees_data_set_file(fetch, options, "no-such-publication", B1)


def test_the_catalogue_has_no_placeholder_ids_or_addresses() -> None:
    for path in BUNDLED.glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^confirmed\s*=", text, re.M) and "placeholder" not in text.lower(), path
        assert "catalogue_id" not in text and "api_id" not in text, path
        if path.name == "dfe.toml":
            assert not UUID.search(text), "an EES release's file id changes every year: name the data set by title"
    ascof = tomllib.loads((BUNDLED / "ascof.toml").read_text(encoding="utf-8"))["datasets"][0]
    assert all(url.startswith("https://files.digital.nhs.uk/") for url in ascof["releases"].values())
    assert all(url.startswith("https://www.gov.uk/government/") for url in ascof["pages"].values())


ASCOF_SAMPLE = (
    "assets.publishing.service.gov.uk/media/6762a9f1cdb5e64b69e30b7a/measures-from-ascof-england-2024-to-2025.csv"
)
ASCOF_PAGE = "/government/statistics/measures-from-the-adult-social-care-outcomes-framework-england-2024-to-2025"


def ascof_catalogue(folder: Path, page_url: str) -> Path:
    """The bundled ASCOF entry with only the 2024-25 release, named by its GOV.UK page at `page_url`."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (BUNDLED / "ascof.toml").read_text(encoding="utf-8")
    head, _, _ = text.partition("[datasets.releases]")
    (folder / "ascof.toml").write_text(f'{head}[datasets.pages]\n"2024-25" = "{page_url}"\n', encoding="utf-8")
    return folder


def content_item(server: HTTPServer, attachments: list[tuple[str, str, str]]) -> dict:
    """A GOV.UK content item (alphagov/publishing-api content schemas) with (title, content type, path) files."""
    return {
        "base_path": ASCOF_PAGE,
        "title": "Measures from the Adult Social Care Outcomes Framework, England: 2024 to 2025",
        "public_updated_at": "2025-12-18T09:30:00.000+00:00",
        "withdrawn_notice": {},
        "details": {
            "attachments": [
                {
                    "attachment_type": "file",
                    "id": str(number),
                    "title": title,
                    "url": server.url_for(path),
                    "content_type": content_type,
                    "filename": path.rsplit("/", 1)[-1],
                }
                for number, (title, content_type, path) in enumerate(attachments, start=81204)
            ]
        },
    }


def test_an_ascof_page_with_two_csv_attachments_lands_the_measures(tmp_path: Path, httpserver: HTTPServer) -> None:
    """The rule: of the page's CSV attachments, the one whose title has every word of `attachment_words`
    ("measures"); the data quality CSV beside it, and the HTML guidance, are not it."""
    measures = (SAMPLES / ASCOF_SAMPLE).read_text(encoding="utf-8")
    httpserver.expect_request(f"/api/content{ASCOF_PAGE}").respond_with_json(
        content_item(
            httpserver,
            [
                ("How to use the CSV file", "text/html", f"{ASCOF_PAGE}/how-to-use-the-csv-file"),
                ("ASCOF 2024 to 2025: data quality by council (CSV)", "text/csv", "/media/aa/ascof-dq-2024-25.csv"),
                ("ASCOF measures, England, 2024 to 2025: CSV", "text/csv", "/media/bb/ascof-2024-25.csv"),
            ],
        )
    )
    httpserver.expect_request("/media/bb/ascof-2024-25.csv").respond_with_data(measures, content_type="text/csv")
    folder = ascof_catalogue(tmp_path / "catalogue", httpserver.url_for(ASCOF_PAGE))
    data_dir = tmp_path / "data"
    step = asset(graph_for(folder), "clean", "ascof_measures")
    assert materialize([areas, step], make_resources(data_dir, mode="live")).success
    assert query(data_dir / "warehouse" / "outcomes.duckdb", "select release, file_id, url from meta.loads") == [
        ("2024-25", "81206", httpserver.url_for("/media/bb/ascof-2024-25.csv"))
    ]


def test_an_ascof_page_where_the_rule_matches_none_or_two_names_the_page() -> None:
    page = f"https://www.gov.uk{ASCOF_PAGE}"

    def answer(titles: list[str]) -> discovery.FetchJson:
        files = [{"title": t, "content_type": "text/csv", "url": f"https://a/{n}.csv"} for n, t in enumerate(titles)]
        return lambda url: {"details": {"attachments": files}}

    with pytest.raises(discovery.DiscoveryError, match="has 2 CSV attachments whose title contains 'measures'"):
        discovery.govuk_csv_attachment(
            answer(["Measures: CSV", "Measures time series: CSV"]), page, "2024-25", "measures"
        )
    with pytest.raises(discovery.DiscoveryError, match=r"has 0 CSV attachments .*\['Data quality: CSV'\]"):
        discovery.govuk_csv_attachment(answer(["Data quality: CSV"]), page, "2024-25", "measures")
