"""The pipeline's assets, built once when the code location loads from the configured catalogue and settings."""

from assets.common import network_retry
from assets.graph import build_graph
from pipelines import settings
from sources.source_catalogue import load

CATALOGUE = load(settings.current_value("SAFE_OUTCOMES_CATALOGUE_DIR"))
GRAPH = build_graph(
    CATALOGUE,
    settings.stats19_years(),
    settings.council_returns_first_quarter(),
    network_retry(settings.step_retries(), settings.step_retry_delay_s()),
)
STATS19_YEARS = settings.stats19_years()
council_quarters = GRAPH.quarters
