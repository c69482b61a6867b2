"""The one way a build writes `marts.indicator_values`: swap a source's rows in one transaction.

Every indicator build (road safety, PHOF, ASCOF, children's social care, the council's returns) computes its
rows with SQL and then replaces what its source had, so a reader never sees half a rebuild and the other
sources' rows are untouched. Each row's provenance (`source_url`, `source_sha256`) comes from the load it
was built from (`meta.loads`).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from warehouse.database import transaction


def replace_rows(
    con: duckdb.DuckDBPyConnection,
    source: str,
    rows: str,
    params: Sequence[object] = (),
    where: str | None = None,
    where_params: Sequence[object] = (),
) -> int:
    """Replace `source`'s rows of `marts.indicator_values` with the rows of the query `rows`; return how many
    rows the source has there now (within `where`).

    `rows` (with `?` parameters `params`) gives columns of `marts.indicator_values` by name plus `load_id`;
    `source`, `source_url`, `source_sha256` and `built_at` are added here. `where` (with `where_params`)
    narrows what is replaced, e.g. one area's one quarter end; every new row must lie within it, or nothing is
    replaced. Runs in one transaction, or joins the caller's, so a build can do more in the same one.
    """
    condition = "source = ?" + (f" and ({where})" if where else "")
    with transaction(con):
        con.execute(f"delete from marts.indicator_values where {condition}", [source, *where_params])
        inserted = con.execute(
            f"""
            insert into marts.indicator_values by name
            select ? as source, r.*, l.url as source_url, l.sha256 as source_sha256, now() as built_at
            from ({rows}) r
            left join meta.loads l on l.load_id = r.load_id
            """,
            [source, *params],
        ).fetchall()[0][0]
        count = con.execute(
            f"select count(*) from marts.indicator_values where {condition}", [source, *where_params]
        ).fetchall()[0][0]
        if count != inserted:
            raise ValueError(
                f"{source}: {inserted - count} of the {inserted} new indicator rows lie outside {where!r}; "
                "nothing was replaced"
            )
    return count
