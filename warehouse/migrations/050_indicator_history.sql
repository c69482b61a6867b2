-- Issue 5: every published indicator value's history, so the report can say what changed since the last one
-- and be rebuilt as it stood on an earlier date. A value is recorded when it first appears or changes, and
-- superseded (never deleted) when a later build revises or withdraws it.
create table if not exists marts.indicator_value_history (
    indicator_id   varchar not null,
    area_code      varchar not null,
    area_name      varchar,
    area_type      varchar,
    period_type    varchar not null,
    period_label   varchar not null,
    period_start   date not null,
    period_end     date not null,
    variant        varchar not null,
    value          double,
    numerator      double,
    denominator    double,
    lower_95       double,
    upper_95       double,
    lower_998      double,
    upper_998      double,
    ci_method      varchar,
    value_status   varchar not null,
    status_token   varchar,
    source         varchar not null,
    source_url     varchar,
    source_sha256  varchar,
    load_id        varchar,
    built_at       timestamp,
    retrieved_at   timestamp,            -- when the file it came from was fetched (meta.loads)
    published_at   varchar,              -- the publisher's Last-Modified for that file, as sent
    recorded_at    timestamp not null,   -- the report build that first saw this value
    superseded_at  timestamp             -- the build that revised or withdrew it; null while current
);

-- One row per build of marts.indicator_report: the points in time the history can be read at.
create table if not exists marts.report_builds (
    built_at       timestamp primary key,
    values_rows    bigint,
    new_or_revised bigint,
    withdrawn      bigint
);
