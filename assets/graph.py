"""Every asset of the pipeline, built from a source catalogue and the load-time settings.

`pipelines/definitions.py` calls `build_graph` with the configured catalogue; tests call it with a temporary
one, which is how one more catalogue entry becomes one more landing and clean asset with no code change.
"""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

from assets import indicators
from assets.ascof import ASCOF
from assets.commentary import COMMENTARY
from assets.council_returns import COUNCIL_RETURNS
from assets.dfe import EES, POPULATION
from assets.dft import STATS19
from assets.ohid import FINGERTIPS
from assets.partitions import data_years, quarters
from assets.reference import areas
from assets.reports import indicator_report_asset, outcomes_report_asset, published_outcomes_asset
from assets.sources import SourceKind, build_source_assets
from sources.source_catalogue import Catalogue

# The catalogue's `locate` names, each a kind of source: how its files are found, read and checked.
KINDS: dict[str, SourceKind] = {
    "year_files": STATS19,
    "fingertips_export": FINGERTIPS,
    "release_files": ASCOF,
    "ees": EES,
    "population": POPULATION,
    "drop_folder": COUNCIL_RETURNS,
    "commentary_folder": COMMENTARY,
}


@dataclass(frozen=True)
class Graph:
    sources: list[dg.AssetsDefinition]
    indicators: list[dg.AssetsDefinition]
    cards: dg.AssetsDefinition
    published: dg.AssetsDefinition
    report: dg.AssetsDefinition
    data_years: dg.PartitionsDefinition
    quarters: dg.PartitionsDefinition

    @property
    def all(self) -> list[dg.AssetsDefinition]:
        return [areas, *self.sources, *self.indicators, self.cards, self.published, self.report]

    @property
    def publishing(self) -> list[dg.AssetKey]:
        """The assets that rebuild what readers open: the cards, the snapshot and the report."""
        return [self.cards.key, self.published.key, self.report.key]


def build_graph(catalogue: Catalogue, years: list[str], first_quarter: str, retry_policy: dg.RetryPolicy) -> Graph:
    years_def, quarters_def = data_years(years), quarters(first_quarter)
    partitions = {"none": None, "data_year": years_def, "quarter": quarters_def}
    sources = build_source_assets(catalogue, KINDS, partitions, retry_policy)
    built = [
        indicators.road_indicators(catalogue),
        indicators.public_health_indicators(catalogue),
        indicators.adult_social_care_indicators(catalogue),
        indicators.csc_indicators(catalogue),
        indicators.council_return_indicators(catalogue, quarters_def),
    ]
    cards = indicator_report_asset(built)
    clean = [dg.AssetKey(["clean", dataset.key]) for dataset in catalogue.datasets]
    published = published_outcomes_asset(cards, clean)
    return Graph(sources, built, cards, published, outcomes_report_asset(published), years_def, quarters_def)
