"""Dagster resources: the warehouse, the HTTP client, and the council being reported on.

Their values come from environment variables in `pipelines/definitions.py`; nothing here is specific to
one council or one machine.
"""

from pathlib import Path

import dagster as dg
from pydantic import Field

from sources.http import Downloader, HttpSettings, RawStore, build_session
from warehouse.database import Warehouse

WAREHOUSE_POOL = "duckdb_warehouse"
SAMPLES = Path(__file__).resolve().parent.parent / "sources" / "samples"


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse and the read-only snapshot published for report tools."""

    path: str = Field(description="The warehouse DuckDB file.")
    published_path: str = Field(description="Where the read-only snapshot for report tools is published.")
    lock_timeout_s: float = Field(default=1800.0, description="How long a run waits for another to finish.")

    def warehouse(self) -> Warehouse:
        return Warehouse(self.path, self.lock_timeout_s)


class PublisherClient(dg.ConfigurableResource):
    """The one HTTP client every source uses; `mode` switches between the live publishers and the bundled sample."""

    mode: str = Field(default="sample", description="'sample' answers from sources/samples; 'live' goes online.")
    raw_dir: str = Field(description="The immutable raw store (data/raw).")
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 120.0
    retries: int = 5
    backoff_factor: float = 1.0
    max_bytes: int = 4 * 1024**3

    def downloader(self) -> Downloader:
        if self.mode not in ("sample", "live"):
            raise dg.Failure(f"SAFE_OUTCOMES_SOURCE_MODE must be 'sample' or 'live', not {self.mode!r}")
        settings = HttpSettings(
            connect_timeout_s=self.connect_timeout_s,
            read_timeout_s=self.read_timeout_s,
            retries=self.retries,
            backoff_factor=self.backoff_factor,
            max_bytes=self.max_bytes,
        )
        session = build_session(settings, sample_root=SAMPLES if self.mode == "sample" else None)
        return Downloader(session, RawStore(Path(self.raw_dir)), settings)


class Stats19Resource(dg.ConfigurableResource):
    """Where DfT publishes STATS19 and which years come from single-year files."""

    base_url: str = "https://data.dft.gov.uk/road-accidents-safety-data/"
    single_year_files_from: int = Field(
        default=2021, description="First data year read from its own file; earlier years come from 1979-latest."
    )
    baseline_first_year: int = 2005
    baseline_last_year: int = 2009


class CouncilResource(dg.ConfigurableResource):
    """The council the report is for: any English upper-tier authority, by its GSS code."""

    area_code: str = Field(default="E06000059", description="GSS code, e.g. E06000059 for Dorset Council.")


def _pairs(spec: str) -> dict[str, str]:
    """'a=1,b=2' -> {'a': '1', 'b': '2'} (the form of list-valued settings)."""
    pairs = {}
    for item in spec.split(","):
        if item.strip():
            name, _, value = item.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


class FingertipsResource(dg.ConfigurableResource):
    """OHID Fingertips: the API, which PHOF indicators (catalogue id = Fingertips id) and which geography."""

    base_url: str = "https://fingertips.phe.org.uk/api/"
    indicators: str = Field(
        default="ph_ksi_rate=11001,ph_violent_crime_admissions=11201,ph_first_time_entrants_yjs=10401,"
        "ph_child_injury_admissions_0_14=90284",
        description="Catalogue indicator id = Fingertips indicator id, comma-separated.",
    )
    child_area_type: int = Field(default=502, description="Upper tier local authorities (post 4/23).")
    parent_area_types: str = Field(default="15,6", description="England (15) and regions (6).")

    def indicator_ids(self) -> dict[str, int]:
        return {name: int(value) for name, value in _pairs(self.indicators).items()}

    def parents(self) -> list[int]:
        return [int(value) for value in self.parent_area_types.split(",") if value.strip()]


class AscofResource(dg.ConfigurableResource):
    """ASCOF: each release's CSV URL (the path changes every year) and the measures to load."""

    releases: str = Field(description="Release = URL, comma-separated, e.g. 2022-23=https://files.digital.nhs.uk/...")
    measures: str = Field(
        default="asc_feel_safe_pct=4A,asc_services_made_safe_pct=4B",
        description="Catalogue indicator id = ASCOF measure code (a percentage measure), comma-separated.",
    )

    def release_urls(self) -> dict[str, str]:
        return _pairs(self.releases)

    def measure_codes(self) -> dict[str, str]:
        return _pairs(self.measures)


class ReportResource(dg.ConfigurableResource):
    """The Outcomes Monitoring Report: which outcome, which period, where it is written (issue 5)."""

    reports_dir: str = Field(description="Where the HTML report is written (reports/).")
    outcome: str = Field(default="safe", description="The outcome the report is for; names the file.")
    period_end: str = Field(
        default="", description="YYYY-MM-DD: each indicator's latest period ending by then; empty for the latest."
    )
    as_of: str = Field(
        default="", description="An ISO date-time: rebuild the report as it stood then, from the value history."
    )
    changes_since: str = Field(
        default="", description="The last report's date (YYYY-MM-DD): what changed since; empty for the last build."
    )
    neighbours_version: str = Field(default="", description="Statistical-neighbour list version; empty for the latest.")
