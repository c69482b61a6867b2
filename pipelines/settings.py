"""Every setting, its environment variable and its default, in one place (the README's settings table).

A setting given in the environment is passed to Dagster as an `EnvVar`, so the UI shows the variable's
name rather than its value and the value is read when a run launches. Unset, the default applies.
"""

import os
from pathlib import Path
from typing import Any

import dagster as dg

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.getenv("SAFE_OUTCOMES_DATA_DIR", str(PROJECT_ROOT / "data")))


def setting(name: str, default: Any) -> Any:
    """`EnvVar(name)` (typed like the default) when the variable is set, else the default."""
    if name not in os.environ:
        return default
    if isinstance(default, bool):
        return dg.EnvVar(name).bool()
    if isinstance(default, int):
        return dg.EnvVar(name).int()
    if isinstance(default, float):
        return dg.EnvVar(name).float()
    return dg.EnvVar(name)


DEFAULTS: dict[str, Any] = {
    "SAFE_OUTCOMES_WAREHOUSE": str(DATA_DIR / "warehouse" / "outcomes.duckdb"),
    "SAFE_OUTCOMES_PUBLISHED": str(DATA_DIR / "published" / "outcomes.duckdb"),
    "SAFE_OUTCOMES_RAW_DIR": str(DATA_DIR / "raw"),
    "SAFE_OUTCOMES_SOURCE_MODE": "sample",
    "SAFE_OUTCOMES_COUNCIL": "E06000059",
    "SAFE_OUTCOMES_LOCK_TIMEOUT_S": 1800.0,
    "SAFE_OUTCOMES_CONNECT_TIMEOUT_S": 10.0,
    "SAFE_OUTCOMES_READ_TIMEOUT_S": 120.0,
    "SAFE_OUTCOMES_HTTP_RETRIES": 5,
    "STATS19_BASE_URL": "https://data.dft.gov.uk/road-accidents-safety-data/",
    "STATS19_SINGLE_YEAR_FILES_FROM": 2021,
    "ROAD_BASELINE_FIRST_YEAR": 2005,
    "ROAD_BASELINE_LAST_YEAR": 2009,
    # OHID Fingertips (PHOF): catalogue id = Fingertips id; child area type 502 = upper tier (post 4/23).
    "FINGERTIPS_BASE_URL": "https://fingertips.phe.org.uk/api/",
    "FINGERTIPS_INDICATORS": "ph_ksi_rate=11001,ph_violent_crime_admissions=11201,ph_first_time_entrants_yjs=10401,"
    "ph_child_injury_admissions_0_14=90284",
    "FINGERTIPS_CHILD_AREA_TYPE": 502,
    "FINGERTIPS_PARENT_AREA_TYPES": "15,6",
    # ASCOF: release = CSV URL (take each from its publication page: the path changes every year).
    # The 2019-20 and 2021-22 URLs were seen in public code; the 2024-25 one is a placeholder (see README).
    "ASCOF_RELEASES": "2019-20=https://files.digital.nhs.uk/65/E7A20E/meas-from-asc-of-eng-1920-open-data-csv.csv,"
    "2021-22=https://files.digital.nhs.uk/A4/766F29/meas-from-asc-of-eng-2022-csv-v3.csv,"
    "2024-25=https://assets.publishing.service.gov.uk/ascof-2024-25/measures-from-ascof-england-2024-to-2025.csv",
    "ASCOF_MEASURES": "asc_feel_safe_pct=4A,asc_services_made_safe_pct=4B",
    # The council's own quarterly returns (CIN census XML, SSDA903 CSV) from its drop folder.
    "COUNCIL_RETURNS_DROP_DIR": str(PROJECT_ROOT / "sources" / "samples" / "council_returns"),
    "COUNCIL_RETURNS_PSEUDONYM_KEY": "",
    "COUNCIL_RETURNS_KEY_FILE": str(DATA_DIR / "keys" / "council_returns_pseudonym.key"),
    "COUNCIL_RETURNS_REPORT_DIR": str(DATA_DIR / "reports" / "council_returns"),
    "COUNCIL_RETURNS_POPULATION_TABLE": "clean.ons_population_0_17",
    "COUNCIL_RETURNS_POPULATION_0_17": 67149.0,
    "COUNCIL_RETURNS_MAX_BYTES": 256 * 1024**2,
    # DfE Explore Education Statistics (children's social care, pupil absence) and ONS 0-17 population
    "DFE_EES_CATALOGUE_FILE": "",
    "DFE_EES_CATALOGUE_BASE": "",
    "DFE_EES_API_BASE": "",
    "ONS_POPULATION_ROUTE": "dfe_file",
    "ONS_POPULATION_DFE_FILE_URL": "https://raw.githubusercontent.com/dfe-analytical-services/CSC_outcomes_and_enablers/"
    "main/data-raw/ons_mid-year_population_estimates_2012_to_2024.csv",
    "ONS_NOMIS_BASE": "https://www.nomisweb.co.uk/api/v01/dataset/",
    "ONS_NOMIS_YEARS": "2018-2024",
    # Report (issue 5): the Outcomes Monitoring Report. Dates empty = the latest data / the previous build.
    "SAFE_OUTCOMES_REPORTS_DIR": str(
        PROJECT_ROOT / "reports" if "SAFE_OUTCOMES_DATA_DIR" not in os.environ else DATA_DIR / "reports"
    ),
    "SAFE_OUTCOMES_REPORT_OUTCOME": "safe",
    "SAFE_OUTCOMES_REPORT_PERIOD_END": "",
    "SAFE_OUTCOMES_REPORT_AS_OF": "",
    "SAFE_OUTCOMES_REPORT_CHANGES_SINCE": "",
    "SAFE_OUTCOMES_NEIGHBOURS_VERSION": "",
    # Operations (issue 6): alerts go to this webhook (unset or empty: nothing is sent); runs link to this UI.
    "SAFE_OUTCOMES_ALERT_WEBHOOK_URL": "",
    "SAFE_OUTCOMES_UI_URL": "http://127.0.0.1:3000",
    "SAFE_OUTCOMES_ALERT_TIMEOUT_S": 10.0,
}


def configured(name: str) -> Any:
    """The setting for Dagster: `EnvVar` when set in the environment, else its default."""
    return setting(name, DEFAULTS[name])


def current_value(name: str) -> str:
    """The setting's value now, for code outside a run (the command line's summary)."""
    return os.getenv(name, str(DEFAULTS[name]))
