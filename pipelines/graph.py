"""The pipeline's assets, built once when the code location loads from the configured catalogue and settings."""

from assets.common import network_retry
from assets.graph import build_graph
from pipelines import settings
from sources.source_catalogue import load

# Every setting is checked first: one SettingError lists each bad variable, its value and what is expected.
settings.check_environment()
CATALOGUE = load(settings.catalogue_dir())
STATS19_YEARS = settings.stats19_years()
GRAPH = build_graph(
    CATALOGUE,
    STATS19_YEARS,
    settings.council_returns_first_quarter(),
    network_retry(settings.step_retries(), settings.step_retry_delay_s()),
)
council_quarters = GRAPH.quarters
