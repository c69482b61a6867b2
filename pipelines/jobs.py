"""Jobs: what the README's main command, the schedules and the UI launch."""

import dagster as dg

# Everything: reference data, every source's landing, checks and clean tables, indicators, the snapshot.
main_job = dg.define_asset_job(
    name="main_job",
    selection=dg.AssetSelection.all(),
    description="Fetch every source, check, publish to clean, build the indicators and the report snapshot.",
)

# Nightly: the same graph. Sources whose files are unchanged stop at landing (a 304 or the same hash),
# so nothing downstream of them rebuilds.
nightly_job = dg.define_asset_job(
    name="nightly_job",
    selection=dg.AssetSelection.all(),
    description="Nightly probe-and-refresh: conditional GETs; only changed sources rebuild downstream.",
)

# Quarterly: the council's own quarterly returns for one quarter, what is built from them, and the report
# snapshot. The group is named by the council-returns assets; the snapshot is named explicitly so the job
# always rebuilds the report, even in a deployment that has no council returns configured yet.
QUARTERLY_GROUP = "council_returns"
REPORT_KEY = dg.AssetKey(["published", "outcomes"])
quarterly_job = dg.define_asset_job(
    name="quarterly_job",
    selection=dg.AssetSelection.groups(QUARTERLY_GROUP).downstream() | dg.AssetSelection.assets(REPORT_KEY),
    description="The last complete quarter's council returns, the indicators built from them, and the report.",
)
