"""Jobs: what the README's main command, the nightly schedule, the drop-folder sensor and the UI launch."""

import dagster as dg

from pipelines.graph import GRAPH

# The council's own returns are partitioned by quarter, the public sources by data year; one Dagster job
# cannot mix two partitionings, so the quarterly assets have their own job.
COUNCIL_RETURNS = dg.AssetSelection.groups("council_returns")
PUBLISHING = dg.AssetSelection.assets(*GRAPH.publishing)
AREAS_AND_REPORT = dg.AssetSelection.assets(dg.AssetKey(["marts", "areas"])) | PUBLISHING

# Everything public: reference data, every source's landing, checks and clean tables, indicators, the snapshot.
main_job = dg.define_asset_job(
    name="main_job",
    selection=dg.AssetSelection.all() - COUNCIL_RETURNS,
    description="Fetch every public source, check, publish to clean, build the indicators, the report cards, the "
    "snapshot and the report. Only what changed is rebuilt (the build ledger).",
)

# Nightly: the same graph. Unchanged files (a 304 or the same hash) are only logged; every later step finds
# its inputs unchanged and rebuilds nothing.
nightly_job = dg.define_asset_job(
    name="nightly_job",
    selection=dg.AssetSelection.all() - COUNCIL_RETURNS,
    description="Nightly probe-and-refresh: conditional GETs; only what changed rebuilds downstream.",
)

# One quarter (or a range, in one run) of the council's returns, with the reference areas it names the
# council from, then the report cards, the snapshot and the report again.
council_returns_job = dg.define_asset_job(
    name="council_returns_job",
    selection=COUNCIL_RETURNS | AREAS_AND_REPORT,
    description="The council's CIN census and SSDA903 extracts for a quarter: land, check, pseudonymise, "
    "build the quarterly indicators, rebuild the report cards, the snapshot and the report.",
)
