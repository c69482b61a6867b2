"""`marts.indicator_value_history`: every indicator value as published, from when it was recorded until it was
revised or withdrawn.

Apart from the report cards (`warehouse.indicator_report`) because it is a different job with its own rules: the
history is only ever appended to and closed, never rewritten, and it answers two questions the cards cannot:
what changed between two builds (`changes_between`: new periods, revised and withdrawn values) and what the
values were at a point in time (`VALUES_AS_OF`, from which the report can be rebuilt as it stood then).
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

# A value's identity, and the columns whose change makes a revision.
KEY = ["indicator_id", "area_code", "period_type", "period_start", "period_end", "variant"]
COMPARED = ["value", "value_status", "lower_95", "upper_95", "numerator", "denominator"]

# The current values with when their file was fetched and the publisher's Last-Modified (meta is not published).
CURRENT_VALUES = """
    select v.*, coalesce(l.finished_at, l.started_at) as retrieved_at, l.last_modified as published_at
    from marts.indicator_values v left join meta.loads l on l.load_id = v.load_id
"""

# The values as they stood at a point in time, from the history.
VALUES_AS_OF = """
    select * exclude (recorded_at, superseded_at) from marts.indicator_value_history
    where recorded_at <= $as_of and (superseded_at is null or superseded_at > $as_of)
"""


def record_history(con: duckdb.DuckDBPyConnection, built_at: datetime) -> tuple[int, int]:
    """Close history rows whose value changed or vanished, add new and changed ones; (added, withdrawn).

    The current values are read in place by each statement (each reads only the columns it needs): copying every
    row of them first took longer than the three statements.
    """
    key = " and ".join(f"c.{column} = h.{column}" for column in KEY)
    same = " and ".join(f"c.{column} is not distinct from h.{column}" for column in COMPARED)
    con.execute(
        f"""
        update marts.indicator_value_history h set superseded_at = $built_at
        where h.superseded_at is null and not exists (select 1 from ({CURRENT_VALUES}) c where {key} and {same})
        """,
        {"built_at": built_at},
    )
    # Withdrawn: closed just now with no current value under the key (the others closed were revised).
    withdrawn = con.execute(
        f"""
        select count(*) from marts.indicator_value_history h
        where h.superseded_at = $built_at and not exists (select 1 from ({CURRENT_VALUES}) c where {key})
        """,
        {"built_at": built_at},
    ).fetchall()[0][0]
    added = con.execute(
        f"""
        insert into marts.indicator_value_history by name
        select c.*, $built_at as recorded_at, null as superseded_at from ({CURRENT_VALUES}) c
        where not exists (
            select 1 from marts.indicator_value_history h where h.superseded_at is null and {key}
        )
        """,
        {"built_at": built_at},
    ).fetchall()[0][0]
    return added, withdrawn


def changes_between(con: duckdb.DuckDBPyConnection, since: datetime, until: datetime | None = None) -> pd.DataFrame:
    """New periods, revised values and withdrawn values between two points in time (until: now)."""
    until = until or datetime.max
    key = ", ".join(KEY)
    return con.execute(
        f"""
        with before as (select * from ({VALUES_AS_OF.replace("$as_of", "$since")})),
        after as (select * from ({VALUES_AS_OF.replace("$as_of", "$until")}))
        select coalesce(a.indicator_id, b.indicator_id) as indicator_id,
               coalesce(a.area_code, b.area_code) as area_code, coalesce(a.area_name, b.area_name) as area_name,
               coalesce(a.period_type, b.period_type) as period_type,
               coalesce(a.period_label, b.period_label) as period_label,
               coalesce(a.period_start, b.period_start) as period_start,
               coalesce(a.period_end, b.period_end) as period_end, coalesce(a.variant, b.variant) as variant,
               case when b.indicator_id is null then 'new period' when a.indicator_id is null then 'withdrawn'
                    else 'revised' end as change,
               b.value as previous_value, a.value as value, b.value_status as previous_status,
               a.value_status as value_status, b.load_id as previous_load_id, a.load_id as load_id,
               b.retrieved_at as previous_retrieved_at, a.retrieved_at as retrieved_at, a.published_at
        from after a full outer join before b using ({key})
        where a.indicator_id is null or b.indicator_id is null
           or a.value is distinct from b.value or a.value_status is distinct from b.value_status
        order by all
        """,
        {"since": since, "until": until},
    ).df()
