"""Data rules written once and run by either engine: Great Expectations on a frame, or DuckDB SQL on a table.

A rule is data: its kind, its column and its arguments. `expectation()` gives the GX expectation and
`failing_sql()` the predicate that selects the rows breaking the same rule, so the two engines cannot
drift apart. GX on pandas costs about 5 s per million rows; national-scale partitions run the SQL form
(perf-notes section 4), and the check's metadata says which engine ran.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Rule:
    """One expectation about one column (or a set of columns, for uniqueness)."""

    kind: str
    column: str
    description: str
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return list(self.args.get("columns") or [self.column, *([self.args["other"]] if "other" in self.args else [])])

    def expectation(self) -> Any:
        """The Great Expectations 1.x expectation for this rule."""
        import great_expectations.expectations as gxe

        if self.kind == "not_null":
            return gxe.ExpectColumnValuesToNotBeNull(column=self.column)
        if self.kind == "in_set":
            return gxe.ExpectColumnValuesToBeInSet(column=self.column, value_set=list(self.args["values"]))
        if self.kind == "between":
            return gxe.ExpectColumnValuesToBeBetween(
                column=self.column, min_value=self.args["min"], max_value=self.args["max"]
            )
        if self.kind == "regex":
            return gxe.ExpectColumnValuesToMatchRegex(column=self.column, regex=self.args["pattern"])
        if self.kind == "unique" and len(self.args["columns"]) == 1:
            return gxe.ExpectColumnValuesToBeUnique(column=self.column)
        if self.kind == "unique":
            return gxe.ExpectCompoundColumnsToBeUnique(column_list=list(self.args["columns"]))
        if self.kind == "equal":
            return gxe.ExpectColumnPairValuesToBeEqual(column_A=self.column, column_B=self.args["other"])
        raise ValueError(f"unknown rule kind {self.kind!r}")

    def failing_sql(self) -> str:
        """A DuckDB predicate true for the rows that break the rule, with GX's treatment of nulls: they pass a
        column rule (except not_null) and fail a pair rule unless both sides are null."""
        column = _quote(self.column)
        if self.kind == "not_null":
            return f"{column} is null"
        if self.kind == "in_set":
            values = ", ".join(_literal(value) for value in self.args["values"])
            return f"{column} is not null and {column} not in ({values})"
        if self.kind == "between":
            return f"({column} < {_literal(self.args['min'])} or {column} > {_literal(self.args['max'])})"
        if self.kind == "regex":
            return f"not regexp_full_match({column}, {_literal(self.args['pattern'])})"
        if self.kind == "unique":
            keys = ", ".join(_quote(name) for name in self.args["columns"])
            return f"count(*) over (partition by {keys}) > 1"
        if self.kind == "equal":
            return f"{column} is distinct from {_quote(self.args['other'])}"
        raise ValueError(f"unknown rule kind {self.kind!r}")


def not_null(column: str) -> Rule:
    return Rule("not_null", column, f"{column} is present")


def in_set(column: str, values: Sequence[Any], what: str = "its code list") -> Rule:
    return Rule("in_set", column, f"{column} is in {what}", {"values": tuple(values)})


def between(column: str, minimum: Any, maximum: Any) -> Rule:
    return Rule("between", column, f"{column} is between {minimum} and {maximum}", {"min": minimum, "max": maximum})


def matches(column: str, pattern: str, what: str) -> Rule:
    return Rule("regex", column, f"{column} is {what}", {"pattern": pattern})


def unique(*columns: str) -> Rule:
    return Rule("unique", columns[0], f"({', '.join(columns)}) is unique", {"columns": tuple(columns)})


def equal(column: str, other: str, what: str) -> Rule:
    return Rule("equal", column, what, {"other": other})


@dataclass(frozen=True)
class Suite:
    """The rules for one dataset, over a SQL projection of its landing table.

    `select` maps the names the rules use to SQL expressions over the table, so a rule can test a derived
    value (the year of a date, the English part of a code list) the same way in both engines.
    """

    name: str
    table: str
    select: dict[str, str]
    rules: tuple[Rule, ...]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)
