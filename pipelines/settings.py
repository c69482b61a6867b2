"""Every setting, its environment variable, its default and the form of a valid value, in one place (the README's
settings table). This is the one module that reads the environment.

Two kinds of setting:

- **Run-time settings** feed Dagster resources (`configured(name)`). A string or whole-number setting given in the
  environment is passed to Dagster as an `EnvVar` (`EnvVar.int` for whole numbers), so the UI shows the variable's
  name rather than its value and Dagster reads the value when a run launches. Dagster 1.13 has no `EnvVar` for
  float or bool fields (only `StringSource`, `IntSource` and `BoolSource` exist, and a pydantic `bool` field refuses
  an `EnvVar`), so a number with a fraction or a yes/no setting is read and checked here when the code location
  loads (every run worker loads it again) and handed to the resource as its value.
- **Load-time settings** (`LOAD_TIME`) shape the definitions themselves: partitions, retry policies, freshness
  policies. Dagster fixes those when the code location loads, so they are read once then, through the typed
  getters below (`stats19_years()`, `step_retries()`, ...).

Every value is checked against its form (`FORMS` below, built from the general forms in `pipelines.setting_forms`:
whole numbers, folders, choices, URLs, years; the council's code against the reference areas). A bad one is a
`SettingError` whose message names the variable, the value (unless it is a secret) and what is expected (and, for a
closed set of values, the nearest valid one); `validate_environment()` lists every problem at once, and
the command line calls it before it starts a run.
"""

import os
from pathlib import Path
from typing import Any

from pipelines.councils import council_problem
from pipelines.setting_forms import (
    NAME,
    PATH,
    TIMEOUT,
    TYPE_FORMS,
    Form,
    FormError,
    date_or_empty,
    datetime_or_empty,
    folder_or,
    folder_or_empty,
    key_or_empty,
    memory_size,
    number,
    one_of,
    parse_years,
    quarter_start,
    risk_scale,
    schema_table,
    url,
    whole_number,
)
from sources import source_catalogue
from sources.drop_folders import misnamed_quarters

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CATALOGUE = PROJECT_ROOT / "sources" / "catalogue"
FIRST_STATS19_YEAR = 1979


class SettingError(ValueError):
    """A setting in the environment that cannot be used: the message names the variable and what is expected."""


# The data folder places the default paths below, so it is read (leniently) as this module loads; a bad value
# is reported by `validate_environment()` and `data_dir()`.
DATA_DIR = Path(os.environ.get("SAFE_OUTCOMES_DATA_DIR") or PROJECT_ROOT / "data")

DEFAULTS: dict[str, Any] = {
    # Load-time settings (LOAD_TIME below): read once when the code location loads.
    "SAFE_OUTCOMES_DATA_DIR": str(PROJECT_ROOT / "data"),
    "STATS19_YEARS": "2005-2025",
    "SAFE_OUTCOMES_STEP_RETRIES": 3,
    "SAFE_OUTCOMES_STEP_RETRY_DELAY_S": 30.0,
    "COUNCIL_RETURNS_FIRST_QUARTER": "2022-04-01",
    "SAFE_OUTCOMES_CATALOGUE_DIR": "",
    # Run-time settings: Dagster resources (pipelines/definitions.py).
    "SAFE_OUTCOMES_WAREHOUSE": str(DATA_DIR / "warehouse" / "outcomes.duckdb"),
    "SAFE_OUTCOMES_PUBLISHED": str(DATA_DIR / "published" / "outcomes.duckdb"),
    "SAFE_OUTCOMES_RAW_DIR": str(DATA_DIR / "raw"),
    "SAFE_OUTCOMES_SOURCE_MODE": "sample",
    "SAFE_OUTCOMES_COUNCIL": "E06000059",
    "SAFE_OUTCOMES_LOCK_TIMEOUT_S": 1800.0,
    "SAFE_OUTCOMES_CONNECT_TIMEOUT_S": 10.0,
    "SAFE_OUTCOMES_READ_TIMEOUT_S": 120.0,
    "SAFE_OUTCOMES_HTTP_RETRIES": 5,
    # Storage that does not grow without bound: superseded raw-store copies kept; the free share that compacts.
    "SAFE_OUTCOMES_RAW_KEEP_VERSIONS": 2,
    "SAFE_OUTCOMES_COMPACT_FREE_PERCENT": 25,
    # DuckDB's memory cap; past it, it spills to disk (DuckDB's own default is 80% of the machine's memory).
    "SAFE_OUTCOMES_DUCKDB_MEMORY_LIMIT": "1GB",
    # Offline: the folder that answers for the publishers (laid out by host and path); empty = sources/samples/.
    "SAFE_OUTCOMES_SAMPLE_DIR": "",
    # Data set keys whose next delivery may lack a period or area the published one had (the publisher withdrew it).
    "SAFE_OUTCOMES_ACCEPT_WITHDRAWN": "",
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
    # Child-level rows (ids, birth dates, postcodes) stay in landing this many days after their load.
    "COUNCIL_RETURNS_LANDING_RETENTION_DAYS": 30,
    # ONS 0-17 population: which route, and the mid-years asked of Nomis.
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
    # The lead officers' commentary folder (empty: the bundled illustrative sample) and the council's risk scale.
    "SAFE_OUTCOMES_COMMENTARY_DIR": "",
    "SAFE_OUTCOMES_RISK_LEVELS": "Low,Medium,High",
    # The report's PDF: the Chromium binary to print with (empty: the first on PATH; 'none': write no PDF).
    "SAFE_OUTCOMES_CHROMIUM": "",
    # Operations (issue 6): alerts go to this webhook (unset or empty: nothing is sent); runs link to this UI.
    "SAFE_OUTCOMES_ALERT_WEBHOOK_URL": "",
    "SAFE_OUTCOMES_UI_URL": "http://127.0.0.1:3000",
    "SAFE_OUTCOMES_ALERT_TIMEOUT_S": 10.0,
}

# Fixed when the code location loads (partitions, retry and freshness policies, the default paths, the catalogue).
LOAD_TIME = frozenset(
    {
        "SAFE_OUTCOMES_DATA_DIR",
        "STATS19_YEARS",
        "SAFE_OUTCOMES_STEP_RETRIES",
        "SAFE_OUTCOMES_STEP_RETRY_DELAY_S",
        "COUNCIL_RETURNS_FIRST_QUARTER",
        "SAFE_OUTCOMES_CATALOGUE_DIR",
    }
)

# Former settings, now declared in the source catalogue (sources/catalogue/): refused when set, not ignored.
RETIRED = frozenset(
    {
        "STATS19_BASE_URL",
        "STATS19_SINGLE_YEAR_FILES_FROM",
        "FINGERTIPS_BASE_URL",
        "FINGERTIPS_INDICATORS",
        "FINGERTIPS_CHILD_AREA_TYPE",
        "FINGERTIPS_PARENT_AREA_TYPES",
        "ASCOF_RELEASES",
        "ASCOF_MEASURES",
        "SAFE_OUTCOMES_PUBLICATION_CALENDAR",
        "DFE_EES_CATALOGUE_FILE",
        "DFE_EES_CATALOGUE_BASE",
        "DFE_EES_API_BASE",
        "ONS_POPULATION_DFE_FILE_URL",
        "ONS_NOMIS_BASE",
    }
)

# Never echoed in a message: a webhook URL carries its token.
SECRETS = frozenset({"COUNCIL_RETURNS_PSEUDONYM_KEY", "SAFE_OUTCOMES_ALERT_WEBHOOK_URL"})


def data_set_keys(text: str) -> str:
    """Keys of the source catalogue in use (SAFE_OUTCOMES_CATALOGUE_DIR), comma-separated; unknown ones are named."""
    keys = [key.strip() for key in text.split(",") if key.strip()]
    if not keys:
        return ""
    try:
        known = {dataset.key for dataset in source_catalogue.load(read("SAFE_OUTCOMES_CATALOGUE_DIR")).datasets}
    except (SettingError, source_catalogue.CatalogueError):
        return text  # the catalogue's own problem is reported under its own setting
    unknown = [key for key in keys if key not in known]
    if unknown:
        raise FormError(f"{', '.join(unknown)} not in the source catalogue (known: {', '.join(sorted(known))})")
    return text


def council_code(text: str) -> str:
    """A current English upper-tier authority (the reference areas); else what the code is, or the nearest."""
    problem = council_problem(text)
    if problem:
        raise FormError(problem)
    return text


def percent(text: str) -> int:
    """A whole percentage from 1 to 100."""
    value = whole_number(1)(text)
    if value > 100:
        raise FormError(f"{value} is more than 100")
    return value


YEAR = Form("year", f"a year from {FIRST_STATS19_YEAR}, like 2005", whole_number(FIRST_STATS19_YEAR))

# The form of every setting that needs more than its default's type says.
FORMS: dict[str, Form] = {
    "SAFE_OUTCOMES_DATA_DIR": PATH,
    "STATS19_YEARS": Form(
        "years",
        "years like 2005-2025 or 2019,2021",
        lambda text: parse_years(text, FIRST_STATS19_YEAR),
    ),
    "SAFE_OUTCOMES_STEP_RETRY_DELAY_S": Form(
        "number", "a number of seconds, 0 or more, like 30 or 0.5", number(0.0, strictly_above=False)
    ),
    "COUNCIL_RETURNS_FIRST_QUARTER": Form(
        "quarter", "a quarter's first day YYYY-MM-DD (1 January, April, July or October)", quarter_start
    ),
    "SAFE_OUTCOMES_SAMPLE_DIR": Form(
        "folder_or_empty", "an existing folder, or empty for the bundled sources/samples/", folder_or_empty
    ),
    "SAFE_OUTCOMES_CATALOGUE_DIR": Form(
        "folder_or_empty",
        "an existing folder, or empty for the bundled sources/catalogue/",
        folder_or(BUNDLED_CATALOGUE),
    ),
    "SAFE_OUTCOMES_ACCEPT_WITHDRAWN": Form(
        "data_set_keys",
        "catalogue data set keys separated by commas, like dfe_b1,ohid_ph_ksi_rate, or empty",
        data_set_keys,
    ),
    "SAFE_OUTCOMES_WAREHOUSE": PATH,
    "SAFE_OUTCOMES_COMPACT_FREE_PERCENT": Form("percent", "a whole number of percent, 1 to 100", percent),
    "SAFE_OUTCOMES_DUCKDB_MEMORY_LIMIT": Form(
        "memory_size", "an amount of memory of 100MB or more, like 1GB, 1500MB or 2GiB", memory_size
    ),
    "SAFE_OUTCOMES_PUBLISHED": PATH,
    "SAFE_OUTCOMES_RAW_DIR": PATH,
    "SAFE_OUTCOMES_SOURCE_MODE": one_of("sample", "live"),
    # The council's code also names the report file.
    "SAFE_OUTCOMES_COUNCIL": Form(
        "gss_code", "a GSS code of a current English upper-tier authority, like E06000059", council_code
    ),
    "SAFE_OUTCOMES_LOCK_TIMEOUT_S": TIMEOUT,
    "SAFE_OUTCOMES_CONNECT_TIMEOUT_S": TIMEOUT,
    "SAFE_OUTCOMES_READ_TIMEOUT_S": TIMEOUT,
    "SAFE_OUTCOMES_ALERT_TIMEOUT_S": TIMEOUT,
    "ROAD_BASELINE_FIRST_YEAR": YEAR,
    "ROAD_BASELINE_LAST_YEAR": YEAR,
    "COUNCIL_RETURNS_DROP_DIR": PATH,
    "COUNCIL_RETURNS_PSEUDONYM_KEY": Form(
        "secret_key", "a random secret of 32 bytes or more, or empty to generate one into the key file", key_or_empty
    ),
    "COUNCIL_RETURNS_KEY_FILE": PATH,
    "COUNCIL_RETURNS_REPORT_DIR": PATH,
    "COUNCIL_RETURNS_POPULATION_TABLE": Form("table", "a table like clean.ons_population_0_17", schema_table),
    "COUNCIL_RETURNS_POPULATION_0_17": Form("number", "a number above 0", number(0.0, strictly_above=True)),
    "COUNCIL_RETURNS_MAX_BYTES": Form("whole_number", "a whole number of bytes, 1 or more", whole_number(1)),
    "COUNCIL_RETURNS_LANDING_RETENTION_DAYS": Form(
        "whole_number", "a whole number of days, 1 or more", whole_number(1)
    ),
    "ONS_POPULATION_ROUTE": one_of("dfe_file", "nomis"),
    "ONS_NOMIS_YEARS": Form("years", "mid-years like 2018-2024 or 2019,2021", parse_years),
    "SAFE_OUTCOMES_REPORTS_DIR": PATH,
    "SAFE_OUTCOMES_REPORT_OUTCOME": NAME,
    "SAFE_OUTCOMES_REPORT_PERIOD_END": Form("date_or_empty", "a date YYYY-MM-DD, or empty", date_or_empty),
    "SAFE_OUTCOMES_REPORT_AS_OF": Form(
        "datetime_or_empty", "an ISO date or date-time like 2025-06-30T09:00, or empty", datetime_or_empty
    ),
    "SAFE_OUTCOMES_REPORT_CHANGES_SINCE": Form(
        "datetime_or_empty", "an ISO date or date-time like 2025-03-31, or empty", datetime_or_empty
    ),
    "SAFE_OUTCOMES_COMMENTARY_DIR": Form(
        "folder_or_empty", "an existing folder, or empty for the bundled sample commentary", folder_or_empty
    ),
    "SAFE_OUTCOMES_RISK_LEVELS": Form(
        "risk_scale", "risk levels separated by commas, like Low,Medium,High", risk_scale
    ),
    "SAFE_OUTCOMES_ALERT_WEBHOOK_URL": Form("url_or_empty", "an http(s) URL, or empty to send nothing", url(True)),
    "SAFE_OUTCOMES_UI_URL": Form("url", "an http(s) URL like http://127.0.0.1:3000", url(False)),
}


def form(name: str) -> Form:
    """The form a value of setting `name` must have."""
    return FORMS.get(name) or TYPE_FORMS[type(DEFAULTS[name])]


def parse(name: str, text: str) -> Any:
    """`text` as setting `name`'s value, or a `SettingError` naming the variable, the value and what is expected."""
    wanted = form(name)
    try:
        return wanted.parse(text)
    except FormError as error:
        shown = "(value hidden)" if name in SECRETS else repr(text)
        reason = f"; {error}" if str(error) else ""
        raise SettingError(f"{name}={shown}: expected {wanted.expected}{reason}") from None


def read(name: str) -> Any:
    """Setting `name`'s value now: parsed from the environment when set there, else its default (parsed too)."""
    if name in os.environ:
        return parse(name, os.environ[name])
    default = DEFAULTS[name]
    return parse(name, ("true" if default else "false") if isinstance(default, bool) else str(default))


def _cross_checks() -> list[str]:
    """Problems between settings that are each valid alone."""
    problems: list[str] = []
    if not {"ROAD_BASELINE_FIRST_YEAR", "ROAD_BASELINE_LAST_YEAR"} <= DEFAULTS.keys():
        return problems
    try:
        first, last = read("ROAD_BASELINE_FIRST_YEAR"), read("ROAD_BASELINE_LAST_YEAR")
    except SettingError:
        return problems  # already reported on its own
    if first > last:
        problems.append(
            f"ROAD_BASELINE_FIRST_YEAR={first} and ROAD_BASELINE_LAST_YEAR={last}: expected the first year "
            "no later than the last"
        )
    return problems


def validate_environment() -> list[str]:
    """Every problem with the settings in the environment, one message per problem (empty when all is well)."""
    problems = []
    for name in DEFAULTS:
        if name in os.environ:
            try:
                parse(name, os.environ[name])
            except SettingError as error:
                problems.append(str(error))
    retired = [
        f"{name} is no longer a setting: it is declared in the source catalogue (sources/catalogue/); unset it"
        for name in sorted(RETIRED)
        if name in os.environ
    ]
    return problems + _cross_checks() + retired


def check_environment() -> None:
    """Raise one `SettingError` listing every problem with the settings in the environment, if there is any."""
    problems = validate_environment()
    if problems:
        raise SettingError("bad settings in the environment:\n  " + "\n  ".join(problems))


# --- Run-time settings: Dagster resources -------------------------------------------------------------------


def configured(name: str) -> Any:
    """Setting `name` for a Dagster resource field: its default when unset; when set, the value is checked now and
    passed as `EnvVar(name)` (text) or `EnvVar.int(name)` (whole numbers), which Dagster reads at run launch, or as
    the parsed value (numbers with a fraction, yes/no), for which Dagster has no `EnvVar`."""
    if name in LOAD_TIME:
        raise KeyError(f"{name} is read when the code location loads; use its getter in pipelines/settings.py")
    default = DEFAULTS[name]
    if name not in os.environ:
        return default
    parsed = parse(name, os.environ[name])
    if isinstance(default, (bool, float)):
        return parsed
    import dagster as dg  # here, not above: the command checks settings before a run without loading Dagster

    if isinstance(default, int):
        return dg.EnvVar.int(name)
    return dg.EnvVar(name)


def current_value(name: str) -> str:
    """The setting's value now as text, for code outside a run (the command line's summary)."""
    return os.getenv(name, str(DEFAULTS[name]))


# --- Load-time settings: read once when the code location loads ---------------------------------------------


def data_dir() -> Path:
    """SAFE_OUTCOMES_DATA_DIR: where the warehouse, raw store, snapshot and reports live by default."""
    return Path(read("SAFE_OUTCOMES_DATA_DIR"))


def stats19_years() -> list[str]:
    """STATS19_YEARS: the STATS19 data years, which are the road assets' partition keys ('2005', ...)."""
    return read("STATS19_YEARS")


def step_retries() -> int:
    """SAFE_OUTCOMES_STEP_RETRIES: Dagster step retries after a transient network failure."""
    return read("SAFE_OUTCOMES_STEP_RETRIES")


def step_retry_delay_s() -> float:
    """SAFE_OUTCOMES_STEP_RETRY_DELAY_S: the first retry's delay in seconds (exponential backoff, jitter)."""
    return read("SAFE_OUTCOMES_STEP_RETRY_DELAY_S")


def council_returns_first_quarter() -> str:
    """COUNCIL_RETURNS_FIRST_QUARTER: the first quarter partition of the council's returns (its first day)."""
    return read("COUNCIL_RETURNS_FIRST_QUARTER")


def catalogue_dir() -> Path:
    """SAFE_OUTCOMES_CATALOGUE_DIR: the source catalogue's folder (empty: the bundled sources/catalogue/)."""
    return read("SAFE_OUTCOMES_CATALOGUE_DIR")


def setting_problems(options: dict[str, str]) -> list[str]:
    """Every setting problem, after setting `options` (variable -> value) in the environment, and misnamed quarter
    folders."""
    os.environ.update(options)
    drop = Path(current_value("COUNCIL_RETURNS_DROP_DIR"))
    problems = validate_environment() + [
        f"COUNCIL_RETURNS_DROP_DIR: the folder {drop / name} is not named by a quarter end (the last day of March, "
        "June, September or December, e.g. 2025-03-31); rename it so its files are loaded"
        for name in misnamed_quarters(drop)
    ]
    return problems
