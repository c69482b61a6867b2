"""Helpers for the DfE/ONS tests: a catalogue pointed at a local server, resources, and the assets to run."""

import tomllib
from pathlib import Path

import dagster as dg
import duckdb

from assets.reference import areas
from sources import ees
from sources.source_catalogue import BUNDLED, load
from tests.conftest import REAL_DATA, graph_for, make_resources

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
    """The address the bundled sample answers for data set `key` (its catalogue route, API version 2.0)."""
    dataset = ees_dataset(key)
    if dataset.route == "api":
        return ees.api_csv_url(DFE.option("api_base"), dataset.api_id or "", "2.0")
    return ees.catalogue_csv_url(DFE.option("catalogue_base"), dataset.catalogue_id)


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
    folder: Path, server_url: str, api: dict[str, str] | None = None, population_url: str | None = None
) -> Path:
    """The real catalogue with both EES routes' bases on the local server, every id confirmed and named by key
    (`/data-catalogue/data-set/<key>/csv`); `api` maps keys to API ids for data sets put on the API route.
    `population_url` puts DfE's population file there too."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in BUNDLED.glob("*.toml"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    raw = tomllib.loads((BUNDLED / "dfe.toml").read_text(encoding="utf-8"))
    raw["publisher"]["catalogue_base"] = f"{server_url}/data-catalogue/data-set/"
    raw["publisher"]["api_base"] = f"{server_url}/statistics/v1/"
    for entry in raw["datasets"]:
        key = entry["ees_key"]
        entry["confirmed"] = True
        entry["catalogue_id"] = key
        entry["route"] = "api" if api and key in api else "catalogue"
        entry.pop("api_id", None)
        if api and key in api:
            entry["api_id"] = api[key]
    (folder / "dfe.toml").write_text(_toml(raw), encoding="utf-8")
    if population_url:
        ons = (folder / "ons.toml").read_text(encoding="utf-8")
        default = CATALOGUE.dataset("ons_population").option("dfe_file_url")
        (folder / "ons.toml").write_text(ons.replace(default, population_url), encoding="utf-8")
    return folder


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
