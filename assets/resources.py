"""Dagster resources: the warehouse, the HTTP client, and the council being reported on.

Their values come from environment variables in `pipelines/definitions.py`; nothing here is specific to
one council or one machine.
"""

from pathlib import Path

import dagster as dg
from pydantic import Field

from sources.http import Downloader, HttpSettings, RawStore, breaker_for, build_session
from warehouse.council_returns import pseudonym_key
from warehouse.database import Warehouse

WAREHOUSE_POOL = "duckdb_warehouse"
SAMPLES = Path(__file__).resolve().parent.parent / "sources" / "samples"


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse and the read-only snapshot published for report tools."""

    path: str = Field(description="The warehouse DuckDB file.")
    published_path: str = Field(description="Where the read-only snapshot for report tools is published.")
    lock_timeout_s: float = Field(default=1800.0, description="How long a run waits for another to finish.")
    compact_free_percent: int = Field(
        default=25, description="Copy the warehouse into a fresh file when this share of its blocks is free."
    )
    memory_limit: str = Field(
        default="1GB", description="The most memory DuckDB may use (like 1GB); past it, it spills to disk."
    )

    def warehouse(self) -> Warehouse:
        """The warehouse; a wait for another process's lock is logged as a warning (the command prints it)."""
        return Warehouse(
            self.path, self.lock_timeout_s, on_wait=dg.get_dagster_logger().warning, memory_limit=self.memory_limit
        )


class PublisherClient(dg.ConfigurableResource):
    """The one HTTP client every source uses; `mode` switches between the live publishers and the bundled sample."""

    mode: str = Field(default="sample", description="'sample' answers from sources/samples; 'live' goes online.")
    raw_dir: str = Field(description="The immutable raw store (data/raw).")
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 120.0
    retries: int = 5
    backoff_factor: float = 1.0
    max_bytes: int = 4 * 1024**3
    sample_dir: str = Field(default="", description="The offline sample's folder; empty = sources/samples.")
    accept_withdrawn: str = Field(
        default="",
        description="Catalogue data set keys (comma-separated) whose next delivery may lack a period or area that "
        "the published one had, because the publisher withdrew it; empty = none.",
    )

    raw_keep_versions: int = Field(
        default=2, description="Superseded copies of each file the raw store keeps besides those the warehouse needs."
    )

    def withdrawn_accepted(self) -> set[str]:
        """The data sets whose delivery may drop what was published (the operator read the revision notes)."""
        return {key.strip() for key in self.accept_withdrawn.split(",") if key.strip()}

    def downloader(self, run_id: str = "") -> Downloader:
        """The client for one step; steps of the same run share one HostBreaker (a host down stays down)."""
        if self.mode not in ("sample", "live"):
            raise dg.Failure(f"SAFE_OUTCOMES_SOURCE_MODE must be 'sample' or 'live', not {self.mode!r}")
        settings = HttpSettings(
            connect_timeout_s=self.connect_timeout_s,
            read_timeout_s=self.read_timeout_s,
            retries=self.retries,
            backoff_factor=self.backoff_factor,
            max_bytes=self.max_bytes,
        )
        sample_root = Path(self.sample_dir) if self.sample_dir else SAMPLES
        session = build_session(settings, sample_root=sample_root if self.mode == "sample" else None)
        breaker = breaker_for(run_id) if run_id else None
        return Downloader(session, self.raw_store(), settings, breaker)

    def raw_store(self) -> RawStore:
        return RawStore(Path(self.raw_dir))


class Stats19Resource(dg.ConfigurableResource):
    """How the road indicators measure change: the baseline years DfT's targets are set against."""

    baseline_first_year: int = 2005
    baseline_last_year: int = 2009


class CouncilResource(dg.ConfigurableResource):
    """The council the report is for: any English upper-tier authority, by its GSS code."""

    area_code: str = Field(default="E06000059", description="GSS code, e.g. E06000059 for Dorset Council.")


class CouncilReturnsResource(dg.ConfigurableResource):
    """The council's own statutory returns: where its extracts are dropped and how they are kept private."""

    drop_dir: str = Field(description="Folder with one subfolder per quarter end (YYYY-MM-DD) of extract files.")
    pseudonym_key: str = Field(
        default="", description="Secret for the keyed hash of child ids (COUNCIL_RETURNS_PSEUDONYM_KEY)."
    )
    key_file: str = Field(description="Where a generated key is kept when COUNCIL_RETURNS_PSEUDONYM_KEY is unset.")
    report_dir: str = Field(description="Where the data officer's problem reports are written.")
    population_table: str = Field(default="clean.ons_population_0_17", description="ONS 0-17 population table.")
    population_0_17: float = Field(default=67149.0, description="0-17 population used when the table has none.")
    max_bytes: int = Field(default=256 * 1024**2, description="Largest extract file accepted.")
    landing_retention_days: int = Field(
        default=30,
        description="Days child-level rows stay in landing after their load; older ones are deleted after each "
        "publish (clean keeps its pseudonymised rows).",
    )

    def key(self) -> bytes:
        """The pseudonymisation key: the environment's, else one generated once and kept by the owner only."""
        return pseudonym_key(self.pseudonym_key, Path(self.key_file))


class PopulationResource(dg.ConfigurableResource):
    """Where the 0-17 population estimates come from: DfE's prepared file (every authority) or ONS's Nomis API."""

    route: str = Field(default="dfe_file", description="'dfe_file' or 'nomis' (addresses: sources/catalogue/ons.toml).")
    nomis_years: str = Field(default="2018-2024", description="Mid-years asked of Nomis, e.g. '2018-2024'.")


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
    commentary_dir: str = Field(
        default="", description="The lead officers' commentary folder (YYYY-MM-DD.csv); empty = the bundled sample."
    )
    risk_levels: str = Field(default="Low,Medium,High", description="The council's corporate risk scale, in order.")
    chromium: str = Field(
        default="", description="Chromium to print the PDF with; empty = find it on PATH, 'none' = no PDF."
    )

    def risk_scale(self) -> list[str]:
        """The risk levels a commentary row may give."""
        return [level.strip() for level in self.risk_levels.split(",") if level.strip()]
