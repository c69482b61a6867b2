"""The council's quarterly returns in the warehouse: landing, pseudonymised publication, indicators, problem report.

Privacy is layered. Child-level rows with the council's own child ids stay in `landing`, and only for the
retention setting's days after their load (`expire_landing`); the warehouse is the owner's only. Publication to
`clean.child_*` keeps only the columns the indicators need and replaces each child id with a keyed hash
(HMAC-SHA256 with a key that never enters the warehouse), so the same child links across tables and quarters
without being identifiable from the warehouse alone. `clean.child_*` tables are never copied to the
published snapshot (`warehouse.publish.CHILD_LEVEL_PREFIX`). Marts hold only counts and rates, with counts of
1 to 5 suppressed as DfE does ('c'), and the data officer's problem report names children by their hash,
never quotes a personal value, and is safe to open in a spreadsheet.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd

from warehouse.database import transaction
from warehouse.indicator_values import replace_rows
from warehouse.loads import mark_published
from warehouse.private import tighten, write_private

SOURCE = "council_returns"
VARIANT = "local_return"
# clean table -> (landing table, child id column, the columns the indicators need)
CLEAN_TABLES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "child_cin_referrals": ("cin_referrals", "la_child_id", ("referral_date", "closure_date", "referral_nfa")),
    "child_cpps": ("cin_cpps", "la_child_id", ("cpp_start", "cpp_end", "number_of_previous_cpp")),
    "child_cla_episodes": ("s903_episodes", "child", ("decom", "dec", "ls", "rec")),
}


def quarter_end(partition_key: str) -> date:
    """The quarter end a partition stands for: key '2025-01-01' (January to March) is the extract as at 31 March."""
    start = date.fromisoformat(partition_key)
    following = date(start.year + (start.month + 3 > 12), (start.month + 2) % 12 + 1, 1)
    return following - timedelta(days=1)


def partition_key(as_at: date) -> str | None:
    """The partition for an extract taken on `as_at`, or None when `as_at` is not a quarter end."""
    following = as_at + timedelta(days=1)
    if following.day != 1 or following.month not in (1, 4, 7, 10):
        return None
    month = following.month - 3
    return date(following.year - (month < 1), month % 12 or 12, 1).isoformat()


def dfe_la_code(con: duckdb.DuckDBPyConnection, area_code: str) -> str | None:
    """The council's DfE 3-digit LA code (the LEA its returns carry), from `marts.areas`."""
    rows = con.execute("select dfe_la_code from marts.areas where area_code = ?", [area_code]).fetchall()
    return str(rows[0][0]) if rows and rows[0][0] is not None else None


def last_run_files(con: duckdb.DuckDBPyConnection, quarter: str) -> set[str]:
    """The file names the quarter's latest run loaded: a file taken out of the folder since makes a change."""
    rows = con.execute(
        "select dataset from meta.loads where source = ? and partitions = ? and run_id = "
        "(select arg_max(run_id, started_at) from meta.loads where source = ? and partitions = ?)",
        [SOURCE, quarter, SOURCE, quarter],
    ).fetchall()
    return {row[0] for row in rows}


KEY_SETTING = "COUNCIL_RETURNS_PSEUDONYM_KEY"
KEY_MIN_BYTES = 32
KEY_RECIPE = 'python -c "import secrets; print(secrets.token_hex(32))"'


class PseudonymKeyError(ValueError):
    """The pseudonymisation key cannot be used: the message names the setting or the file and what to do.

    It never holds the key: a key in a message would be in the console, Dagster's event log and compute logs.
    """


def pseudonym_key(secret: str, key_file: Path) -> bytes:
    """The pseudonymisation key: `secret` when given, else one generated once into `key_file` (owner-only).

    The key never enters the warehouse, so the warehouse alone cannot turn a pseudonym back into a child. A key
    shorter than 32 bytes is refused, from the setting or the file: HMAC with a short (or empty) key lets anyone
    who guesses it turn every pseudonym back into a child id by hashing the council's ids.
    """
    if secret:
        if len(secret.encode()) < KEY_MIN_BYTES:
            raise PseudonymKeyError(
                f"{KEY_SETTING} is shorter than {KEY_MIN_BYTES} bytes, so anyone who guesses it could turn the "
                f"pseudonyms back into child ids. Set it to a random secret of {KEY_MIN_BYTES} bytes or more "
                f"(e.g. the output of {KEY_RECIPE}), or unset it to use the key generated in the key file "
                "(COUNCIL_RETURNS_KEY_FILE)."
            )
        return secret.encode()
    if not key_file.exists():
        # Written whole or not at all, and never over a key another run generated meanwhile.
        write_private(key_file, secrets.token_hex(32).encode(), replace=False)
    tighten(key_file)
    key = key_file.read_text().strip().encode()
    if len(key) < KEY_MIN_BYTES:
        state = "is empty" if not key else f"holds fewer than {KEY_MIN_BYTES} bytes"
        raise PseudonymKeyError(
            f"the pseudonymisation key file {key_file} {state} (a disk that was full when it was written leaves "
            "it so), and a short key would let anyone turn the pseudonyms back into child ids. Put back the key "
            "from your copy of it; or, if none was kept, delete the file (a new key is generated on the next run) "
            f"and re-run every quarter, so that all pseudonyms use the new key; or set {KEY_SETTING} to a random "
            f"secret of {KEY_MIN_BYTES} bytes or more (e.g. the output of {KEY_RECIPE})."
        )
    return key


def pseudonym(key: bytes, child_id: str | None) -> str | None:
    """A child's stable pseudonym: HMAC-SHA256 of the council's child id under the secret key, 20 hex digits."""
    if child_id is None or not str(child_id).strip():
        return None
    return hmac.new(key, str(child_id).strip().encode(), hashlib.sha256).hexdigest()[:20]


def publish_quarters(con: duckdb.DuckDBPyConnection, quarters: list[str], key: bytes) -> dict[str, int]:
    """Replace `quarters` of every `clean.child_*` table with pseudonymised rows, in one transaction."""
    ids: set[str] = set()
    for landing, child_column, _ in CLEAN_TABLES.values():
        rows = con.execute(
            f"select distinct {child_column} from landing.{landing} where list_contains(?, quarter)", [quarters]
        ).fetchall()
        ids.update(row[0] for row in rows if row[0] is not None)
    mapping = pd.DataFrame({"child_id": sorted(ids), "child": [pseudonym(key, value) for value in sorted(ids)]})
    con.register("child_pseudonyms", mapping)
    counts = {}
    try:
        with transaction(con):
            for clean, (landing, child_column, columns) in CLEAN_TABLES.items():
                con.execute(f"delete from clean.{clean} where list_contains(?, quarter)", [quarters])
                selected = ", ".join(f"l.{column}" for column in columns)
                con.execute(
                    f"insert into clean.{clean} by name select l.quarter, l.as_at, p.child, {selected}, l._load_id "
                    f"from landing.{landing} l join child_pseudonyms p on p.child_id = l.{child_column} "
                    "where list_contains(?, l.quarter)",
                    [quarters],
                )
                counts[clean] = con.execute(
                    f"select count(*) from clean.{clean} where list_contains(?, quarter)", [quarters]
                ).fetchall()[0][0]
            load_ids = con.execute(
                "select list(load_id) from meta.loads where source = ? and status = 'landed' "
                "and list_contains(?, partitions)",
                [SOURCE, quarters],
            ).fetchall()[0][0]
            mark_published(con, [load_id for load_id in load_ids or [] if load_id])
    finally:
        con.unregister("child_pseudonyms")
    return counts


def expire_landing(con: duckdb.DuckDBPyConnection, tables: Sequence[str], retention_days: int) -> int:
    """Delete the rows of the council's landing `tables` whose load finished more than `retention_days` ago.

    Landing holds the council's child ids, birth dates and postcodes; once a quarter is published, `clean` keeps
    what the indicators need, pseudonymised, and the drop folder keeps the files (a re-run lands them again).
    Returns the number of rows deleted; `meta.loads` keeps its record of each load.
    """
    if retention_days < 1:
        raise ValueError(f"the landing retention must be 1 day or more, not {retention_days}")
    deleted = 0
    with transaction(con):
        for table in tables:
            deleted += con.execute(
                f"delete from landing.{table} where _load_id in (select load_id from meta.loads "
                "where source = ? and coalesce(finished_at, started_at) < cast(now() as timestamp) - to_days(?))",
                [SOURCE, retention_days],
            ).fetchall()[0][0]
    return deleted


@dataclass(frozen=True)
class Population:
    """The 0-17 denominator for a quarter and where it came from (the ONS table, or the configured figure)."""

    value: float
    year: int | None
    source: str


def population_0_17(
    con: duckdb.DuckDBPyConnection, table: str, area_code: str, as_at: date, configured: float
) -> Population:
    """ONS mid-year 0-17 estimate for the council, as DfE uses it; the configured figure when there is none.

    DfE divides a year to 31 March by the mid-year estimate of the previous calendar year (mid-2024 for
    2024-25). For any quarter end this is the latest mid-year on or before it, and the latest published
    year when that one is not out yet. `table` (a table or view) needs columns area_code, year, population.
    """
    schema, name = table.split(".", 1)
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, name]
    ).fetchall()[0][0]
    if exists:
        wanted = as_at.year if as_at.month >= 7 else as_at.year - 1
        rows = con.execute(
            f"select year, population from {table} where area_code = ? and population is not null "
            "order by (year <= ?) desc, case when year <= ? then -year else year end limit 1",
            [area_code, wanted, wanted],
        ).fetchall()
        if rows:
            return Population(float(rows[0][1]), int(rows[0][0]), table)
    return Population(float(configured), None, "configured (COUNCIL_RETURNS_POPULATION_0_17)")


def build_quarter_indicators(
    con: duckdb.DuckDBPyConnection, quarter: str, area_code: str, population: Population
) -> int:
    """Swap the council's quarterly indicator rows for one quarter end in `marts.indicator_values`."""
    as_at = quarter_end(quarter)
    sql = (resources.files("warehouse") / "sql" / "council_return_indicators.sql").read_text()
    with transaction(con):
        con.execute("set variable quarter = ?", [quarter])
        con.execute("set variable as_at = ?", [as_at])
        con.execute("set variable population = ?", [population.value])
        con.execute(sql)
        rows = replace_rows(
            con,
            SOURCE,
            "select m.indicator_id, ? as area_code, a.area_name, 'council' as area_type, m.period_type, "
            "m.period_label, m.period_start, m.period_end, ? as variant, m.value, m.numerator, m.denominator, "
            "m.value_status, m.status_token, m.load_id "
            "from council_return_indicator_rows m left join marts.areas a on a.area_code = ?",
            [area_code, VARIANT, area_code],
            where="area_code = ? and period_end = ?",
            where_params=[area_code, as_at],
        )
    return rows
