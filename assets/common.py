"""What every publisher's assets share: retry policy, check results and metadata in the form the UI shows."""

import hashlib
import os
import warnings
from collections.abc import Iterable

import dagster as dg
import duckdb

from checks.runner import SuiteResult
from sources.http import FetchedFile
from warehouse.loads import FileFacts

# A single-run backfill policy is what lets one run load many years from one fetched file; Dagster marks
# the parameter beta. We rely on it knowingly, so its notice is not repeated at every definitions load.
warnings.filterwarnings("ignore", message=r".*`backfill_policy`.*", category=dg.BetaWarning)

# Network steps retry with exponential backoff and jitter; data errors raise Failure(allow_retries=False).
# Like partitions, a retry policy is fixed when the code location loads, so its numbers come from the
# environment here (SAFE_OUTCOMES_STEP_RETRIES, SAFE_OUTCOMES_STEP_RETRY_DELAY_S).
NETWORK_RETRY = dg.RetryPolicy(
    max_retries=int(os.getenv("SAFE_OUTCOMES_STEP_RETRIES", "3")),
    delay=float(os.getenv("SAFE_OUTCOMES_STEP_RETRY_DELAY_S", "30")),
    backoff=dg.Backoff.EXPONENTIAL,
    jitter=dg.Jitter.PLUS_MINUS,
)


def check_result(check_name: str, result: SuiteResult, files: dict[str, str] | None = None) -> dg.AssetCheckResult:
    """A blocking check's verdict with the rule, the count and up to 20 failing rows with file lines.

    `files` maps load ids to file names, so that each example names its file as well as its line.
    """
    failures = [
        {
            "rule": failure.rule.description,
            "column": failure.rule.column,
            "failing_rows": failure.failing_count,
            "examples": [_with_file(example, files or {}) for example in failure.examples],
        }
        for failure in result.failures
    ]
    table = "\n".join(
        f"| {failure.rule.description} | {failure.failing_count:,} | "
        + ", ".join(str(example.get("_source_row")) for example in failure.examples)
        + " |"
        for failure in result.failures
    )
    metadata: dict[str, dg.RawMetadataValue] = {
        "engine": result.engine,
        "rows_checked": result.rows,
        "rules": len(result.results),
        "rules_failed": len(result.failures),
        "summary": result.summary(),
    }
    if failures:
        metadata["failures"] = dg.MetadataValue.json(failures)
        metadata["failing_rules"] = dg.MetadataValue.md("| rule | rows | first file lines |\n|---|---|---|\n" + table)
    return dg.AssetCheckResult(
        check_name=check_name,
        passed=result.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=result.summary(),
        metadata=metadata,
    )


def _with_file(example: dict, files: dict[str, str]) -> dict:
    """Replace an example's load id with the name of the file it came from, where known."""
    load_id = example.get("_load_id")
    if load_id not in files:
        return example
    return {"_file": files[load_id], **{key: value for key, value in example.items() if key != "_load_id"}}


def file_facts(file: FetchedFile) -> FileFacts:
    """What the load log records of a fetched file (the source room's record, in the warehouse's terms)."""
    return FileFacts(file.url, str(file.path), file.sha256, file.bytes, file.etag, file.last_modified, file.status)


def combined_version(hashes: Iterable[str]) -> dg.DataVersion:
    """One data version for the files behind a materialisation: unchanged files, unchanged version."""
    return dg.DataVersion(hashlib.sha256("".join(sorted(hashes)).encode()).hexdigest()[:24])


def preview(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None, limit: int = 10) -> dg.MetadataValue:
    """A markdown preview of a query's first rows, for the asset's page in the UI."""
    frame = con.execute(f"select * from ({sql}) limit {limit}", params or []).df()
    return dg.MetadataValue.md(frame.to_markdown(index=False) if not frame.empty else "_no rows_")
