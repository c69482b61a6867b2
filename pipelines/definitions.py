"""The code location: `dagster dev -m pipelines.definitions` (or `./run dev`) shows these in the UI."""

# First: every setting in the environment is checked before assets/ is imported, because assets/ still reads
# its load-time settings (STATS19_YEARS, the step retries, the first quarter) as its modules load.
import pipelines.checked_environment  # noqa: F401  # isort: skip
import dagster as dg

from assets.ascof import adult_social_care_indicators, clean_ascof_measures, landing_ascof_measures
from assets.council_returns import clean_council_returns, council_return_indicators, landing_council_returns
from assets.dfe import DFE_CLEAN, DFE_LANDING, clean_ons_population, csc_indicators, landing_ons_population
from assets.ohid import clean_ohid_fingertips, landing_ohid_fingertips, public_health_indicators
from assets.publish import published_outcomes_asset
from assets.reference import areas
from assets.reports import indicator_report_asset, outcomes_report_asset
from assets.resources import (
    AlertWebhook,
    AscofResource,
    CouncilResource,
    CouncilReturnsResource,
    EesResource,
    FingertipsResource,
    PopulationResource,
    PublisherClient,
    ReportResource,
    Stats19Resource,
    WarehouseResource,
)
from assets.road_safety import (
    clean_dft_casualties,
    clean_dft_collisions,
    landing_dft_casualties,
    landing_dft_collisions,
    road_indicators,
)
from pipelines.alerts import check_failure_alert, run_failure_alert
from pipelines.freshness import with_freshness
from pipelines.jobs import council_returns_job, main_job, nightly_job
from pipelines.schedules import nightly_refresh, quarterly_report
from pipelines.sensors import council_returns_drop
from pipelines.settings import configured

# Each publisher's assets, in flow order (landing -> clean), then the indicator assets that write
# marts.indicator_values; the published snapshot waits for every indicator asset.
SOURCE_ASSETS = [
    landing_dft_collisions,
    landing_dft_casualties,
    clean_dft_collisions,
    clean_dft_casualties,
    landing_ohid_fingertips,
    clean_ohid_fingertips,
    landing_ascof_measures,
    clean_ascof_measures,
    landing_council_returns,
    clean_council_returns,
]
SOURCE_ASSETS += [*DFE_LANDING, *DFE_CLEAN, landing_ons_population, clean_ons_population]
INDICATOR_ASSETS = [
    road_indicators,
    public_health_indicators,
    adult_social_care_indicators,
    csc_indicators,
    council_return_indicators,
]
# The report cards follow every indicator asset; the snapshot carries them; the HTML report reads the snapshot.
REPORT_CARDS = indicator_report_asset(INDICATOR_ASSETS)
PUBLISHED = published_outcomes_asset([*INDICATOR_ASSETS, REPORT_CARDS])

# Every resource field that a setting fills: resource key -> (resource class, {field: variable}).
# Fields not listed keep the resource's own default.
RESOURCE_SETTINGS: dict[str, tuple[type[dg.ConfigurableResource], dict[str, str]]] = {
    "warehouse": (
        WarehouseResource,
        {
            "path": "SAFE_OUTCOMES_WAREHOUSE",
            "published_path": "SAFE_OUTCOMES_PUBLISHED",
            "lock_timeout_s": "SAFE_OUTCOMES_LOCK_TIMEOUT_S",
        },
    ),
    "publisher": (
        PublisherClient,
        {
            "mode": "SAFE_OUTCOMES_SOURCE_MODE",
            "raw_dir": "SAFE_OUTCOMES_RAW_DIR",
            "connect_timeout_s": "SAFE_OUTCOMES_CONNECT_TIMEOUT_S",
            "read_timeout_s": "SAFE_OUTCOMES_READ_TIMEOUT_S",
            "retries": "SAFE_OUTCOMES_HTTP_RETRIES",
        },
    ),
    "stats19_source": (
        Stats19Resource,
        {"baseline_first_year": "ROAD_BASELINE_FIRST_YEAR", "baseline_last_year": "ROAD_BASELINE_LAST_YEAR"},
    ),
    "council": (CouncilResource, {"area_code": "SAFE_OUTCOMES_COUNCIL"}),
    "fingertips_source": (FingertipsResource, {}),
    "alert_webhook": (
        AlertWebhook,
        {
            "url": "SAFE_OUTCOMES_ALERT_WEBHOOK_URL",
            "ui_url": "SAFE_OUTCOMES_UI_URL",
            "timeout_s": "SAFE_OUTCOMES_ALERT_TIMEOUT_S",
        },
    ),
    "ascof_source": (AscofResource, {"releases": "ASCOF_RELEASES"}),
    "council_returns": (
        CouncilReturnsResource,
        {
            "drop_dir": "COUNCIL_RETURNS_DROP_DIR",
            "pseudonym_key": "COUNCIL_RETURNS_PSEUDONYM_KEY",
            "key_file": "COUNCIL_RETURNS_KEY_FILE",
            "report_dir": "COUNCIL_RETURNS_REPORT_DIR",
            "population_table": "COUNCIL_RETURNS_POPULATION_TABLE",
            "population_0_17": "COUNCIL_RETURNS_POPULATION_0_17",
            "max_bytes": "COUNCIL_RETURNS_MAX_BYTES",
        },
    ),
    "ees_source": (EesResource, {}),
    "population_source": (PopulationResource, {"route": "ONS_POPULATION_ROUTE", "nomis_years": "ONS_NOMIS_YEARS"}),
    "report": (
        ReportResource,
        {
            "reports_dir": "SAFE_OUTCOMES_REPORTS_DIR",
            "outcome": "SAFE_OUTCOMES_REPORT_OUTCOME",
            "period_end": "SAFE_OUTCOMES_REPORT_PERIOD_END",
            "as_of": "SAFE_OUTCOMES_REPORT_AS_OF",
            "changes_since": "SAFE_OUTCOMES_REPORT_CHANGES_SINCE",
            "neighbours_version": "SAFE_OUTCOMES_NEIGHBOURS_VERSION",
        },
    ),
}
RESOURCES = {
    key: resource(**{field: configured(name) for field, name in fields.items()})
    for key, (resource, fields) in RESOURCE_SETTINGS.items()
}

defs = dg.Definitions(
    # Landing assets carry their publisher's freshness policy (pipelines/publication_calendar.csv).
    assets=with_freshness(
        [areas, *SOURCE_ASSETS, *INDICATOR_ASSETS, REPORT_CARDS, PUBLISHED, outcomes_report_asset(PUBLISHED)]
    ),
    jobs=[main_job, nightly_job, council_returns_job],
    schedules=[nightly_refresh, quarterly_report],
    sensors=[council_returns_drop, run_failure_alert, check_failure_alert],
    resources=RESOURCES,
    executor=dg.in_process_executor,
)
