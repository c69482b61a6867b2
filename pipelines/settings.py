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
    # Which publishers' data sets are landed, and where each file is found: empty = sources/catalogue/.
    "SAFE_OUTCOMES_CATALOGUE_DIR": "",
    # Offline (sample mode): the folder that answers for the publishers; empty = the bundled sources/samples/.
    "SAFE_OUTCOMES_SAMPLE_DIR": "",
    "ROAD_BASELINE_FIRST_YEAR": 2005,
    "ROAD_BASELINE_LAST_YEAR": 2009,
    # The council's own quarterly returns (CIN census XML, SSDA903 CSV) from its drop folder.
    "COUNCIL_RETURNS_DROP_DIR": str(PROJECT_ROOT / "sources" / "samples" / "council_returns"),
    "COUNCIL_RETURNS_PSEUDONYM_KEY": "",
    "COUNCIL_RETURNS_KEY_FILE": str(DATA_DIR / "keys" / "council_returns_pseudonym.key"),
    "COUNCIL_RETURNS_REPORT_DIR": str(DATA_DIR / "reports" / "council_returns"),
    "COUNCIL_RETURNS_POPULATION_TABLE": "clean.ons_population_0_17",
    "COUNCIL_RETURNS_POPULATION_0_17": 67149.0,
    "COUNCIL_RETURNS_MAX_BYTES": 256 * 1024**2,
    # DfE Explore Education Statistics (children's social care, pupil absence) and ONS 0-17 population
    "ONS_POPULATION_ROUTE": "dfe_file",
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


def stats19_years() -> list[str]:
    """STATS19_YEARS ('2005-2025' or '2019,2021'): the data-year partitions, fixed when the code location loads."""
    years: set[int] = set()
    for part in os.getenv("STATS19_YEARS", "2005-2025").replace(" ", "").split(","):
        if "-" in part:
            first, last = (int(value) for value in part.split("-", 1))
            years.update(range(first, last + 1))
        elif part:
            years.add(int(part))
    return [str(year) for year in sorted(years)]


def step_retries() -> int:
    return int(os.getenv("SAFE_OUTCOMES_STEP_RETRIES", "3"))


def step_retry_delay_s() -> float:
    return float(os.getenv("SAFE_OUTCOMES_STEP_RETRY_DELAY_S", "30"))


def council_returns_first_quarter() -> str:
    return os.getenv("COUNCIL_RETURNS_FIRST_QUARTER", "2022-04-01")


def configured(name: str) -> Any:
    """The setting for Dagster: `EnvVar` when set in the environment, else its default."""
    return setting(name, DEFAULTS[name])


def current_value(name: str) -> str:
    """The setting's value now, for code outside a run (the command line's summary)."""
    return os.getenv(name, str(DEFAULTS[name]))
