"""The code location: `dagster dev -m pipelines.definitions` (or `./run dev`) shows these in the UI."""

import dagster as dg

from assets.resources import (
    CouncilResource,
    CouncilReturnsResource,
    PopulationResource,
    PublisherClient,
    ReportResource,
    Stats19Resource,
    WarehouseResource,
)
from pipelines.alerts import AlertWebhook, check_failure_alert, run_failure_alert
from pipelines.freshness import calendar_of, with_freshness
from pipelines.graph import CATALOGUE, GRAPH
from pipelines.jobs import council_returns_job, main_job, nightly_job
from pipelines.schedules import nightly_refresh, quarterly_report
from pipelines.sensors import council_returns_drop
from pipelines.settings import configured

# Every resource field that a setting fills: resource key -> (resource class, {field: variable}).
# Fields not listed keep the resource's own default.
RESOURCE_SETTINGS: dict[str, tuple[type[dg.ConfigurableResource], dict[str, str]]] = {
    "warehouse": (
        WarehouseResource,
        {
            "path": "SAFE_OUTCOMES_WAREHOUSE",
            "published_path": "SAFE_OUTCOMES_PUBLISHED",
            "lock_timeout_s": "SAFE_OUTCOMES_LOCK_TIMEOUT_S",
            "compact_free_percent": "SAFE_OUTCOMES_COMPACT_FREE_PERCENT",
            "memory_limit": "SAFE_OUTCOMES_DUCKDB_MEMORY_LIMIT",
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
            "sample_dir": "SAFE_OUTCOMES_SAMPLE_DIR",
            "accept_withdrawn": "SAFE_OUTCOMES_ACCEPT_WITHDRAWN",
            "raw_keep_versions": "SAFE_OUTCOMES_RAW_KEEP_VERSIONS",
        },
    ),
    "stats19_source": (
        Stats19Resource,
        {"baseline_first_year": "ROAD_BASELINE_FIRST_YEAR", "baseline_last_year": "ROAD_BASELINE_LAST_YEAR"},
    ),
    "council": (CouncilResource, {"area_code": "SAFE_OUTCOMES_COUNCIL"}),
    "alert_webhook": (
        AlertWebhook,
        {
            "url": "SAFE_OUTCOMES_ALERT_WEBHOOK_URL",
            "ui_url": "SAFE_OUTCOMES_UI_URL",
            "timeout_s": "SAFE_OUTCOMES_ALERT_TIMEOUT_S",
        },
    ),
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
            "landing_retention_days": "COUNCIL_RETURNS_LANDING_RETENTION_DAYS",
        },
    ),
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
            "commentary_dir": "SAFE_OUTCOMES_COMMENTARY_DIR",
            "risk_levels": "SAFE_OUTCOMES_RISK_LEVELS",
            "chromium": "SAFE_OUTCOMES_CHROMIUM",
        },
    ),
}
RESOURCES = {
    key: resource(**{field: configured(name) for field, name in fields.items()})
    for key, (resource, fields) in RESOURCE_SETTINGS.items()
}

defs = dg.Definitions(
    # Landing assets carry their publisher's freshness policy (the catalogue's publication calendar).
    assets=with_freshness(GRAPH.all, calendar_of(CATALOGUE)),
    jobs=[main_job, nightly_job, council_returns_job],
    schedules=[nightly_refresh, quarterly_report],
    sensors=[council_returns_drop, run_failure_alert, check_failure_alert],
    resources=RESOURCES,
    executor=dg.in_process_executor,
)
