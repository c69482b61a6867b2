"""The code location: `dagster dev -m pipelines.definitions` (or `./run dev`) shows these in the UI."""

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

defs = dg.Definitions(
    # Landing assets carry their publisher's freshness policy (pipelines/publication_calendar.csv).
    assets=with_freshness(
        [areas, *SOURCE_ASSETS, *INDICATOR_ASSETS, REPORT_CARDS, PUBLISHED, outcomes_report_asset(PUBLISHED)]
    ),
    jobs=[main_job, nightly_job, council_returns_job],
    schedules=[nightly_refresh, quarterly_report],
    sensors=[council_returns_drop, run_failure_alert, check_failure_alert],
    resources={
        "warehouse": WarehouseResource(
            path=configured("SAFE_OUTCOMES_WAREHOUSE"),
            published_path=configured("SAFE_OUTCOMES_PUBLISHED"),
            lock_timeout_s=configured("SAFE_OUTCOMES_LOCK_TIMEOUT_S"),
        ),
        "publisher": PublisherClient(
            mode=configured("SAFE_OUTCOMES_SOURCE_MODE"),
            raw_dir=configured("SAFE_OUTCOMES_RAW_DIR"),
            connect_timeout_s=configured("SAFE_OUTCOMES_CONNECT_TIMEOUT_S"),
            read_timeout_s=configured("SAFE_OUTCOMES_READ_TIMEOUT_S"),
            retries=configured("SAFE_OUTCOMES_HTTP_RETRIES"),
        ),
        "stats19_source": Stats19Resource(
            base_url=configured("STATS19_BASE_URL"),
            single_year_files_from=configured("STATS19_SINGLE_YEAR_FILES_FROM"),
            baseline_first_year=configured("ROAD_BASELINE_FIRST_YEAR"),
            baseline_last_year=configured("ROAD_BASELINE_LAST_YEAR"),
        ),
        "council": CouncilResource(area_code=configured("SAFE_OUTCOMES_COUNCIL")),
        "fingertips_source": FingertipsResource(
            base_url=configured("FINGERTIPS_BASE_URL"),
            indicators=configured("FINGERTIPS_INDICATORS"),
            child_area_type=configured("FINGERTIPS_CHILD_AREA_TYPE"),
            parent_area_types=configured("FINGERTIPS_PARENT_AREA_TYPES"),
        ),
        "alert_webhook": AlertWebhook(
            url=configured("SAFE_OUTCOMES_ALERT_WEBHOOK_URL"),
            ui_url=configured("SAFE_OUTCOMES_UI_URL"),
            timeout_s=configured("SAFE_OUTCOMES_ALERT_TIMEOUT_S"),
        ),
        "ascof_source": AscofResource(releases=configured("ASCOF_RELEASES"), measures=configured("ASCOF_MEASURES")),
        "council_returns": CouncilReturnsResource(
            drop_dir=configured("COUNCIL_RETURNS_DROP_DIR"),
            pseudonym_key=configured("COUNCIL_RETURNS_PSEUDONYM_KEY"),
            key_file=configured("COUNCIL_RETURNS_KEY_FILE"),
            report_dir=configured("COUNCIL_RETURNS_REPORT_DIR"),
            population_table=configured("COUNCIL_RETURNS_POPULATION_TABLE"),
            population_0_17=configured("COUNCIL_RETURNS_POPULATION_0_17"),
            max_bytes=configured("COUNCIL_RETURNS_MAX_BYTES"),
        ),
        "ees_source": EesResource(
            catalogue_file=configured("DFE_EES_CATALOGUE_FILE"),
            catalogue_base=configured("DFE_EES_CATALOGUE_BASE"),
            api_base=configured("DFE_EES_API_BASE"),
        ),
        "population_source": PopulationResource(
            route=configured("ONS_POPULATION_ROUTE"),
            dfe_file_url=configured("ONS_POPULATION_DFE_FILE_URL"),
            nomis_base=configured("ONS_NOMIS_BASE"),
            nomis_years=configured("ONS_NOMIS_YEARS"),
        ),
        "report": ReportResource(
            reports_dir=configured("SAFE_OUTCOMES_REPORTS_DIR"),
            outcome=configured("SAFE_OUTCOMES_REPORT_OUTCOME"),
            period_end=configured("SAFE_OUTCOMES_REPORT_PERIOD_END"),
            as_of=configured("SAFE_OUTCOMES_REPORT_AS_OF"),
            changes_since=configured("SAFE_OUTCOMES_REPORT_CHANGES_SINCE"),
            neighbours_version=configured("SAFE_OUTCOMES_NEIGHBOURS_VERSION"),
        ),
    },
    executor=dg.in_process_executor,
)
