"""Validate a partition of a landing table with a suite, and report what failed where.

The result lists, per broken rule, the count and up to 20 failing rows with their file line numbers
(`_source_row`), which is what an engineer needs to open the file at the right place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from checks.rules import Rule, Suite

EXAMPLES = 20
GX_ENGINE = "great_expectations"
SQL_ENGINE = "duckdb_sql"


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    failing_count: int
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.failing_count == 0


@dataclass(frozen=True)
class SuiteResult:
    suite: str
    engine: str
    rows: int
    results: list[RuleResult]

    @property
    def passed(self) -> bool:
        return self.rows > 0 and all(result.passed for result in self.results)

    @property
    def failures(self) -> list[RuleResult]:
        return [result for result in self.results if not result.passed]

    def summary(self) -> str:
        if self.rows == 0:
            return f"{self.suite}: no rows to check"
        if self.passed:
            return f"{self.suite}: {len(self.results)} rules passed on {self.rows:,} rows ({self.engine})"
        broken = "; ".join(
            f"{result.rule.description}: {result.failing_count:,} rows"
            + (f" (first at line {result.examples[0].get('_source_row')})" if result.examples else "")
            for result in self.failures
        )
        return f"{self.suite}: {len(self.failures)} of {len(self.results)} rules failed ({self.engine}): {broken}"


def run_suite(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    where: str,
    params: list[Any],
    gx_row_limit: int = 250_000,
) -> SuiteResult:
    """Validate the rows of `suite.table` selected by `where`; GX up to `gx_row_limit` rows, SQL above."""
    projection = ", ".join(f'{expression} as "{name}"' for name, expression in suite.select.items())
    # Landed tables carry the load each row came from: examples then name the file as well as the line.
    keys = ["_source_row", *(["_load_id"] if _has_column(con, suite.table, "_load_id") else [])]
    relation_sql = f"select {', '.join(keys)}, {projection} from {suite.table} where {where}"
    rows = con.execute(f"select count(*) from ({relation_sql})", params).fetchall()[0][0]
    if rows == 0:
        return SuiteResult(suite.name, SQL_ENGINE, 0, [])
    if rows <= gx_row_limit:
        frame = _gx_friendly(con.execute(relation_sql + " order by _source_row", params).df())
        return SuiteResult(suite.name, GX_ENGINE, rows, _run_gx(suite, frame, keys))
    return SuiteResult(suite.name, SQL_ENGINE, rows, _run_sql(con, suite, relation_sql, params, keys))


def _run_sql(
    con: duckdb.DuckDBPyConnection, suite: Suite, relation_sql: str, params: list[Any], keys: list[str]
) -> list[RuleResult]:
    """Every row-wise rule counted in one scan of the partition (a national STATS19 table is millions of rows;
    one scan per rule read it a dozen times); a rule over groups of rows (unique) in its own; examples only for
    a rule that failed."""
    row_wise = [position for position, rule in enumerate(suite.rules) if rule.kind != "unique"]
    counts = dict.fromkeys(range(len(suite.rules)), 0)
    if row_wise:
        tallies = ", ".join(f"count_if({suite.rules[position].failing_sql()})" for position in row_wise)
        tallied = con.execute(f"select {tallies} from ({relation_sql})", params).fetchone()
        counts.update(zip(row_wise, tallied, strict=True))
    results = []
    for position, rule in enumerate(suite.rules):
        columns = ", ".join(f'"{name}"' for name in rule.columns)
        failing = (
            f"select * exclude (_fails) from (select {', '.join(keys)}, {columns}, ({rule.failing_sql()}) as _fails "
            f"from ({relation_sql})) where _fails"
        )
        if rule.kind == "unique":
            counts[position] = con.execute(f"select count(*) from ({failing})", params).fetchall()[0][0]
        examples = []
        if counts[position]:
            frame = con.execute(f"{failing} order by _source_row limit {EXAMPLES}", params).df()
            examples = _records(frame)
        results.append(RuleResult(rule, counts[position], examples))
    return results


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    schema, name = table.split(".", 1)
    return bool(
        con.execute(
            "select count(*) from duckdb_columns() where schema_name = ? and table_name = ? and column_name = ?",
            [schema, name, column],
        ).fetchall()[0][0]
    )


def _run_gx(suite: Suite, frame: pd.DataFrame, keys: list[str]) -> list[RuleResult]:
    import great_expectations as gx  # about 3 s to import: only when a check actually runs
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas("landing")
        .add_dataframe_asset(name=suite.name)
        .add_batch_definition_whole_dataframe("partition")
    )
    expectations = []
    for position, rule in enumerate(suite.rules):
        expectation = rule.expectation()
        expectation.meta = {"rule": position}  # GX may report results in another order than the suite's
        expectations.append(expectation)
    # Given whole, not one by one: a suite already in the context re-serialises itself on every expectation added.
    expectation_suite = context.suites.add(gx.ExpectationSuite(name=suite.name, expectations=expectations))
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite.name, data=batch, suite=expectation_suite)
    )
    outcome = validation.run(
        batch_parameters={"dataframe": frame},
        result_format={
            "result_format": "COMPLETE",
            "unexpected_index_column_names": keys,
            "partial_unexpected_count": EXAMPLES,
        },
    )
    by_rule = {result.expectation_config.meta["rule"]: result for result in outcome.results}
    results = []
    for position, rule in enumerate(suite.rules):
        result = by_rule[position]
        problem = _raised(result.exception_info)
        if problem:
            raise RuntimeError(f"{suite.name}: GX could not evaluate '{rule.description}': {problem}")
        detail = result.result or {}
        count = 0 if result.success else int(detail.get("unexpected_count") or 0)
        examples = [_plain(record) for record in (detail.get("unexpected_index_list") or [])[:EXAMPLES]]
        if not result.success and count == 0:
            count = 1  # GX failed the rule without counting rows (e.g. an empty column): still a failure
        results.append(RuleResult(rule, count, sorted(examples, key=lambda r: r.get("_source_row") or 0)))
    return results


def _gx_friendly(frame: pd.DataFrame) -> pd.DataFrame:
    """GX 1.24 cannot evaluate pandas' nullable integer columns (pd.NA); floats with NaN it can."""
    nullable = [name for name, kind in frame.dtypes.items() if isinstance(kind, pd.api.extensions.ExtensionDtype)]
    numeric = [name for name in nullable if pd.api.types.is_numeric_dtype(frame[name].dtype)]
    return frame.astype(dict.fromkeys(numeric, "float64")) if numeric else frame


def _raised(info: dict | None) -> str | None:
    """GX reports an expectation it could not compute as a result, not an exception: find that message."""
    if not info:
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    nested = [value for value in info.values() if isinstance(value, dict) and value.get("raised_exception")]
    return str(nested[0].get("exception_message")) if nested else None


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [_plain(record) for record in frame.to_dict(orient="records")]


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    """JSON-friendly values for Dagster metadata (numpy scalars and timestamps become plain values)."""
    plain = {}
    for key, value in record.items():
        if hasattr(value, "item"):
            value = value.item()
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        if isinstance(value, float) and value != value:
            value = None
        plain[key] = value
    return plain
