"""The load log (`meta.loads`): one row per fetched file per load, written outside the data transaction.

It is written in its own statements so that a load that fails and rolls back still leaves its record,
with the reason, for the engineer reading it the next morning.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class FileFacts:
    """What the source room knows about a fetched file (mirrors `sources.http.FetchedFile`)."""

    url: str
    path: str
    sha256: str
    bytes: int
    etag: str | None
    last_modified: str | None
    status: str
    version: str | None = None  # the publisher's version of the data set, where it numbers them (EES API)
    release: str | None = None  # the publisher's release the file belongs to, as discovery found it
    file_id: str | None = None  # the publisher's id of the file (EES data set file id, API data set id)


def start_load(
    con: duckdb.DuckDBPyConnection,
    source: str,
    dataset: str,
    file: FileFacts,
    partitions: list[str],
    run_id: str | None,
) -> str:
    """Record that a file is about to be landed; returns the new load id."""
    load_id = uuid.uuid4().hex
    con.execute(
        """
        insert into meta.loads (load_id, run_id, source, dataset, url, file_path, sha256, bytes, etag,
                                last_modified, fetch_status, partitions, dataset_version, release, file_id, status,
                                started_at)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'started', now())
        """,
        [
            load_id,
            run_id,
            source,
            dataset,
            file.url,
            file.path,
            file.sha256,
            file.bytes,
            file.etag,
            file.last_modified,
            file.status,
            ",".join(partitions),
            file.version or None,
            file.release or None,
            file.file_id or None,
        ],
    )
    return load_id


def finish_load(
    con: duckdb.DuckDBPyConnection,
    load_id: str,
    status: str,
    rows_in_file: int | None = None,
    rows_loaded: int | None = None,
    message: str | None = None,
) -> None:
    """Close a load's record with its outcome."""
    con.execute(
        """
        update meta.loads
        set status = ?, rows_in_file = coalesce(?, rows_in_file), rows_loaded = coalesce(?, rows_loaded),
            message = ?, finished_at = now()
        where load_id = ?
        """,
        [status, rows_in_file, rows_loaded, message, load_id],
    )


def mark_published(con: duckdb.DuckDBPyConnection, load_ids: list[str]) -> None:
    """Loads whose rows reached `clean`."""
    if load_ids:
        con.execute("update meta.loads set status = 'published' where list_contains(?, load_id)", [load_ids])


def unchanged_since_published(
    con: duckdb.DuckDBPyConnection, source: str, dataset: str, sha256: str, partitions: list[str]
) -> bool:
    """True when, for every partition, the latest load came from this very file and reached `clean`
    (or was itself a fetch of the same, already published, file).

    Lets a nightly run that got a 304 (or the same bytes) stop before rebuilding anything downstream.
    """
    rows = con.execute(
        """
        with latest as (
            select partition, arg_max(sha256, started_at) as sha256, arg_max(status, started_at) as status
            from (select unnest(string_split(partitions, ',')) as partition, sha256, status, started_at
                  from meta.loads where source = ? and dataset = ?)
            where list_contains(?, partition)
            group by partition
        )
        select count(*) filter (where sha256 = ? and status in ('published', 'unchanged')) from latest
        """,
        [source, dataset, partitions, sha256],
    ).fetchall()
    return rows[0][0] == len(set(partitions))


def record_unchanged(
    con: duckdb.DuckDBPyConnection,
    source: str,
    dataset: str,
    file: FileFacts,
    partitions: list[str],
    run_id: str | None,
) -> str:
    """Log a fetch whose file is already published, so every fetched file has its row in `meta.loads`."""
    load_id = start_load(con, source, dataset, file, partitions, run_id)
    finish_load(con, load_id, "unchanged", message="same file as the one already published; nothing rebuilt")
    return load_id


def files_in_use(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The sha256 of every file the warehouse may land again: for each source, data set and partition, the
    latest load's file and the file its published rows came from (a raw-store copy to keep)."""
    rows = con.execute(
        """
        with by_partition as (
            select source, dataset, unnest(string_split(partitions, ',')) as partition, sha256, status, started_at
            from meta.loads where sha256 is not null
        )
        select distinct sha256 from (
            select sha256 from by_partition
            qualify row_number() over (partition by source, dataset, partition order by started_at desc) = 1
            union all
            select sha256 from by_partition where status in ('published', 'unchanged')
            qualify row_number() over (partition by source, dataset, partition order by started_at desc) = 1
        )
        """
    ).fetchall()
    return {row[0] for row in rows}
