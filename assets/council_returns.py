"""The council's own quarterly returns: drop folder -> landing + checks -> pseudonymised clean -> indicators.

One partition per quarter (key = the quarter's first day, as Dagster's time windows go; the extract is as at
the quarter's last day). The landing asset reads the quarter's folder, records each file in `meta.loads`,
parses and lands every table, runs the blocking `errors` suites and the warning `notes` suites, and writes
the data officer's problem report. Only when every error rule passes does `clean` get the quarter, with child
ids replaced by their keyed hash; the indicator asset then swaps the council's rows for that quarter end.
"""

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from assets.common import check_result, combined_version, preview
from assets.reference import areas
from assets.resources import WAREHOUSE_POOL, CouncilResource, CouncilReturnsResource, WarehouseResource
from checks.council_returns import ERRORS, suites
from checks.runner import RuleResult, SuiteResult, run_suite
from sources import council_returns as returns
from sources.errors import FormatError
from warehouse.council_returns import (
    SOURCE,
    build_quarter_indicators,
    dfe_la_code,
    last_run_files,
    parse_problem_rows,
    partition_key,
    population_0_17,
    problem_rows,
    pseudonym,
    publish_quarters,
    quarter_end,
    write_problem_report,
)
from warehouse.landing import land_frame
from warehouse.loads import FileFacts, finish_load, start_load, unchanged_since_published

GROUP = "council_returns"
# Partition keys must be known when the code location loads, so the first quarter is read here.
FIRST_QUARTER = os.getenv("COUNCIL_RETURNS_FIRST_QUARTER", "2022-04-01")
council_quarters = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1,4,7,10 *", start=FIRST_QUARTER, fmt="%Y-%m-%d", timezone="Europe/London"
)
SINGLE_RUN = dg.BackfillPolicy.single_run()
RULES_CHECK = "council_returns_rules"
NOTES_CHECK = "council_returns_notes"
LANDING_KEY = dg.AssetKey(["landing", "council_returns"])
S903_LANDING = {name: f"s903_{name}" for name in returns.S903_TABLES}


class Parsed:
    """Everything read from one quarter's folder: frames per landing table and the values that did not read."""

    def __init__(self, quarter: str) -> None:
        self.quarter = quarter
        self.as_at = quarter_end(quarter)
        self.frames: dict[str, pd.DataFrame] = {}
        self.problems: list[returns.RowProblem] = []
        self.load_ids: dict[str, str] = {}

    def add(self, table: str, frame: pd.DataFrame, file: str, load_id: str) -> None:
        """Keep a parsed table with its quarter, quarter end and file; one file per table per quarter."""
        if table in self.frames:
            raise FormatError(file, f"a second file with the {table} table for the same quarter end")
        self.frames[table] = frame.assign(quarter=self.quarter, as_at=pd.Timestamp(self.as_at), _source_file=file)
        self.load_ids[table] = load_id


def _file_facts(path: Path) -> FileFacts:
    stat = path.stat()
    modified = datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds")
    return FileFacts(
        path.resolve().as_uri(), str(path), returns.file_sha256(path), stat.st_size, None, modified, "dropped"
    )


def _read(path: Path, max_bytes: int, lea: str | None) -> dict[str, tuple[pd.DataFrame, list[returns.RowProblem]]]:
    if path.suffix.lower() == ".xml":
        extract = returns.read_cin_census(path, max_bytes)
        if lea and extract.lea and extract.lea != lea:
            raise FormatError(
                path.name, f"the return is for local authority {extract.lea}, but the council configured is {lea}"
            )
        return {name: (frame, []) for name, frame in extract.tables().items()}
    table = returns.read_s903(path, max_bytes)
    return {S903_LANDING[table.name]: (table.frame, table.problems)}


def _verdict(
    check_name: str, results: list[SuiteResult], parse_problems: int, blocking: bool, key: bytes
) -> dg.AssetCheckResult:
    """One check over every table's suite; parse problems (unreadable values) count as failures too.

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
    passed = not failures and parse_problems == 0
    rows = sum(result.rows for result in results)
    engine = results[0].engine if results else "none"
    # The spine's check_result formats the failing rules and their first file lines for the UI.
    base = check_result(check_name, SuiteResult("council_returns", engine, rows, failures))
    summary = "; ".join(result.summary() for result in results if not result.passed) or (
        f"{len(results)} suites passed on {rows:,} rows"
    )
    if parse_problems:
        summary = f"{parse_problems} values could not be read (see the problem report); " + summary
    return dg.AssetCheckResult(
        check_name=check_name,
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
        description=summary,
        metadata={**base.metadata, "summary": summary, "unreadable_values": parse_problems},
    )


@dg.asset(
    key=LANDING_KEY,
    group_name=GROUP,
    partitions_def=council_quarters,
    backfill_policy=SINGLE_RUN,
    pool=WAREHOUSE_POOL,
    deps=[areas],
    kinds={"duckdb", "xml", "csv"},
    output_required=False,
    check_specs=[
        dg.AssetCheckSpec(
            RULES_CHECK,
            asset=LANDING_KEY,
            blocking=True,
            description="DfE validation rules that move the indicators: dates in order, referral before "
            "assessment, plan start before end, valid codes, child and episode ids present and unique; and "
            "every value readable. Great Expectations per table; failures block publication to clean.",
        ),
        dg.AssetCheckSpec(
            NOTES_CHECK,
            asset=LANDING_KEY,
            blocking=False,
            description="Data-quality notes for the data officer (need not stated, assessments over 45 working "
            "days, missing episodes without an end); they warn and do not block.",
        ),
    ],
    description="The council's CIN census (XML, checked against DfE's XSD) and SSDA903 tables (CSV) from its "
    "drop folder, child-level with its own ids, one partition per quarter (`landing.cin_*`, `landing.s903_*`). "
    "Writes the data officer's problem report (`<as at>-problems.csv`, children pseudonymised).",
)
def landing_council_returns(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    council: CouncilResource,
    council_returns: CouncilReturnsResource,
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Land the run's quarters from the drop folder, check them, and write the problem reports."""
    quarters = sorted(context.partition_keys)
    drop = Path(council_returns.drop_dir)
    folders = {partition_key(as_at): folder for as_at, folder in returns.quarter_folders(drop).items()}
    key = council_returns.key()
    missing = [quarter_end(quarter).isoformat() for quarter in quarters if quarter not in folders]
    if missing:
        raise dg.Failure(
            f"no extract folder in {drop} for the quarter end(s) {', '.join(missing)} (expected {drop}/YYYY-MM-DD/)",
            allow_retries=False,
        )
    files = {quarter: returns.extract_files(folders[quarter]) for quarter in quarters}
    facts = {path: _file_facts(path) for paths in files.values() for path in paths}
    report_dir = Path(council_returns.report_dir)
    with warehouse.warehouse().connect() as con:
        if all(
            paths
            and {path.name for path in paths} == last_run_files(con, quarter)
            and all(unchanged_since_published(con, SOURCE, path.name, facts[path].sha256, [quarter]) for path in paths)
            for quarter, paths in files.items()
        ):
            context.log.info("every extract file is unchanged and already in clean; nothing downstream rebuilds")
            # No materialisation, so nothing downstream runs; the checks still answer (Dagster requires them):
            # these very files passed the rules when they were published, and their notes are in the reports.
            notes = _notes_reported(report_dir, quarters)
            yield dg.AssetCheckResult(
                check_name=RULES_CHECK,
                passed=True,
                description="the files are unchanged since they passed and were published",
                metadata={"unchanged_files": len(facts)},
            )
            yield dg.AssetCheckResult(
                check_name=NOTES_CHECK,
                passed=notes == 0,
                severity=dg.AssetCheckSeverity.WARN,
                description=f"the files are unchanged; {notes} notes in their problem reports",
                metadata={"unchanged_files": len(facts), "notes": notes},
            )
            return
        lea = dfe_la_code(con, council.area_code)
        parsed = _parse_all(con, context.run.run_id, files, facts, council_returns.max_bytes, report_dir, lea)
        landed = _land_all(con, parsed)
        verdicts, notes, report_rows = _check_all(con, quarters, key)
        reports = {}
        for part in parsed:
            rows = parse_problem_rows(part.problems, part.as_at, key)
            rows += [row for row in report_rows if row["quarter_end"] == part.as_at]
            path = report_dir / f"{part.as_at.isoformat()}-problems.csv"
            frame = write_problem_report(rows, path)
            reports[part.as_at.isoformat()] = {
                "path": str(path),
                "errors": int((frame["severity"] == "error").sum()),
                "notes": int((frame["severity"] == "note").sum()),
            }
        sample = preview(
            con,
            "select quarter, as_at, count(*) as referrals, count(closure_date) as closed from landing.cin_referrals "
            "where list_contains(?, quarter) group by all order by all",
            [quarters],
        )
    parse_problems = sum(len(part.problems) for part in parsed)
    yield dg.MaterializeResult(
        metadata={
            "dagster/row_count": sum(landed.values()),
            "quarter_ends": dg.MetadataValue.json([quarter_end(quarter).isoformat() for quarter in quarters]),
            "rows_per_table": dg.MetadataValue.json(landed),
            "files": dg.MetadataValue.json({str(path): fact.sha256 for path, fact in facts.items()}),
            "problem_reports": dg.MetadataValue.json(reports),
            "preview": sample,
        },
        data_version=combined_version(fact.sha256 for fact in facts.values()),
        check_results=[
            _verdict(RULES_CHECK, verdicts, parse_problems, blocking=True, key=key),
            _verdict(NOTES_CHECK, notes, 0, blocking=False, key=key),
        ],
    )


def _notes_reported(report_dir: Path, quarters: list[str]) -> int:
    """Notes in the quarters' last problem reports (a missing report counts as none)."""
    total = 0
    for quarter in quarters:
        path = report_dir / f"{quarter_end(quarter).isoformat()}-problems.csv"
        if path.exists():
            total += int((pd.read_csv(path, usecols=["severity"])["severity"] == "note").sum())
    return total


def _parse_all(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    files: dict[str, list[Path]],
    facts: dict[Path, FileFacts],
    max_bytes: int,
    report_dir: Path,
    lea: str | None,
) -> list[Parsed]:
    """Read every file of every quarter, each logged in meta.loads; a file that cannot be read stops the run.

    Nothing is landed until every file has been read, so a bad file leaves landing as it was; its problem
    goes to the quarter's report as well as to the run's failure.
    """
    parsed, unreadable = [], []
    for quarter, paths in files.items():
        part = Parsed(quarter)
        for path in paths:
            load_id = start_load(con, SOURCE, path.name, facts[path], [quarter], run_id)
            try:
                for table, (frame, problems) in _read(path, max_bytes, lea).items():
                    part.add(table, frame, path.name, load_id)
                    part.problems.extend(problems)
            except FormatError as error:
                finish_load(con, load_id, "failed", message=str(error))
                unreadable.append((part, error))
                continue
            finish_load(con, load_id, "parsed", message=f"{len(part.problems)} unreadable values so far")
        for table in ("cin_referrals", "s903_header", "s903_episodes"):
            if table not in part.frames and not any(p is part for p, _ in unreadable):
                unreadable.append((part, FormatError(f"{part.as_at.isoformat()}/", f"no file with the {table} table")))
        parsed.append(part)
    if unreadable:
        for part in {id(part): part for part, _ in unreadable}.values():
            rows = [
                {
                    "severity": "error",
                    "file": error.file,
                    "line": error.line,
                    "field": error.column,
                    "child": None,
                    "problem": error.problem,
                    "value": None,
                    "quarter_end": part.as_at,
                }
                for other, error in unreadable
                if other is part
            ]
            write_problem_report(rows, report_dir / f"{part.as_at.isoformat()}-problems.csv")
        raise dg.Failure(
            description="; ".join(str(error) for _, error in unreadable),
            metadata={"problem_report_dir": str(report_dir)},
            allow_retries=False,
        )
    return parsed


def _land_all(con: duckdb.DuckDBPyConnection, parsed: list[Parsed]) -> dict[str, int]:
    """Replace each quarter in every landing table (an absent optional table empties that quarter)."""
    landed: dict[str, int] = {}
    tables = ["cin_children", "cin_referrals", "cin_assessments", "cin_plans", "cin_cpps", *S903_LANDING.values()]
    for part in parsed:
        for table in tables:
            frame = part.frames.get(table)
            if frame is None:
                con.execute(f"delete from landing.{table} where quarter = ?", [part.quarter])
                continue
            rows = land_frame(con, frame, table, "quarter", [part.quarter], part.load_ids[table])
            landed[table] = landed.get(table, 0) + rows
            con.execute(
                "update meta.loads set status = 'landed', rows_loaded = coalesce(rows_loaded, 0) + ? where load_id = ?",
                [rows, part.load_ids[table]],
            )
    return landed


def _check_all(
    con: duckdb.DuckDBPyConnection, quarters: list[str], key: bytes
) -> tuple[list[SuiteResult], list[SuiteResult], list[dict[str, object]]]:
    where = "list_contains(?, quarter)"
    errors, notes, rows = [], [], []
    for table, table_suites in suites().items():
        present = con.execute(f"select count(*) from landing.{table} where {where}", [quarters]).fetchall()[0][0]
        if not present:
            continue
        for severity, suite in table_suites.items():
            result = run_suite(con, suite, where, [quarters])
            (errors if severity == ERRORS else notes).append(result)
            if not result.passed:
                rows += problem_rows(con, suite, "error" if severity == ERRORS else "note", quarters, key)
    return errors, notes, rows


@dg.asset(
    key=["clean", "council_returns"],
    group_name=GROUP,
    partitions_def=council_quarters,
    backfill_policy=SINGLE_RUN,
    pool=WAREHOUSE_POOL,
    deps=[landing_council_returns],
    kinds={"duckdb"},
    description="The quarter's checked referrals, child protection plans and looked-after episodes with child "
    "ids replaced by a keyed hash and only the columns the indicators need (`clean.child_*`); never copied to "
    "the published snapshot.",
)
def clean_council_returns(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, council_returns: CouncilReturnsResource
) -> dg.MaterializeResult:
    """Publish the checked quarters to clean.child_* with pseudonymised child ids."""
    quarters = sorted(context.partition_keys)
    with warehouse.warehouse().connect() as con:
        counts = publish_quarters(con, quarters, council_returns.key())
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": sum(counts.values()),
            "rows_per_table": dg.MetadataValue.json(counts),
            "quarter_ends": dg.MetadataValue.json([quarter_end(quarter).isoformat() for quarter in quarters]),
        }
    )


@dg.asset(
    key=["marts", "council_return_indicators"],
    group_name=GROUP,
    partitions_def=council_quarters,
    backfill_policy=SINGLE_RUN,
    pool=WAREHOUSE_POOL,
    deps=[clean_council_returns, areas],
    kinds={"duckdb", "sql"},
    description="The council's quarterly rows of `marts.indicator_values` (variant `local_return`): CIN, CPP and "
    "CLA rates per 10,000 at the quarter end, and re-referrals, second or subsequent plans and adoptions over "
    "the 12 months to it, defined as DfE's annual figures (the March value is the annual one); counts of 1 to "
    "5 suppressed.",
)
def council_return_indicators(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    council: CouncilResource,
    council_returns: CouncilReturnsResource,
) -> dg.MaterializeResult:
    """Build each quarter end's indicator rows over the council's 0-17 population."""
    quarters = sorted(context.partition_keys)
    denominators = {}
    rows = 0
    with warehouse.warehouse().connect() as con:
        for quarter in quarters:
            population = population_0_17(
                con,
                council_returns.population_table,
                council.area_code,
                quarter_end(quarter),
                council_returns.population_0_17,
            )
            denominators[quarter_end(quarter).isoformat()] = {
                "population_0_17": population.value,
                "mid_year": population.year,
                "from": population.source,
            }
            rows += build_quarter_indicators(con, quarter, council.area_code, population)
        sample = preview(
            con,
            "select indicator_id, period_label, value, numerator, denominator, value_status "
            "from marts.indicator_values where source = ? and area_code = ? order by period_end desc, indicator_id",
            [SOURCE, council.area_code],
            limit=12,
        )
    if any(entry["mid_year"] is None for entry in denominators.values()):
        context.log.warning(
            f"no 0-17 population for {council.area_code} in {council_returns.population_table}: rates use the "
            f"configured COUNCIL_RETURNS_POPULATION_0_17 ({council_returns.population_0_17:,.0f})"
        )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "population": dg.MetadataValue.json(denominators),
            "preview": sample,
        }
    )


COUNCIL_RETURN_ASSETS = [landing_council_returns, clean_council_returns, council_return_indicators]
