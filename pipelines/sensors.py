"""Sensors: the council's drop folder starts the quarter's run when its extract files change."""

import json
from datetime import date
from pathlib import Path

import dagster as dg

from assets.resources import CouncilReturnsResource
from pipelines.graph import council_quarters
from pipelines.jobs import council_returns_job
from sources.council_returns import scan_drop_folder
from warehouse.council_returns import partition_key


@dg.sensor(
    name="council_returns_drop",
    job=council_returns_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches COUNCIL_RETURNS_DROP_DIR/<quarter end>/ and runs that quarter when a file is added, "
    "removed or changed in content (by SHA-256: touching or re-copying the same file runs nothing).",
)
def council_returns_drop(
    context: dg.SensorEvaluationContext, council_returns: CouncilReturnsResource
) -> dg.SensorResult:
    """One run request per quarter folder whose content digest differs from the one last seen."""
    state = json.loads(context.cursor) if context.cursor else {"files": {}, "quarters": {}}
    digests, files = scan_drop_folder(Path(council_returns.drop_dir), state["files"])
    existing = set(council_quarters.get_partition_keys())
    requests, skipped = [], []
    for as_at, digest in sorted(digests.items()):
        if state["quarters"].get(as_at) == digest:
            continue
        key = partition_key(date.fromisoformat(as_at))
        if key is None or key not in existing:
            skipped.append(as_at)
            continue
        requests.append(dg.RunRequest(run_key=f"{as_at}:{digest[:16]}", partition_key=key))
    seen = {as_at: digest for as_at, digest in digests.items() if as_at not in skipped}
    if skipped:
        context.log.info(f"not a finished quarter end (or before the first partition): {', '.join(skipped)}")
    return dg.SensorResult(run_requests=requests, cursor=json.dumps({"files": files, "quarters": seen}))
