"""What every publisher's assets share: retry policy, check results and metadata in the form the UI shows."""

import hashlib
import warnings
from collections.abc import Iterable

import dagster as dg
import duckdb

from checks.runner import SuiteResult
from sources.discovery import Resolved
from sources.errors import FormatError, SourceError
from sources.http import FetchedFile
from sources.source_catalogue import CatalogueError
from warehouse.flow import DeliveryError
from warehouse.landing import LoadError
from warehouse.loads import FileFacts

# A single-run backfill policy is what lets one run load many years from one fetched file; Dagster marks
# the parameter beta. We rely on it knowingly, so its notice is not repeated at every definitions load.
warnings.filterwarnings("ignore", message=r".*`backfill_policy`.*", category=dg.BetaWarning)


def network_retry(retries: int, delay_s: float) -> dg.RetryPolicy:
    """Steps that fetch retry with exponential backoff and jitter; fixed when the code location loads."""
    return dg.RetryPolicy(
        max_retries=retries, delay=delay_s, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
    )


def as_failure(error: Exception) -> dg.Failure:
    """The one error policy: a network fault that may pass (DNS, refused, reset, timeout, 429, 5xx) is retried;
    everything else (4xx, an HTML page or empty body, a format error, a failed check) fails at once."""
    if isinstance(error, dg.Failure):
        return error
    transient = isinstance(error, SourceError) and error.transient
    message = (
        str(error)
        if isinstance(error, SourceError | FormatError | LoadError | DeliveryError | CatalogueError)
        else f"{type(error).__name__}: {error}"
    )
    metadata: dict[str, dg.RawMetadataValue] = {}
    for name in ("url", "file", "line", "column"):
        value = getattr(error, name, None)
        if value is not None:
            metadata[name] = value
    return dg.Failure(description=message, metadata=metadata, allow_retries=transient)


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


def file_facts(file: FetchedFile, resolved: Resolved | None = None) -> FileFacts:
    """What the load log records of a fetched file (the source room's record, in the warehouse's terms), with
    what discovery resolved it to (release, version, the publisher's file id) where the address was found."""
    return FileFacts(
        file.url,
        str(file.path),
        file.sha256,
        file.bytes,
        file.etag,
        file.last_modified,
        file.status,
        resolved.version if resolved else "",
        resolved.release if resolved else None,
        resolved.file_id if resolved else None,
    )


def combined_version(hashes: Iterable[str]) -> dg.DataVersion:
    """One data version for the files behind a materialisation: unchanged files, unchanged version."""
    return dg.DataVersion(hashlib.sha256("".join(sorted(hashes)).encode()).hexdigest()[:24])


def preview(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None, limit: int = 10) -> dg.MetadataValue:
    """A markdown preview of a query's first rows, for the asset's page in the UI."""
    frame = con.execute(f"select * from ({sql}) limit {limit}", params or []).df()
    return dg.MetadataValue.md(frame.to_markdown(index=False) if not frame.empty else "_no rows_")
