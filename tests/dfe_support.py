"""Helpers for the DfE/ONS tests: a catalogue pointed at a local server, resources, and the assets to run."""

import json
from pathlib import Path

import dagster as dg
import duckdb

from assets.dfe import DFE_CLEAN, DFE_LANDING, clean_ons_population, csc_indicators, landing_ons_population
from assets.reference import areas
from assets.resources import EesResource, PopulationResource
from sources import ees
from tests.conftest import REAL_DATA, make_resources

REAL_FILES = {
    "cin_b1": "b1_children_in_need_2013_to_2025.csv",
    "cin_c1": "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv",
    "cin_d3": "d3_cpps_subsequent_plan_2013_to_2025.csv",
    "cin_d5": "d5_cpps_at31march_by_duration_2013_to_2025.csv",
    "cla_rate": "cla_number_and_rate_per_10k_children.csv",
}
POPULATION_FILE = "ons_mid-year_population_estimates_2012_to_2024.csv"


def landing_asset(key: str) -> dg.AssetsDefinition:
    return next(asset for asset in DFE_LANDING if asset.key.path[-1] == f"dfe_{key}")


def clean_asset(key: str) -> dg.AssetsDefinition:
    return next(asset for asset in DFE_CLEAN if asset.key.path[-1] == f"dfe_{key}")


def dataset_assets(*keys: str) -> list[dg.AssetsDefinition]:
    return [asset for key in keys for asset in (landing_asset(key), clean_asset(key))]


ALL_DFE_ASSETS = [areas, *DFE_LANDING, *DFE_CLEAN, landing_ons_population, clean_ons_population, csc_indicators]


def local_catalogue(folder: Path, server_url: str, api: dict[str, str] | None = None) -> Path:
    """The real catalogue with both routes' bases on the local server, every id confirmed and named by key
    (`/data-catalogue/data-set/<key>/csv`); `api` maps keys to API ids for data sets put on the API route."""
    raw = json.loads(ees.CATALOGUE_FILE.read_text())
    raw["catalogue_base"] = f"{server_url}/data-catalogue/data-set/"
    raw["api_base"] = f"{server_url}/statistics/v1/"
    for entry in raw["datasets"]:
        entry["confirmed"] = True
        entry["catalogue_id"] = entry["key"]
        entry["route"] = "api" if api and entry["key"] in api else "catalogue"
        entry["api_id"] = (api or {}).get(entry["key"])
    path = folder / "ees_datasets.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(raw, indent=2))
    return path


def live_resources(data_dir: Path, catalogue: Path, population_url: str | None = None) -> dict:
    """Resources in live mode (the real HTTP path) against the local server."""
    resources = make_resources(data_dir, mode="live")
    resources["ees_source"] = EesResource(catalogue_file=str(catalogue))
    if population_url:
        resources["population_source"] = PopulationResource(dfe_file_url=population_url)
    return resources


def query(database: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def real_file(name: str) -> Path:
    return REAL_DATA / name
