"""The data officer's problem report for each quarter of the council's returns: every unreadable value, every row
that breaks a rule (errors) or deserves a look (notes), by file and line, children named by their pseudonym.

It never quotes a personal value (ids, birth dates, postcodes: `PERSONAL_COLUMNS`), and a cell that a spreadsheet
would take for a formula is neutralised as OWASP recommends, because the data officer opens it in Excel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pandas as pd

from warehouse.council_returns import pseudonym, quarter_end
from warehouse.private import write_private

REPORT_COLUMNS = ["severity", "file", "line", "field", "child", "problem", "value", "quarter_end"]
# Landing columns whose values are personal: a rule may name them in the problem report, never quote them.
PERSONAL_COLUMNS = frozenset(
    {"la_child_id", "child", "upn", "former_upn", "birth_date", "dob", "mc_dob", "home_post", "pl_post"}
)


class Rule(Protocol):
    """What the problem report needs of a check rule (`checks.rules.Rule`)."""

    @property
    def description(self) -> str: ...
    @property
    def args(self) -> Mapping[str, Any]: ...
    @property
    def columns(self) -> list[str]: ...
    def failing_sql(self) -> str: ...


class Suite(Protocol):
    """What the problem report needs of a check suite (`checks.rules.Suite`): the table, its derived columns
    and the rules."""

    @property
    def table(self) -> str: ...
    @property
    def select(self) -> Mapping[str, str]: ...
    @property
    def rules(self) -> Sequence[Rule]: ...


class RowProblem(Protocol):
    """A value the parser could not read (`sources.council_returns.RowProblem`)."""

    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def field(self) -> str: ...
    @property
    def child(self) -> str | None: ...
    @property
    def problem(self) -> str: ...
    @property
    def value(self) -> str | None: ...


def problem_rows(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    severity: str,
    quarters: list[str],
    key: bytes,
) -> list[dict[str, object]]:
    """Every row that breaks a rule of `suite` (not only the first 20 the check shows), for the report."""
    projection = ", ".join(f'{expression} as "{name}"' for name, expression in suite.select.items())
    relation = f"select _source_row, as_at, {projection} from {suite.table} where list_contains(?, quarter)"
    found = []
    for rule in suite.rules:
        shown = rule.args.get("shows") or [column for column in rule.columns if column != "quarter"]
        # The council's child id never goes into the report: the `child` column carries its pseudonym.
        values = (
            " || ', ' || ".join(
                f"'{column}=' || "
                + (
                    f"case when \"{column}\" is null then 'blank' else '(left out: personal)' end"
                    if column in PERSONAL_COLUMNS
                    else f"coalesce(cast(\"{column}\" as varchar), 'blank')"
                )
                for column in shown
                if column != "child"
            )
            or "null"
        )
        rows = con.execute(
            f"select _source_file, _source_row, child, {values}, as_at from "
            f"(select *, ({rule.failing_sql()}) as _fails from ({relation})) where _fails order by _source_row",
            [quarters],
        ).fetchall()
        for file, line, child, value, as_at in rows:
            found.append(
                {
                    "severity": severity,
                    "file": file,
                    "line": line,
                    "field": shown[0],
                    "child": pseudonym(key, child),
                    "problem": rule.description,
                    "value": value,
                    "quarter_end": as_at,
                }
            )
    return found


def parse_problem_rows(problems: Sequence[RowProblem], as_at: date, key: bytes) -> list[dict[str, object]]:
    """Values the parser could not read, in the report's form (they block, like rule errors)."""
    return [
        {
            "severity": "error",
            "file": problem.file,
            "line": problem.line,
            "field": problem.field,
            "child": pseudonym(key, problem.child),
            "problem": problem.problem,
            "value": problem.value,
            "quarter_end": as_at,
        }
        for problem in problems
    ]


def write_problem_report(rows: list[dict[str, object]], path: Path) -> pd.DataFrame:
    """The data officer's report: one line per problem, errors first, then by file and line.

    The officer opens it in Excel, and its values come from the council's files: a text cell that a spreadsheet
    would take for a formula is written with a leading single quote (`spreadsheet_text`). The file (0600) and a
    folder this creates (0700) are the owner's only; it is written whole or not at all.
    """
    frame = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    if not frame.empty:
        frame = frame.sort_values(["severity", "file", "line", "field"], key=_errors_first).reset_index(drop=True)
    # It names children by pseudonym and quotes their records' values: the owner's only, like the warehouse.
    write_private(path, frame.map(spreadsheet_text).to_csv(index=False).encode())
    return frame


# What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection"): =, +, -, @, tab, carriage return.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: object) -> object:
    """A text cell for a CSV that people open in a spreadsheet: one that would start a formula (`=HYPERLINK(...)`,
    `+cmd|...`, `@SUM(...)`) gets a leading single quote, as OWASP recommends, so it shows as the text it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _errors_first(column: pd.Series) -> pd.Series:
    return column.map({"error": 0, "note": 1}) if column.name == "severity" else column


def report_path(folder: Path, quarter: str) -> Path:
    """The data officer's problem report for a quarter: `<quarter end>-problems.csv`."""
    return folder / f"{quarter_end(quarter).isoformat()}-problems.csv"


def write_quarter_reports(
    con: duckdb.DuckDBPyConnection,
    quarters: list[str],
    suites: Mapping[str, Sequence[Suite]],
    problems: Sequence[tuple[str, RowProblem]],
    key: bytes,
    folder: Path,
) -> dict[str, dict[str, object]]:
    """Each quarter's report: unreadable values, then every row breaking a rule (`suites` by severity label)."""
    rows = []
    for severity, severity_suites in suites.items():
        for suite in severity_suites:
            present = con.execute(
                f"select count(*) from {suite.table} where list_contains(?, quarter)", [quarters]
            ).fetchall()[0][0]
            if present:
                rows += problem_rows(con, suite, severity, quarters, key)
    reports: dict[str, dict[str, object]] = {}
    for quarter in quarters:
        as_at = quarter_end(quarter)
        unreadable = [problem for at, problem in problems if at == quarter]
        frame = write_problem_report(
            parse_problem_rows(unreadable, as_at, key) + [row for row in rows if row["quarter_end"] == as_at],
            report_path(folder, quarter),
        )
        reports[as_at.isoformat()] = {
            "path": str(report_path(folder, quarter)),
            "errors": int((frame["severity"] == "error").sum()),
            "notes": int((frame["severity"] == "note").sum()),
        }
    return reports


def write_failure_reports(failures: Sequence[tuple[str | None, Exception]], quarters: list[str], folder: Path) -> None:
    """Files that could not be read, in their quarter's report (`failures`: the quarter, or None for any)."""
    for quarter in quarters:
        rows: list[dict[str, object]] = [
            {
                "severity": "error",
                "file": getattr(error, "file", None),
                "line": getattr(error, "line", None),
                "field": getattr(error, "column", None),
                "child": None,
                "problem": getattr(error, "problem", str(error)),
                "value": None,
                "quarter_end": quarter_end(quarter),
            }
            for at, error in failures
            if at in (None, quarter)
        ]
        if rows:
            write_problem_report(rows, report_path(folder, quarter))


def notes_reported(folder: Path, quarters: list[str]) -> int:
    """Notes in the quarters' last problem reports (a missing report counts as none)."""
    total = 0
    for quarter in quarters:
        path = report_path(folder, quarter)
        if path.exists():
            total += int((pd.read_csv(path, usecols=["severity"])["severity"] == "note").sum())
    return total
