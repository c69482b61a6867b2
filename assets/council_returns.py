"""The council's own quarterly returns: drop folder -> the landing flow -> pseudonymised clean -> indicators.

One partition per quarter (key = the quarter's first day, as Dagster's time windows go; the extract is as at the
quarter's last day). The files of a quarter's folder are one delivery: every file is read before anything
lands, the blocking `errors` suites gate `clean` and the `notes` suites only warn, and the data officer gets a
problem report per quarter (children pseudonymised). Clean rows carry the keyed hash, never the council's ids.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from assets.common import check_result
from assets.sources import CheckDeclaration, Landing, SourceKind
from checks.council_returns import ERRORS, suites
from checks.runner import RuleResult, SuiteResult, run_suite
from sources import council_returns as returns
from sources.errors import FormatError
from warehouse import flow
from warehouse.council_returns import (
    dfe_la_code,
    last_run_files,
    parse_problem_rows,
    partition_key,
    problem_rows,
    pseudonym,
    publish_quarters,
    quarter_end,
    write_problem_report,
)
from warehouse.loads import FileFacts

S903_LANDING = {name: f"s903_{name}" for name in returns.S903_TABLES}
CIN_TABLES = ("cin_children", "cin_referrals", "cin_assessments", "cin_plans", "cin_cpps")
REQUIRED_TABLES = ("cin_referrals", "s903_header", "s903_episodes")


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


def _read(path: Path, quarter: str, max_bytes: int, lea: str | None) -> flow.Parsed:
    """One extract file's tables, stamped with its quarter, quarter end and file name."""
    as_at = pd.Timestamp(quarter_end(quarter))
    if path.suffix.lower() == ".xml":
        extract = returns.read_cin_census(path, max_bytes)
        if lea and extract.lea and extract.lea != lea:
            raise FormatError(
                path.name, f"the return is for local authority {extract.lea}, but the council configured is {lea}"
            )
        tables, problems = extract.tables(), []
    else:
        table = returns.read_s903(path, max_bytes)
        tables, problems = {S903_LANDING[table.name]: table.frame}, table.problems
    stamped = {
        name: frame.assign(quarter=quarter, as_at=as_at, _source_file=path.name) for name, frame in tables.items()
    }
    return flow.Parsed(stamped, problems=[(quarter, problem) for problem in problems])


def _deliveries(landing: Landing) -> list[flow.Delivery]:
    settings = landing.resources.council_returns
    drop = Path(settings.drop_dir)
    folders = {partition_key(as_at): folder for as_at, folder in returns.quarter_folders(drop).items()}
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
                return _read(path, quarter, settings.max_bytes, lea)

            deliveries.append(flow.Delivery(_facts(path), path.name, [quarter], read))
    return deliveries


def _validate(landing: Landing):
    """Each quarter needs one file per table, and the tables the indicators need."""

    def validate(parsed: list[tuple[flow.Delivery, flow.Parsed]]) -> list[tuple[flow.Delivery | None, Exception]]:
        failures: list[tuple[flow.Delivery | None, Exception]] = []
        for quarter in landing.partitions:
            seen: set[str] = set()
            for delivery, content in parsed:
                if delivery.partitions != [quarter]:
                    continue
                for table in content.tables:
                    if table in seen:
                        problem = f"a second file with the {table} table for the same quarter end"
                        failures.append((delivery, FormatError(delivery.dataset, problem)))
                    seen.add(table)
            folder = f"{quarter_end(quarter).isoformat()}/"
            failures += [
                (None, FormatError(folder, f"no file with the {t} table")) for t in REQUIRED_TABLES if t not in seen
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
        flow.Check("council_returns_notes", False, lambda con, quarters: _check_all(con, quarters, "notes")),
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


def _report_path(landing: Landing, quarter: str) -> Path:
    return Path(landing.resources.council_returns.report_dir) / f"{quarter_end(quarter).isoformat()}-problems.csv"


def _after(landing: Landing, con: duckdb.DuckDBPyConnection, outcome: flow.Outcome) -> dict[str, object]:
    """Write each quarter's problem report (unreadable values, rule errors, notes) for the data officer."""
    key = landing.resources.council_returns.key()
    rows = []
    for severity, label in ((ERRORS, "error"), ("notes", "note")):
        for table_suites in suites().values():
            if severity not in table_suites:
                continue
            suite = table_suites[severity]
            present = con.execute(
                f"select count(*) from {suite.table} where list_contains(?, quarter)", [outcome.partitions]
            ).fetchall()[0][0]
            if present:
                rows += problem_rows(con, suite, label, outcome.partitions, key)
    reports = {}
    for quarter in outcome.partitions:
        as_at = quarter_end(quarter)
        unreadable = [problem for at, problem in outcome.problems if at == quarter]
        quarter_rows = parse_problem_rows(unreadable, as_at, key) + [r for r in rows if r["quarter_end"] == as_at]
        frame = write_problem_report(quarter_rows, _report_path(landing, quarter))
        reports[as_at.isoformat()] = {
            "path": str(_report_path(landing, quarter)),
            "errors": int((frame["severity"] == "error").sum()),
            "notes": int((frame["severity"] == "note").sum()),
        }
    return {"problem_reports": dg.MetadataValue.json(reports)}


def _failed(landing: Landing, error: flow.DeliveryError) -> None:
    """Files that could not be read go to their quarter's problem report as well as to the run's failure."""
    for quarter in landing.partitions:
        rows = [
            {
                "severity": "error",
                "file": getattr(problem, "file", None),
                "line": getattr(problem, "line", None),
                "field": getattr(problem, "column", None),
                "child": None,
                "problem": getattr(problem, "problem", str(problem)),
                "value": None,
                "quarter_end": quarter_end(quarter),
            }
            for delivery, problem in error.failures
            if delivery is None or delivery.partitions == [quarter]
        ]
        if rows:
            write_problem_report(rows, _report_path(landing, quarter))


def _unchanged_results(landing: Landing) -> list[dg.AssetCheckResult]:
    """These very files passed the rules when they were published; their notes are in the problem reports."""
    notes = 0
    for quarter in landing.partitions:
        path = _report_path(landing, quarter)
        if path.exists():
            notes += int((pd.read_csv(path, usecols=["severity"])["severity"] == "note").sum())
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


def _publish(landing: Landing, quarters: list[str]):
    key = landing.resources.council_returns.key()
    return lambda con: sum(publish_quarters(con, quarters, key).values())


COUNCIL_RETURNS = SourceKind(
    deliveries=_deliveries,
    checks=_checks,
    tables=lambda dataset: (*CIN_TABLES, *S903_LANDING.values()),
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
