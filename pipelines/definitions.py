"""The code location: `dagster dev -m pipelines.definitions` (or `./run dev`) shows these in the UI."""

import dagster as dg

from assets.resources import (
    AlertWebhook,
    CouncilResource,
    CouncilReturnsResource,
    PopulationResource,
    PublisherClient,
    ReportResource,
    Stats19Resource,
    WarehouseResource,
)
from pipelines.alerts import check_failure_alert, run_failure_alert
from pipelines.freshness import calendar_of, with_freshness
from pipelines.graph import CATALOGUE, GRAPH
from pipelines.jobs import council_returns_job, main_job, nightly_job
from pipelines.schedules import nightly_refresh, quarterly_report
from pipelines.sensors import council_returns_drop
from pipelines.settings import configured

defs = dg.Definitions(
    # Landing assets carry their publisher's freshness policy (the catalogue's publication calendar).
    assets=with_freshness(GRAPH.all, calendar_of(CATALOGUE)),
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
            sample_dir=configured("SAFE_OUTCOMES_SAMPLE_DIR"),
        ),
        "stats19_source": Stats19Resource(
            baseline_first_year=configured("ROAD_BASELINE_FIRST_YEAR"),
            baseline_last_year=configured("ROAD_BASELINE_LAST_YEAR"),
        ),
        "council": CouncilResource(area_code=configured("SAFE_OUTCOMES_COUNCIL")),
        "alert_webhook": AlertWebhook(
            url=configured("SAFE_OUTCOMES_ALERT_WEBHOOK_URL"),
            ui_url=configured("SAFE_OUTCOMES_UI_URL"),
            timeout_s=configured("SAFE_OUTCOMES_ALERT_TIMEOUT_S"),
        ),
        "council_returns": CouncilReturnsResource(
            drop_dir=configured("COUNCIL_RETURNS_DROP_DIR"),
            pseudonym_key=configured("COUNCIL_RETURNS_PSEUDONYM_KEY"),
            key_file=configured("COUNCIL_RETURNS_KEY_FILE"),
            report_dir=configured("COUNCIL_RETURNS_REPORT_DIR"),
            population_table=configured("COUNCIL_RETURNS_POPULATION_TABLE"),
            population_0_17=configured("COUNCIL_RETURNS_POPULATION_0_17"),
            max_bytes=configured("COUNCIL_RETURNS_MAX_BYTES"),
        ),
        "population_source": PopulationResource(
            route=configured("ONS_POPULATION_ROUTE"),
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
