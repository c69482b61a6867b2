"""Helpers for the DfE/ONS tests: a catalogue pointed at a local server, resources, and the assets to run."""

import tomllib
from pathlib import Path

import dagster as dg
import duckdb
from pytest_httpserver import HTTPServer

from assets.reference import areas
from sources import ees
from sources.source_catalogue import BUNDLED, load
from tests.conftest import REAL_DATA, graph_for, make_resources
from tools.samples import ees_discovery

REAL_FILES = {
    "cin_b1": "b1_children_in_need_2013_to_2025.csv",
    "cin_c1": "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
    "cin_d3": "d3_cpps_subsequent_plan_2013_to_2025.csv",
    "cin_d5": "d5_cpps_at31march_by_duration_2013_to_2025.csv",
    "cla_rate": "cla_number_and_rate_per_10k_children.csv",
}
POPULATION_FILE = "ons_mid-year_population_estimates_2012_to_2024.csv"
CATALOGUE = load()
DFE = CATALOGUE.publishers["dfe"]


def ees_dataset(key: str) -> ees.Dataset:
    """The EES reading of the bundled catalogue's entry `dfe_<key>`."""
    entry = CATALOGUE.dataset(f"dfe_{key}")
    return ees.dataset_from(entry.options, entry.title)


def sample_url(key: str) -> str:
    """The address the bundled sample answers for data set `key`: where discovery resolves it offline."""
    return ees_discovery.csv_url(CATALOGUE, key)


def dataset_asset(key: str, catalogue: Path | None = None) -> dg.AssetsDefinition:
    """The step that lands data set `key` and publishes it to clean."""
    graph = graph_for(catalogue)
    return next(a for a in graph.sources if dg.AssetKey(["clean", f"dfe_{key}"]) in a.keys)


def population_asset(catalogue: Path | None = None) -> dg.AssetsDefinition:
    graph = graph_for(catalogue)
    return next(a for a in graph.sources if dg.AssetKey(["clean", "ons_population"]) in a.keys)


def csc_indicators(catalogue: Path | None = None) -> dg.AssetsDefinition:
    return graph_for(catalogue).indicators[3]


def all_dfe_assets(catalogue: Path | None = None) -> list[dg.AssetsDefinition]:
    keys = [entry.option("ees_key") for entry in CATALOGUE.of_publisher("dfe")]
    return [
        areas,
        *(dataset_asset(key, catalogue) for key in keys),
        population_asset(catalogue),
        csc_indicators(catalogue),
    ]


ALL_DFE_ASSETS = all_dfe_assets()


def local_catalogue(
    folder: Path,
    server: HTTPServer,
    api: dict[str, str] | None = None,
    population_url: str | None = None,
    api_version: str = "2.0",
) -> Path:
    """The real catalogue with EES's content API, website and public API on the local server, which answers
    discovery as EES does: each publication's latest release lists every catalogue data set under the file id of
    its key (so its CSV is `/data-catalogue/data-set/<key>/csv`). `api` maps keys to API data set ids for data sets
    put on the API route, at `api_version`. `population_url` puts DfE's population file there too."""
    server_url = server.url_for("").rstrip("/")
    folder.mkdir(parents=True, exist_ok=True)
    for path in BUNDLED.glob("*.toml"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    raw = tomllib.loads((BUNDLED / "dfe.toml").read_text(encoding="utf-8"))
    raw["publisher"]["content_base"] = f"{server_url}/content/"
    raw["publisher"]["catalogue_base"] = f"{server_url}/data-catalogue/data-set/"
    raw["publisher"]["api_base"] = f"{server_url}/statistics/v1/"
    for entry in raw["datasets"]:
        entry["route"] = "api" if api and entry["ees_key"] in api else "catalogue"
    (folder / "dfe.toml").write_text(_toml(raw), encoding="utf-8")
    serve_discovery(server, raw["datasets"], api or {}, api_version)
    if population_url:
        ons = (folder / "ons.toml").read_text(encoding="utf-8")
        default = CATALOGUE.dataset("ons_population").option("dfe_file_url")
        (folder / "ons.toml").write_text(ons.replace(default, population_url), encoding="utf-8")
    return folder


def serve_discovery(
    server: HTTPServer,
    entries: list[dict],
    api: dict[str, str],
    api_version: str = "2.0",
    file_ids: dict | None = None,
    release: str | None = None,
) -> None:
    """EES's discovery answers for `entries` on the local server (publication, latest release's files, API data
    sets); `file_ids` maps keys to data set file ids (default: the key itself), `release` names the release."""
    for slug in sorted({entry["publication"] for entry in entries}):
        publication = ees_discovery.publication_answer(slug, release)
        server.expect_request(f"/content/publications/{slug}").respond_with_json(publication)
        mine = [entry for entry in entries if entry["publication"] == slug]
        files = [
            ees_discovery.file_summary(
                slug,
                (file_ids or {}).get(entry["ees_key"], entry["ees_key"]),
                entry["data_set_title"],
                f"{entry['ees_key']}.csv",
                release=release,
            )
            for entry in mine
        ]
        server.expect_request(
            "/content/data-set-files",
            query_string={"publicationId": publication["id"], "latestOnly": "true", "page": "1", "pageSize": "40"},
        ).respond_with_json({"results": files, "paging": ees_discovery.paging(len(files), 40)})
        api_sets = [
            {
                "id": api[entry["ees_key"]],
                "title": entry["data_set_title"],
                "status": "Published",
                "latestVersion": {"version": api_version, "published": "2025-11-06T09:30:00+00:00"},
            }
            for entry in mine
            if entry["ees_key"] in api
        ]
        server.expect_request(
            f"/statistics/v1/publications/{publication['id']}/data-sets", query_string={"page": "1", "pageSize": "20"}
        ).respond_with_json({"results": api_sets, "paging": ees_discovery.paging(len(api_sets), 20)})


def live_resources(data_dir: Path, catalogue: Path | None = None, population_url: str | None = None) -> dict:
    """Resources in live mode (the real HTTP path) against the local server (addresses are in the catalogue)."""
    return make_resources(data_dir, mode="live")


def _toml(raw: dict) -> str:
    """The catalogue's simple TOML back as text (strings, numbers, booleans, lists, one level of tables)."""

    def value(item: object) -> str:
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, int | float):
            return str(item)
        if isinstance(item, list):
            return "[" + ", ".join(value(part) for part in item) + "]"
        return '"' + str(item).replace("\\", "\\\\").replace('"', '\\"') + '"'

    def table(entries: dict) -> list[str]:
        return [f"{name} = {value(item)}" for name, item in entries.items() if not isinstance(item, dict)]

    publisher = raw["publisher"]
    lines = ["[publisher]", *table(publisher)]
    for name, item in publisher.items():
        if isinstance(item, dict):
            lines += [f"[publisher.{name}]", *table(item)]
    for entry in raw["datasets"]:
        lines += ["", "[[datasets]]", *table(entry)]
    return "\n".join(lines) + "\n"


def query(database: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def real_file(name: str) -> Path:
    return REAL_DATA / name
