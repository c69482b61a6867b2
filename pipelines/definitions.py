"""The code location: `dagster dev -m pipelines.definitions` (or `./run dev`) shows these in the UI."""

import dagster as dg

from assets.ascof import adult_social_care_indicators, clean_ascof_measures, landing_ascof_measures
from assets.ohid import clean_ohid_fingertips, landing_ohid_fingertips, public_health_indicators
from assets.publish import published_outcomes_asset
from assets.reference import areas
from assets.reports import indicator_report_asset, outcomes_report_asset
from assets.resources import (
    AscofResource,
    CouncilResource,
    FingertipsResource,
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
from pipelines.jobs import main_job, nightly_job
from pipelines.schedules import nightly_refresh
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
]
INDICATOR_ASSETS = [road_indicators, public_health_indicators, adult_social_care_indicators]
# The report cards follow every indicator asset; the snapshot carries them; the HTML report reads the snapshot.
REPORT_CARDS = indicator_report_asset(INDICATOR_ASSETS)
PUBLISHED = published_outcomes_asset([*INDICATOR_ASSETS, REPORT_CARDS])

defs = dg.Definitions(
    assets=[areas, *SOURCE_ASSETS, *INDICATOR_ASSETS, REPORT_CARDS, PUBLISHED, outcomes_report_asset(PUBLISHED)],
    jobs=[main_job, nightly_job],
    schedules=[nightly_refresh],
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
        "ascof_source": AscofResource(releases=configured("ASCOF_RELEASES"), measures=configured("ASCOF_MEASURES")),
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
