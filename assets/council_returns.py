"""The council's own quarterly returns: drop folder -> the landing flow -> pseudonymised clean -> indicators.

One partition per quarter (key = the quarter's first day, as Dagster's time windows go; the extract is as at the
quarter's last day). The files of a quarter's folder are one delivery: every file is read before anything
lands, the blocking `errors` suites gate `clean` and the `notes` suites only warn, and the data officer gets a
problem report per quarter (children pseudonymised). Clean rows carry the keyed hash, never the council's ids.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from assets.common import check_result
from assets.sources import CheckDeclaration, Landing, SourceKind
from checks.council_returns import ERRORS, NOTES, suites
from checks.runner import RuleResult, SuiteResult, run_suite
from sources import council_returns as returns
from sources.drop_folders import quarter_folders
from sources.errors import FormatError
from warehouse import flow
from warehouse.council_returns import (
    dfe_la_code,
    expire_landing,
    last_run_files,
    partition_key,
    pseudonym,
    publish_quarters,
    quarter_end,
)
from warehouse.loads import FileFacts
from warehouse.problem_reports import notes_reported, write_failure_reports, write_quarter_reports

CIN_TABLES = ("cin_children", "cin_referrals", "cin_assessments", "cin_plans", "cin_cpps")
S903_TABLES = tuple(f"s903_{name}" for name in returns.S903_TABLES)


class Verdicts(list):
    """Every table's suite result for one severity; passes when each does."""

    @property
    def passed(self) -> bool:
        return all(result.passed for result in self)


def _facts(path: Path) -> FileFacts:
    stat = path.stat()
    modified = datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds")
    return FileFacts(
        path.resolve().as_uri(), str(path), returns.file_sha256(path), stat.st_size, None, modified, "dropped"
    )


def _deliveries(landing: Landing) -> list[flow.Delivery]:
    settings = landing.resources.council_returns
    settings.key()  # a key that cannot be used (too short, an empty key file) stops the run before anything lands
    drop = Path(settings.drop_dir)
    folders = {partition_key(as_at): folder for as_at, folder in quarter_folders(drop).items()}
    missing = [quarter_end(quarter).isoformat() for quarter in landing.partitions if quarter not in folders]
    if missing:
        raise FormatError(
            str(drop), f"no extract folder for the quarter end(s) {', '.join(missing)} (expected {drop}/YYYY-MM-DD/)"
        )
    with landing.resources.warehouse.warehouse().connect() as con:
        lea = dfe_la_code(con, landing.resources.council.area_code)
    deliveries = []
    for quarter in landing.partitions:
        for path in returns.extract_files(folders[quarter]):

            def read(path: Path = path, quarter: str = quarter) -> flow.Parsed:
                tables, problems = returns.read_extract(path, settings.max_bytes, lea)
                as_at = pd.Timestamp(quarter_end(quarter))
                stamped = {
                    name: t.assign(quarter=quarter, as_at=as_at, _source_file=path.name) for name, t in tables.items()
                }
                return flow.Parsed(stamped, problems=[(quarter, problem) for problem in problems])

            deliveries.append(flow.Delivery(_facts(path), path.name, [quarter], read))
    return deliveries


def _validate(landing: Landing) -> flow.Validator:
    """Each quarter needs one file per table, and the tables the indicators need."""

    def validate(parsed: list[tuple[flow.Delivery, flow.Parsed]]) -> list[tuple[flow.Delivery | None, Exception]]:
        failures: list[tuple[flow.Delivery | None, Exception]] = []
        # The quarters being landed: a quarter whose files are all unchanged is not landed again.
        for quarter in sorted({partition for delivery, _ in parsed for partition in delivery.partitions}):
            mine = {d.dataset: d for d, _ in parsed if d.partitions == [quarter]}
            files = [(d.dataset, list(content.tables)) for d, content in parsed if d.partitions == [quarter]]
            folder = f"{quarter_end(quarter).isoformat()}/"
            failures += [(mine.get(name or ""), error) for name, error in returns.table_problems(files, folder)]
            tables = {
                table: (d.dataset, frame)
                for d, c in parsed
                if d.partitions == [quarter]
                for table, frame in c.tables.items()
            }
            if "s903_header" in tables and "s903_episodes" in tables:
                failures += [
                    (mine.get(name), error)
                    for name, error in returns.children_problems(tables["s903_header"], tables["s903_episodes"])
                ]
        return failures

    return validate


def _force(landing: Landing, con: duckdb.DuckDBPyConnection, deliveries: list[flow.Delivery]) -> bool:
    """A file taken out of a quarter's folder since its last run is a change, though every other file is the same."""
    return any(
        {delivery.dataset for delivery in deliveries if delivery.partitions == [quarter]}
        != last_run_files(con, quarter)
        for quarter in landing.partitions
    )


def _check_all(con: duckdb.DuckDBPyConnection, quarters: list[str], severity: str) -> Verdicts:
    where = "list_contains(?, quarter)"
    verdicts = Verdicts()
    for table, table_suites in suites().items():
        if severity not in table_suites:
            continue
        present = con.execute(f"select count(*) from landing.{table} where {where}", [quarters]).fetchall()[0][0]
        if present:
            verdicts.append(run_suite(con, table_suites[severity], where, [quarters]))
    return verdicts


def _checks(landing: Landing) -> list[flow.Check]:
    return [
        flow.Check("council_returns_rules", True, lambda con, quarters: _check_all(con, quarters, ERRORS)),
        flow.Check("council_returns_notes", False, lambda con, quarters: _check_all(con, quarters, NOTES)),
    ]


def _verdict(name: str, results: Verdicts, parse_problems: int, blocking: bool, key: bytes) -> dg.AssetCheckResult:
    """One check over every table's suite; values that could not be read count as failures too.

    The failing examples go into Dagster's event log, outside the warehouse: their child ids are pseudonymised.
    """
    failures = [
        RuleResult(
            failure.rule,
            failure.failing_count,
            [
                {**example, "child": pseudonym(key, example["child"])} if "child" in example else example
                for example in failure.examples
            ],
        )
        for result in results
        for failure in result.failures
    ]
    rows = sum(result.rows for result in results)
    base = check_result(name, SuiteResult("council_returns", results[0].engine if results else "none", rows, failures))
    summary = "; ".join(result.summary() for result in results if not result.passed) or (
        f"{len(results)} suites passed on {rows:,} rows"
    )
    if parse_problems:
        summary = f"{parse_problems} values could not be read (see the problem report); " + summary
    return dg.AssetCheckResult(
        check_name=name,
        passed=not failures and parse_problems == 0,
        severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
        description=summary,
        metadata={**base.metadata, "summary": summary, "unreadable_values": parse_problems},
    )


def _results(landing: Landing, outcome: flow.Outcome) -> list[dg.AssetCheckResult]:
    key = landing.resources.council_returns.key()
    return [
        _verdict("council_returns_rules", outcome.verdicts["council_returns_rules"], len(outcome.problems), True, key),
        _verdict("council_returns_notes", outcome.verdicts["council_returns_notes"], 0, False, key),
    ]


def _folder(landing: Landing) -> Path:
    return Path(landing.resources.council_returns.report_dir)


def _after(landing: Landing, con: duckdb.DuckDBPyConnection, outcome: flow.Outcome) -> dict[str, object]:
    """Write each quarter's problem report (unreadable values, rule errors, notes) for the data officer."""
    by_severity = {
        label: [table[severity] for table in suites().values() if severity in table]
        for severity, label in ((ERRORS, "error"), (NOTES, "note"))
    }
    key = landing.resources.council_returns.key()
    reports = write_quarter_reports(con, outcome.partitions, by_severity, outcome.problems, key, _folder(landing))
    return {"problem_reports": dg.MetadataValue.json(reports)}


def _failed(landing: Landing, error: flow.DeliveryError) -> None:
    """Files that could not be read go to their quarter's problem report as well as to the run's failure."""
    failures = [(d.partitions[0] if d else None, problem) for d, problem in error.failures]
    write_failure_reports(failures, landing.partitions, _folder(landing))


def _unchanged_results(landing: Landing) -> list[dg.AssetCheckResult]:
    """These very files passed the rules when they were published; their notes are in the problem reports."""
    notes = notes_reported(_folder(landing), landing.partitions)
    return [
        dg.AssetCheckResult(
            check_name="council_returns_rules",
            passed=True,
            description="the files are unchanged since they passed and were published",
        ),
        dg.AssetCheckResult(
            check_name="council_returns_notes",
            passed=notes == 0,
            severity=dg.AssetCheckSeverity.WARN,
            description=f"the files are unchanged; {notes} notes in their problem reports",
            metadata={"notes": notes},
        ),
    ]


def _publish(landing: Landing, quarters: list[str]) -> Callable[[duckdb.DuckDBPyConnection], int]:
    settings = landing.resources.council_returns
    key = settings.key()

    def publish(con: duckdb.DuckDBPyConnection) -> int:
        rows = sum(publish_quarters(con, quarters, key).values())
        # Child-level rows stay in landing only as long as the retention setting says (clean keeps its own).
        expired = expire_landing(con, (*CIN_TABLES, *S903_TABLES), settings.landing_retention_days)
        landing.context.log.info(f"{expired} landing rows older than {settings.landing_retention_days} days deleted")
        return rows

    return publish


COUNCIL_RETURNS = SourceKind(
    deliveries=_deliveries,
    checks=_checks,
    tables=lambda dataset: (*CIN_TABLES, *S903_TABLES),
    declared_checks=(
        CheckDeclaration(
            "rules",
            True,
            "DfE validation rules that move the indicators: dates in order, referral before assessment, plan start "
            "before end, valid codes, child and episode ids present and unique; and every value readable.",
        ),
        CheckDeclaration(
            "notes",
            False,
            "Data-quality notes for the data officer (need not stated, assessments over 45 working days, missing "
            "episodes without an end); they warn and do not block.",
        ),
    ),
    resource_keys=frozenset({"council", "council_returns"}),
    kinds=frozenset({"xml", "csv"}),
    force=_force,
    validate=_validate,
    failed=_failed,
    unchanged_results=_unchanged_results,
    publish=_publish,
    after=_after,
    results=_results,
    preview_sql=lambda dataset: (
        "select quarter, as_at, count(*) as referrals, count(closure_date) as closed "
        "from landing.cin_referrals where list_contains(?, quarter) group by all order by all"
    ),
)
