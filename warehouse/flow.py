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
    """Where a catalogue data set lands: its load-log source, its landing tables and their partition column.

    `coverage` names the columns that say what a delivery covers (periods, areas, measures) in its first table;
    a delivery that lacks something the last published one had for the same partitions is held back.
    """

    source: str
    tables: tuple[str, ...]
    partition_column: str
    coverage: tuple[str, ...] = ()


@dataclass(frozen=True)
class Completeness:
    """Whether a delivery still covers everything the published rows of its partitions cover."""

    missing: int
    message: str
    accepted: bool = False

    @property
    def passed(self) -> bool:
        return self.missing == 0 or self.accepted


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


def unchanged_files(con: duckdb.DuckDBPyConnection, target: Target, deliveries: Sequence[Delivery]) -> list[Delivery]:
    """The files that need not be landed again: each is the very file already published for its partitions, and
    no file that shares a partition with it changed (a partition is replaced whole, from all its files).

    So a revised 2025 file re-lands 2025 alone, not the 1979-latest file that serves the other years; a changed
    file of a council's quarter re-lands that quarter's every file.
    """
    changed = {
        id(delivery)
        for delivery in deliveries
        if not unchanged_since_published(con, target.source, delivery.dataset, delivery.facts.sha256, _keys(delivery))
    }
    touched = {key for delivery in deliveries if id(delivery) in changed for key in _keys(delivery)}
    return [
        delivery for delivery in deliveries if id(delivery) not in changed and not touched.intersection(_keys(delivery))
    ]


def _partitions(deliveries: Sequence[Delivery]) -> list[Any]:
    return sorted({partition for delivery in deliveries for partition in delivery.partitions}, key=str)


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
    accept_withdrawn: bool = False,
) -> Outcome:
    """Land the delivered files and run the checks; an unchanged delivery is only logged.

    Every file is read first, and nothing is landed unless every file could be read (each failure is logged
    with its reason, and all are reported together). Then every table is replaced in one transaction, so a
    file that fails while landing leaves every landing table as it was. Checks run on the landed partitions,
    the first of them (blocking) that nothing published has disappeared, unless `accept_withdrawn` says the
    publisher withdrew it.
    """
    # An empty delivery (an empty drop folder) is unchanged: nothing to land, check or publish.
    kept = [] if force else unchanged_files(con, target, deliveries)
    for delivery in kept:
        record_unchanged(con, target.source, delivery.dataset, delivery.facts, _keys(delivery), run_id)
    if len(kept) == len(deliveries):
        return Outcome(changed=False, partitions=_partitions(deliveries))
    unchanged = {id(delivery) for delivery in kept}
    deliveries = [delivery for delivery in deliveries if id(delivery) not in unchanged]
    partitions = _partitions(deliveries)
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
    if target.coverage:
        name = f"{target.source}_complete"
        outcome.verdicts[name] = completeness(con, target, partitions, accept_withdrawn)
        outcome.blocking.add(name)
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


def completeness(
    con: duckdb.DuckDBPyConnection, target: Target, partitions: list[Any], accept_withdrawn: bool
) -> Completeness:
    """What the published rows of these partitions cover that the newly landed rows do not.

    A year, period, area or measure that vanishes between deliveries is either the publisher's withdrawal
    (its revision notes say so) or a file cut short at a line boundary, which every other check passes; only a
    person can tell, so the delivery is held back until they say it was withdrawn.
    """
    table, columns = target.tables[0], ", ".join((*target.coverage, target.partition_column))
    if not _exists(con, f"clean.{table}"):
        return Completeness(0, "nothing published yet to compare with")
    where = f"list_contains($partitions, {target.partition_column})"
    missing = con.execute(
        f"select {columns} from clean.{table} where {where} except select {columns} from landing.{table} "
        f"where {where} order by all",
        {"partitions": partitions},
    ).fetchall()
    if not missing:
        return Completeness(0, f"every {', '.join(target.coverage)} published before is still delivered")
    first, others = target.coverage[0], ", ".join(target.coverage[1:])
    by_first: dict[Any, list[tuple[Any, ...]]] = {}
    for row in missing:
        by_first.setdefault(row[0], []).append(row[1:])
    parts = []
    for value, rest in list(by_first.items())[:5]:
        where_found = ", ".join(sorted({str(row[-1]) for row in rest}))
        shown = ", ".join(" ".join(str(v) for v in row[:-1]) for row in rest[:3] if row[:-1])
        more = f" and {len(rest) - 3} more" if len(rest) > 3 else ""
        detail = f"{len(rest)} of {others}: {shown}{more}; " if shown else ""
        parts.append(f"{first} {value} ({detail}in {target.partition_column} {where_found})")
    if len(by_first) > 5:
        parts.append(f"and {len(by_first) - 5} more {first} values")
    verb = "accepted as withdrawn (SAFE_OUTCOMES_ACCEPT_WITHDRAWN)" if accept_withdrawn else "held back"
    message = f"{target.source}: the new delivery lacks what the published one had, {'; '.join(parts)}; {verb}. " + (
        ""
        if accept_withdrawn
        else "If the publisher's revision notes say these were withdrawn, run once with "
        f"SAFE_OUTCOMES_ACCEPT_WITHDRAWN={target.source}; otherwise the file was probably cut short: fetch it again"
    )
    return Completeness(len(missing), message, accepted=accept_withdrawn)


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
