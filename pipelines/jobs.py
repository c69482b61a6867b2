"""Jobs: what the README's main command, the nightly schedule and the UI launch."""

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
