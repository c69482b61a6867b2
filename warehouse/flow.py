"""The one landing flow every source goes through: unchanged? -> load log -> parse -> land -> checks -> publish.

It knows nothing of publishers, Dagster or Great Expectations: the caller hands it the fetched files (with a
function that parses each), the checks to run (functions returning a verdict) and, when publishing, how to
publish. So `warehouse/` imports neither `sources/` nor `checks/`, and every publisher, the council's own returns
included, lands the same way: each file logged in `meta.loads` (its failure too, with the reason), every table
of the delivery replaced in one transaction, nothing reaching `clean` unless every blocking check passed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import duckdb
import pandas as pd

from warehouse import builds
from warehouse.database import transaction
from warehouse.landing import Scan, land, land_frame
from warehouse.loads import FileFacts, finish_load, record_unchanged, start_load, unchanged_since_published


class Verdict(Protocol):
    """What a check returns (checks.runner.SuiteResult has this shape)."""

    @property
    def passed(self) -> bool: ...


@dataclass
class Parsed:
    """What one file holds: a frame or a DuckDB scan per landing table, and values the parser could not read."""

    tables: dict[str, pd.DataFrame | Scan]
    problems: list[Any] = field(default_factory=list)
    rows_in_file: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class Delivery:
    """One fetched file and the partitions of the landing tables it replaces."""

    facts: FileFacts
    dataset: str  # the load log's data set name for this file
    partitions: list[Any]
    read: Callable[[], Parsed]

    @property
    def name(self) -> str:
        """The file's name as its publisher gave it (the last part of its URL)."""
        return self.facts.url.rstrip("/").rsplit("/", 1)[-1]


# Checks across a whole delivery once every file is read: (the file, or None for the delivery, and the problem).
Validator = Callable[[list[tuple["Delivery", "Parsed"]]], list[tuple["Delivery | None", Exception]]]


@dataclass(frozen=True)
class Check:
    name: str
    blocking: bool
    run: Callable[[duckdb.DuckDBPyConnection, list[Any]], Verdict]


@dataclass(frozen=True)
class Target:
    """Where a catalogue data set lands: its load-log source, its landing tables and their partition column."""

    source: str
    tables: tuple[str, ...]
    partition_column: str


@dataclass
class Outcome:
    changed: bool
    partitions: list[Any]
    rows_loaded: int = 0
    files: dict[str, str] = field(default_factory=dict)  # load id -> file name, for failing examples
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    blocking: set[str] = field(default_factory=set)
    problems: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Every blocking check passed (and the parser read every value)."""
        blocking = [verdict for name, verdict in self.verdicts.items() if name in self.blocking]
        return all(verdict.passed for verdict in blocking) and not self.problems


def is_unchanged(con: duckdb.DuckDBPyConnection, target: Target, deliveries: Sequence[Delivery]) -> bool:
    """Every file is the very file already published for its partitions."""
    return bool(deliveries) and all(
        unchanged_since_published(
            con, target.source, delivery.dataset, delivery.facts.sha256, [str(p) for p in delivery.partitions]
        )
        for delivery in deliveries
    )


class DeliveryError(ValueError):
    """Files of a delivery that could not be read; each failure names its file (and line and column where known).

    The first failure's place is kept on the error for the UI; `failures` holds every one.
    """

    def __init__(self, failures: list[tuple[Delivery | None, Exception]]) -> None:
        super().__init__("; ".join(_described(delivery, error) for delivery, error in failures))
        self.failures = failures
        first = failures[0][1]
        self.file = getattr(first, "file", None)
        self.line = getattr(first, "line", None)
        self.column = getattr(first, "column", None)


def _described(delivery: Delivery | None, error: Exception) -> str:
    """The error, and where the file came from when the error names only its copy in the raw store."""
    text = str(error)
    if delivery is None or delivery.facts.url in text or delivery.facts.status == "dropped":
        return text
    return f"{text} (from {delivery.facts.url})"


def land_deliveries(
    con: duckdb.DuckDBPyConnection,
    target: Target,
    deliveries: Sequence[Delivery],
    checks: Sequence[Check],
    run_id: str | None,
    force: bool = False,
    validate: Validator | None = None,
) -> Outcome:
    """Land the delivered files and run the checks; an unchanged delivery is only logged.

    Every file is read first, and nothing is landed unless every file could be read (each failure is logged
    with its reason, and all are reported together). Then every table is replaced in one transaction, so a
    file that fails while landing leaves every landing table as it was. Checks run on the landed partitions.
    """
    if not deliveries:  # nothing was delivered (an empty drop folder): nothing to land, check or publish
        return Outcome(changed=False, partitions=[])
    partitions = sorted({partition for delivery in deliveries for partition in delivery.partitions}, key=str)
    if not force and is_unchanged(con, target, deliveries):
        for delivery in deliveries:
            record_unchanged(con, target.source, delivery.dataset, delivery.facts, _keys(delivery), run_id)
        return Outcome(changed=False, partitions=partitions)
    started = [
        (delivery, start_load(con, target.source, delivery.dataset, delivery.facts, _keys(delivery), run_id))
        for delivery in deliveries
    ]
    parsed, failures = _read_all(started)
    if not failures and validate is not None:
        failures = validate([(delivery, content) for delivery, _, content in parsed])
    if failures:
        failed = {id(delivery) for delivery, _ in failures}
        for delivery, load_id in started:
            if id(delivery) in failed:
                message = "; ".join(str(error) for other, error in failures if other is delivery)
            else:
                message = "not landed: another file of the delivery could not be read"
            finish_load(con, load_id, "failed", message=message[:2000])
        raise DeliveryError(failures)
    outcome = Outcome(changed=True, partitions=partitions)
    landed = _land_all(con, target, parsed, outcome)
    for load_id, in_file, rows in landed:
        finish_load(con, load_id, "landed", in_file, rows)
    for check in checks:
        outcome.verdicts[check.name] = check.run(con, partitions)
        if check.blocking:
            outcome.blocking.add(check.name)
    return outcome


def _read_all(
    started: list[tuple[Delivery, str]],
) -> tuple[list[tuple[Delivery, str, Parsed]], list[tuple[Delivery | None, Exception]]]:
    parsed, failures = [], []
    for delivery, load_id in started:
        try:
            parsed.append((delivery, load_id, delivery.read()))
        except (ValueError, OSError) as error:
            failures.append((delivery, error))
    return parsed, failures


def _land_all(
    con: duckdb.DuckDBPyConnection, target: Target, parsed: list[tuple[Delivery, str, Parsed]], outcome: Outcome
) -> list[tuple[str, int, int]]:
    """Every parsed table into landing, in one transaction; a failure logs the file that failed and rolls back."""
    landed: list[tuple[str, int, int]] = []
    current = None
    try:
        with transaction(con):
            filled: set[str] = set()
            for delivery, load_id, content in parsed:
                current = load_id
                rows, in_file = 0, 0
                for table, data in content.tables.items():
                    if isinstance(data, pd.DataFrame):
                        rows += land_frame(con, data, table, target.partition_column, delivery.partitions, load_id)
                        in_file += len(data)
                    else:
                        scanned = land(con, data, table, target.partition_column, delivery.partitions, load_id)
                        rows += scanned.rows_loaded
                        in_file += scanned.rows_in_file
                    filled.add(table)
                landed.append((load_id, content.rows_in_file if content.rows_in_file is not None else in_file, rows))
                outcome.rows_loaded += rows
                outcome.problems.extend(content.problems)
                outcome.files[load_id] = delivery.name
                if content.detail:
                    outcome.notes.append(content.detail)
            # A table of the target that no file fills is emptied for the delivered partitions (a quarter's
            # optional table taken out of the drop folder must not keep the rows of the file that was there).
            for table in set(target.tables) - filled:
                if _exists(con, f"landing.{table}"):
                    con.execute(
                        f"delete from landing.{table} where list_contains(?, {target.partition_column})",
                        [outcome.partitions],
                    )
            current = None
    except BaseException as error:
        for _, load_id, _ in parsed:
            reason = str(error) if load_id == current else f"not landed: another file failed ({error})"
            finish_load(con, load_id, "failed", message=reason[:2000])
        raise
    return landed


def publish(
    con: duckdb.DuckDBPyConnection,
    target: Target,
    clean_target: str,
    publish_rows: Callable[[duckdb.DuckDBPyConnection], int],
    run_id: str | None,
) -> int:
    """Move checked rows to `clean` and record the clean target's new fingerprint, in one transaction."""
    with transaction(con):
        rows = publish_rows(con)
        builds.record(
            con, clean_target, published_fingerprint(con, target), f"published loads of {target.source}", run_id
        )
    return rows


def published_fingerprint(con: duckdb.DuckDBPyConnection, target: Target) -> str:
    """A clean data set's fingerprint: the loads that ever reached clean for it (a new one changes it)."""
    loads = con.execute(
        "select coalesce(string_agg(load_id, ',' order by load_id), '') from meta.loads "
        "where source = ? and status = 'published'",
        [target.source],
    ).fetchall()[0][0]
    return builds.digest(f"{target.source}:{loads}")


def _keys(delivery: Delivery) -> list[str]:
    return [str(partition) for partition in delivery.partitions]


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where schema_name || '.' || table_name = ?", [table]
        ).fetchall()[0][0]
    )
