"""Settings from the environment: every one reaches what it configures, and a bad one is refused by name.

Generic over `pipelines.settings.DEFAULTS`: adding or removing a setting there (and its resource field in
`pipelines/definitions.py`) needs no change here, unless it brings a new kind of form (then add a sample value
to `sample_text`).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from pipelines import settings
from pipelines.settings import DEFAULTS, LOAD_TIME, SettingError
from tests.conftest import local_catalogue

ROOT = Path(__file__).resolve().parents[1]


def clean_environment(**values: str) -> dict[str, str]:
    """This process's environment without any setting or Dagster variable, plus `values`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in DEFAULTS and key not in settings.RETIRED and not key.startswith(("SAFE_OUTCOMES_", "DAGSTER_"))
    }
    return {**env, "PYTHONPATH": str(ROOT), **values}


def python(code: str, env: dict[str, str], timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def last_json_line(completed: subprocess.CompletedProcess) -> dict:
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.fixture
def no_settings(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No setting in this process's environment (conftest sets the step retries for speed)."""
    for name in DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# --- A valid value other than the default, for any setting -------------------------------------------------


def sample_text(name: str, default: object, folder: Path) -> str:
    """A valid value for setting `name`, different from its default, as it would be written in the environment."""
    form = settings.form(name)
    if isinstance(default, bool):
        return "false" if default else "true"
    if isinstance(default, int):
        return str(default + 1)
    if isinstance(default, float):
        return str(default + 0.5)
    if form.kind == "choice":
        return next(choice for choice in form.choices if choice != default)
    if form.kind == "file":
        path = folder / f"{name.lower()}.csv"
        path.write_text(Path(default).read_text() if default else "")
        return str(path)
    if form.kind == "folder_or_empty":
        path = folder / name.lower()
        path.mkdir(exist_ok=True)
        return str(path)
    by_kind = {
        "path": str(folder / name.lower()),
        "name": "other_outcome-2",
        "gss_code": "E06000054" if default != "E06000054" else "E06000059",
        "table": "clean.other_population",
        "years": "2019,2021-2022",
        "quarter": "2023-01-01",
        "date_or_empty": "2024-03-31",
        "datetime_or_empty": "2025-06-30T09:15:00",
        "url": f"https://ui.example.org/{name.lower()}",
        "url_or_empty": f"https://hooks.example.org/{name.lower()}",
        "text": f"custom-{name.lower()}",
        "secret_key": f"custom-{name.lower()}-{'0' * 32}",
        "data_set_keys": "dfe_cin_b1,ohid_ph_ksi_rate",
        "risk_scale": "Green,Amber,Red,Black",
        "memory_size": "1500MB",
    }
    assert form.kind in by_kind, f"{name}: no sample value for form {form.kind!r}; add one to sample_text"
    return by_kind[form.kind]


def test_every_default_is_valid_and_every_sample_value_too(no_settings, tmp_path: Path) -> None:
    for name, default in DEFAULTS.items():
        settings.read(name)  # the default itself has the setting's form
        text = sample_text(name, default, tmp_path)
        assert text != str(default), name
        settings.parse(name, text)
    assert settings.validate_environment() == []


# --- (a) Run-time settings reach the resources, through the environment -------------------------------------

RESOLVE = """
import json
import dagster as dg
from pipelines.definitions import RESOURCE_SETTINGS, RESOURCES

resolved, from_env = {}, {}
with dg.build_resources(RESOURCES) as built:
    for key, (_, fields) in RESOURCE_SETTINGS.items():
        resource = getattr(built, key)
        resolved[key] = {field: getattr(resource, field) for field in fields}
for key, (_, fields) in RESOURCE_SETTINGS.items():
    given = {field: getattr(RESOURCES[key], field) for field in fields}
    from_env[key] = {field: value.env_var_name for field, value in given.items() if hasattr(value, "env_var_name")}
bindings = {key: fields for key, (_, fields) in RESOURCE_SETTINGS.items()}
print(json.dumps({"resolved": resolved, "from_env": from_env, "bindings": bindings}))
"""


def test_every_run_time_setting_reaches_its_resource_field_as_set(tmp_path: Path) -> None:
    run_time = {name: default for name, default in DEFAULTS.items() if name not in LOAD_TIME}
    texts = {name: sample_text(name, default, tmp_path) for name, default in run_time.items()}
    wanted = {name: settings.parse(name, text) for name, text in texts.items()}
    wanted = {  # a resource holds text for every setting Dagster reads as text, whatever form it has
        name: texts[name] if isinstance(DEFAULTS[name], str) else value for name, value in wanted.items()
    }
    answer = last_json_line(python(RESOLVE, clean_environment(**texts)))

    bound = [(key, field, name) for key, fields in answer["bindings"].items() for field, name in fields.items()]
    names = [name for _, _, name in bound]
    assert sorted(names) == sorted(run_time), "each run-time setting fills exactly one resource field"
    for key, field, name in bound:
        got = answer["resolved"][key][field]
        assert got == wanted[name] and type(got) is type(wanted[name]), (name, key, field, got, wanted[name])
        env_name = answer["from_env"][key].get(field)
        if isinstance(DEFAULTS[name], bool | float):
            assert env_name is None, name  # no EnvVar for these in Dagster: checked and passed as the value
        else:
            assert env_name == name, (name, key, field)  # an EnvVar: read at run launch, the UI shows its name


class Probe(dg.ConfigurableResource):
    text: str = "a"
    whole: int = 1
    fraction: float = 1.5
    flag: bool = False


PROBE_SETTINGS = {"text": "PROBE_TEXT", "whole": "PROBE_WHOLE", "fraction": "PROBE_FRACTION", "flag": "PROBE_FLAG"}


def test_configured_works_for_text_whole_numbers_fractions_and_yes_no(no_settings) -> None:
    """Each type a default can have, in a resource built the way Dagster builds one for a run."""
    for field, name in PROBE_SETTINGS.items():
        no_settings.setitem(DEFAULTS, name, Probe.model_fields[field].default)
    for text, whole, fraction, flag in [("b", "7", "2.25", "true"), ("c", "0", "3", "false"), ("d", "12", "0.5", "1")]:
        no_settings.setenv("PROBE_TEXT", text)
        no_settings.setenv("PROBE_WHOLE", whole)
        no_settings.setenv("PROBE_FRACTION", fraction)
        no_settings.setenv("PROBE_FLAG", flag)
        probe = Probe(**{field: settings.configured(name) for field, name in PROBE_SETTINGS.items()})
        with dg.build_resources({"probe": probe}) as built:
            assert (built.probe.text, built.probe.whole, built.probe.fraction, built.probe.flag) == (
                text,
                int(whole),
                float(fraction),
                flag in ("true", "1"),
            )
    no_settings.setenv("PROBE_FLAG", "yes")
    with pytest.raises(SettingError, match=r"^PROBE_FLAG='yes': expected true or false"):
        settings.configured("PROBE_FLAG")
    no_settings.setenv("PROBE_FRACTION", "1,5")
    with pytest.raises(SettingError, match=r"^PROBE_FRACTION='1,5': expected a number"):
        settings.configured("PROBE_FRACTION")


def test_unset_settings_give_their_defaults_and_load_time_ones_have_no_resource(no_settings) -> None:
    for name, default in DEFAULTS.items():
        if name in LOAD_TIME:
            with pytest.raises(KeyError, match="read when the code location loads"):
                settings.configured(name)
        else:
            assert settings.configured(name) == default


# --- Bad values: the message names the variable, the value and what is expected ----------------------------

BAD = [
    ("STATS19_YEARS", "2005-20x5", "STATS19_YEARS='2005-20x5': expected years like 2005-2025 or 2019,2021"),
    ("STATS19_YEARS", "2025-2005", "STATS19_YEARS='2025-2005': expected years like 2005-2025 or 2019,2021; the range"),
    ("STATS19_YEARS", "1970-1980", "1970 is before 1979"),
    ("STATS19_YEARS", "", "STATS19_YEARS='': expected years"),
    ("STATS19_YEARS", "05-25", "STATS19_YEARS='05-25': expected years"),
    ("SAFE_OUTCOMES_HTTP_RETRIES", "two", "SAFE_OUTCOMES_HTTP_RETRIES='two': expected a whole number"),
    ("SAFE_OUTCOMES_HTTP_RETRIES", "2.5", "SAFE_OUTCOMES_HTTP_RETRIES='2.5': expected a whole number"),
    ("SAFE_OUTCOMES_HTTP_RETRIES", "-1", "SAFE_OUTCOMES_HTTP_RETRIES='-1': expected a whole number"),
    ("SAFE_OUTCOMES_READ_TIMEOUT_S", "fast", "SAFE_OUTCOMES_READ_TIMEOUT_S='fast': expected a number of seconds"),
    ("SAFE_OUTCOMES_READ_TIMEOUT_S", "0", "SAFE_OUTCOMES_READ_TIMEOUT_S='0': expected a number of seconds above 0"),
    ("SAFE_OUTCOMES_LOCK_TIMEOUT_S", "nan", "SAFE_OUTCOMES_LOCK_TIMEOUT_S='nan': expected a number"),
    ("SAFE_OUTCOMES_STEP_RETRIES", "many", "SAFE_OUTCOMES_STEP_RETRIES='many': expected a whole number"),
    ("SAFE_OUTCOMES_STEP_RETRY_DELAY_S", "30s", "SAFE_OUTCOMES_STEP_RETRY_DELAY_S='30s': expected a number"),
    ("SAFE_OUTCOMES_SOURCE_MODE", "Sample", "SAFE_OUTCOMES_SOURCE_MODE='Sample': expected one of sample, live;"),
    ("SAFE_OUTCOMES_SOURCE_MODE", "offline", "SAFE_OUTCOMES_SOURCE_MODE='offline': expected one of sample, live"),
    ("ONS_POPULATION_ROUTE", "NOMIS", "ONS_POPULATION_ROUTE='NOMIS': expected one of dfe_file, nomis;"),
    ("SAFE_OUTCOMES_REPORT_OUTCOME", "../../escaped", "SAFE_OUTCOMES_REPORT_OUTCOME='../../escaped': expected letters"),
    ("SAFE_OUTCOMES_REPORT_OUTCOME", "..", "SAFE_OUTCOMES_REPORT_OUTCOME='..': expected letters"),
    ("SAFE_OUTCOMES_REPORT_OUTCOME", "a/b", "SAFE_OUTCOMES_REPORT_OUTCOME='a/b': expected letters"),
    ("SAFE_OUTCOMES_REPORT_OUTCOME", "a\\b", "SAFE_OUTCOMES_REPORT_OUTCOME='a\\\\b': expected letters"),
    ("SAFE_OUTCOMES_REPORT_OUTCOME", "", "SAFE_OUTCOMES_REPORT_OUTCOME='': expected letters"),
    ("SAFE_OUTCOMES_COUNCIL", "../E06000059", "SAFE_OUTCOMES_COUNCIL='../E06000059': expected a GSS code"),
    # Issue 15: a code of the right shape that names no council, a district, an abolished council, a name.
    ("SAFE_OUTCOMES_COUNCIL", "E06000099", "E06000099': expected a GSS code of a current English upper-tier authority"),
    ("SAFE_OUTCOMES_COUNCIL", "E0600059", "like E06000059; did you mean E06000059 Dorset?"),
    ("SAFE_OUTCOMES_COUNCIL", "E07000041", "E07000041 Exeter is a district council; the upper-tier authority"),
    ("SAFE_OUTCOMES_COUNCIL", "E10000009", "E10000009 Dorset was abolished; today it is E06000059 Dorset"),
    ("SAFE_OUTCOMES_COUNCIL", "dorset", "did you mean E06000059 Dorset?"),
    ("SAFE_OUTCOMES_SOURCE_MODE", "sampel", "expected one of sample, live; did you mean 'sample'?"),
    ("COUNCIL_RETURNS_POPULATION_TABLE", "x; drop table y", "COUNCIL_RETURNS_POPULATION_TABLE='x; drop table y'"),
    ("COUNCIL_RETURNS_FIRST_QUARTER", "2022-05-01", "COUNCIL_RETURNS_FIRST_QUARTER='2022-05-01': expected a quarter"),
    ("SAFE_OUTCOMES_REPORT_PERIOD_END", "31/03/2025", "SAFE_OUTCOMES_REPORT_PERIOD_END='31/03/2025': expected a date"),
    ("SAFE_OUTCOMES_UI_URL", "localhost:3000", "SAFE_OUTCOMES_UI_URL='localhost:3000': expected an http(s) URL"),
    ("SAFE_OUTCOMES_SAMPLE_DIR", "/no/such/folder", "SAFE_OUTCOMES_SAMPLE_DIR='/no/such/folder': expected"),
    ("SAFE_OUTCOMES_CATALOGUE_DIR", "/no/such/folder", "SAFE_OUTCOMES_CATALOGUE_DIR='/no/such/folder': expected"),
    ("SAFE_OUTCOMES_DATA_DIR", "", "SAFE_OUTCOMES_DATA_DIR='': expected a file or folder path"),
    ("SAFE_OUTCOMES_DUCKDB_MEMORY_LIMIT", "lots", "SAFE_OUTCOMES_DUCKDB_MEMORY_LIMIT='lots': expected an amount of"),
    ("SAFE_OUTCOMES_DUCKDB_MEMORY_LIMIT", "1G", "SAFE_OUTCOMES_DUCKDB_MEMORY_LIMIT='1G': expected an amount of"),
    ("SAFE_OUTCOMES_DUCKDB_MEMORY_LIMIT", "50MB", "SAFE_OUTCOMES_DUCKDB_MEMORY_LIMIT='50MB': expected an amount"),
    (
        "COUNCIL_RETURNS_LANDING_RETENTION_DAYS",
        "0",
        "COUNCIL_RETURNS_LANDING_RETENTION_DAYS='0': expected a whole number of days, 1 or more",
    ),
    (
        "COUNCIL_RETURNS_PSEUDONYM_KEY",
        "too-short",
        "COUNCIL_RETURNS_PSEUDONYM_KEY=(value hidden): expected a random secret of 32 bytes or more",
    ),
]


@pytest.mark.parametrize(("name", "text", "message"), BAD)
def test_a_bad_value_is_refused_by_name(no_settings, name: str, text: str, message: str) -> None:
    no_settings.setenv(name, text)
    with pytest.raises(SettingError) as raised:
        settings.read(name)
    assert str(raised.value).startswith(message) or message in str(raised.value), str(raised.value)
    assert settings.validate_environment() == [str(raised.value)]
    if name not in LOAD_TIME:
        with pytest.raises(SettingError):
            settings.configured(name)


def test_a_secret_is_never_echoed(no_settings) -> None:
    no_settings.setenv("SAFE_OUTCOMES_ALERT_WEBHOOK_URL", "hooks.example.org/T000/B000/s3cret")
    [problem] = settings.validate_environment()
    assert problem.startswith("SAFE_OUTCOMES_ALERT_WEBHOOK_URL=(value hidden): expected an http(s) URL")
    assert "s3cret" not in problem


def test_every_problem_is_listed_at_once(no_settings) -> None:
    no_settings.setenv("SAFE_OUTCOMES_HTTP_RETRIES", "two")
    no_settings.setenv("SAFE_OUTCOMES_SOURCE_MODE", "Sample")
    no_settings.setenv("SAFE_OUTCOMES_REPORT_OUTCOME", "../../escaped")
    no_settings.setenv("SAFE_OUTCOMES_READ_TIMEOUT_S", "30.5")  # fine
    no_settings.setenv("ROAD_BASELINE_FIRST_YEAR", "2010")  # fine alone, but after the last year
    problems = settings.validate_environment()
    assert sorted(problem.split("=")[0] for problem in problems) == [
        "ROAD_BASELINE_FIRST_YEAR",
        "SAFE_OUTCOMES_HTTP_RETRIES",
        "SAFE_OUTCOMES_REPORT_OUTCOME",
        "SAFE_OUTCOMES_SOURCE_MODE",
    ]
    with pytest.raises(SettingError) as raised:
        settings.check_environment()
    assert all(problem in str(raised.value) for problem in problems)


def test_a_retired_setting_is_refused_rather_than_ignored(no_settings) -> None:
    assert not settings.RETIRED & DEFAULTS.keys()
    for name in settings.RETIRED:
        no_settings.setenv(name, "anything")
    problems = settings.validate_environment()
    assert sorted(problem.split(" ")[0] for problem in problems) == sorted(settings.RETIRED)
    assert all("is no longer a setting" in problem for problem in problems)


def test_load_time_getters_are_typed(no_settings, tmp_path: Path) -> None:
    assert settings.stats19_years() == [str(year) for year in range(2005, 2026)]
    assert settings.step_retries() == 3 and settings.step_retry_delay_s() == 30.0
    assert settings.council_returns_first_quarter() == "2022-04-01"
    assert settings.catalogue_dir() == settings.BUNDLED_CATALOGUE
    assert settings.data_dir() == settings.PROJECT_ROOT / "data"
    no_settings.setenv("STATS19_YEARS", " 2019, 2021-2022,2021 ")
    no_settings.setenv("SAFE_OUTCOMES_STEP_RETRIES", "0")
    no_settings.setenv("SAFE_OUTCOMES_STEP_RETRY_DELAY_S", "0.25")
    no_settings.setenv("SAFE_OUTCOMES_CATALOGUE_DIR", str(tmp_path))
    no_settings.setenv("SAFE_OUTCOMES_DATA_DIR", str(tmp_path / "data"))
    assert settings.stats19_years() == ["2019", "2021", "2022"]
    assert settings.step_retries() == 0 and settings.step_retry_delay_s() == 0.25
    assert settings.catalogue_dir() == tmp_path and settings.data_dir() == tmp_path / "data"


# --- (b) Load-time settings change what the definitions hold -----------------------------------------------

LOADED = """
import json
from datetime import datetime
import dagster as dg
from pipelines.definitions import RESOURCES, defs
from pipelines.schedules import nightly_refresh

graph = defs.resolve_asset_graph()
collisions = defs.resolve_assets_def(dg.AssetKey(["landing", "dft_collisions"]))
returns = defs.resolve_assets_def(dg.AssetKey(["landing", "council_returns"]))
policy = collisions.node_def.retry_policy
freshness = graph.get(dg.AssetKey(["landing", "dft_collisions"])).freshness_policy
request = nightly_refresh(dg.build_schedule_context(scheduled_execution_time=datetime(2026, 1, 5, 3)))
print(json.dumps({
    "years": collisions.partitions_def.get_partition_keys(),
    "retries": [policy.max_retries, policy.delay],
    "first_quarter": returns.partitions_def.get_first_partition_key(),
    "deadline_cron": freshness.deadline_cron,
    "warehouse": RESOURCES["warehouse"].path,
    "nightly": [request.tags["dagster/asset_partition_range_start"], request.tags["dagster/asset_partition_range_end"]],
}))
"""


def test_load_time_settings_change_what_the_definitions_hold(tmp_path: Path) -> None:
    # The publishers' calendars are part of the catalogue: DfT's deadline moved by a day in a copy of it.
    catalogue = local_catalogue(
        tmp_path / "catalogue", {'deadline_cron = "0 9 7 10,12 *"': 'deadline_cron = "0 9 8 10,12 *"'}
    )
    env = clean_environment(
        STATS19_YEARS="2021-2022",
        SAFE_OUTCOMES_STEP_RETRIES="4",
        SAFE_OUTCOMES_STEP_RETRY_DELAY_S="2.5",
        COUNCIL_RETURNS_FIRST_QUARTER="2023-01-01",
        SAFE_OUTCOMES_DATA_DIR=str(tmp_path / "data"),
        SAFE_OUTCOMES_CATALOGUE_DIR=str(catalogue),
    )
    held = last_json_line(python(LOADED, env))
    assert held["years"] == ["2021", "2022"]
    assert held["nightly"] == ["2021", "2022"]
    assert held["retries"] == [4, 2.5]
    assert held["first_quarter"] == "2023-01-01"
    assert held["deadline_cron"] == "0 9 8 10,12 *"
    assert held["warehouse"] == str(tmp_path / "data" / "warehouse" / "outcomes.duckdb")


def test_bad_load_time_settings_stop_the_code_location_with_one_setting_error(tmp_path: Path) -> None:
    env = clean_environment(
        STATS19_YEARS="2005-20x5",
        SAFE_OUTCOMES_STEP_RETRIES="-1",
        COUNCIL_RETURNS_FIRST_QUARTER="2022-05-01",
        SAFE_OUTCOMES_CATALOGUE_DIR=str(tmp_path / "missing"),
    )
    completed = python("import pipelines.definitions", env)
    assert completed.returncode != 0
    last = completed.stderr.strip().splitlines()
    error_at = next(i for i, line in enumerate(last) if line.startswith("pipelines.settings.SettingError"))
    message = "\n".join(last[error_at:])
    for expected in [
        "STATS19_YEARS='2005-20x5': expected years like 2005-2025 or 2019,2021",
        "SAFE_OUTCOMES_STEP_RETRIES='-1': expected a whole number",
        "COUNCIL_RETURNS_FIRST_QUARTER='2022-05-01': expected a quarter's first day",
        f"SAFE_OUTCOMES_CATALOGUE_DIR='{tmp_path / 'missing'}': expected an existing folder",
    ]:
        assert expected in message, message
