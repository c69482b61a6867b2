"""The build ledger (`meta.builds`): each derived target remembers the fingerprint of what it was built from.

Dagster skips every step downstream of a step that yields no output, so a source that did not change cannot
simply stay silent: one skipped indicator would skip the report cards, the snapshot and the report for every
source that did change. Instead every step runs, and each asks the ledger whether its inputs moved since it
last built. Unchanged inputs cost one query; changed ones rebuild exactly what depends on them.
"""

from __future__ import annotations

import hashlib
import json

import duckdb


def fingerprint(con: duckdb.DuckDBPyConnection, inputs: list[str], settings: dict[str, object] | None = None) -> str:
    """The fingerprint of a build from its input targets' recorded fingerprints and its own settings."""
    recorded = dict(
        con.execute("select target, fingerprint from meta.builds where list_contains(?, target)", [inputs]).fetchall()
    )
    parts = {target: recorded.get(target, "never built") for target in sorted(inputs)}
    return digest(json.dumps({"inputs": parts, "settings": settings or {}}, sort_keys=True, default=str))


def is_current(con: duckdb.DuckDBPyConnection, target: str, print_: str) -> bool:
    """True when `target` was last built from exactly this fingerprint."""
    rows = con.execute("select fingerprint from meta.builds where target = ?", [target]).fetchall()
    return bool(rows) and rows[0][0] == print_


def record(
    con: duckdb.DuckDBPyConnection,
    target: str,
    print_: str,
    inputs: str,
    run_id: str | None,
    checks: dict[str, dict[str, object]] | None = None,
) -> None:
    """Remember what `target` was built from, and its checks' verdicts (to show again when nothing changes)."""
    con.execute(
        "insert or replace into meta.builds (target, fingerprint, inputs, checks, built_at, run_id) "
        "values (?, ?, ?, ?, now(), ?)",
        [target, print_, inputs, json.dumps(checks or {}), run_id],
    )


def recorded_checks(con: duckdb.DuckDBPyConnection, target: str) -> dict[str, dict[str, object]]:
    """The verdicts recorded with the target's last build (empty when none)."""
    rows = con.execute("select checks from meta.builds where target = ?", [target]).fetchall()
    return json.loads(rows[0][0] or "{}") if rows else {}


def recorded(con: duckdb.DuckDBPyConnection, target: str) -> str | None:
    rows = con.execute("select fingerprint from meta.builds where target = ?", [target]).fetchall()
    return rows[0][0] if rows else None


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]
