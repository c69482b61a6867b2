-- Layers of the warehouse (design.md): landing -> checks -> clean -> marts; meta records every load.
create schema if not exists landing;
create schema if not exists clean;
create schema if not exists marts;

-- One row per fetched file per load: what came, from where, and what became of it.
create table if not exists meta.loads (
    load_id        varchar primary key,
    run_id         varchar,
    source         varchar not null,     -- e.g. 'dft_stats19'
    dataset        varchar not null,     -- e.g. 'casualties'
    url            varchar not null,
    file_path      varchar,
    sha256         varchar,
    bytes          bigint,
    etag           varchar,
    last_modified  varchar,
    fetch_status   varchar,              -- 'downloaded' | 'not_modified'
    partitions     varchar,              -- the partition keys this load wrote, comma-separated
    rows_in_file   bigint,               -- data lines in the file (header excluded)
    rows_loaded    bigint,               -- rows written to landing for these partitions
    status         varchar not null,     -- 'started' | 'landed' | 'failed' | 'published'
    message        varchar,
    started_at     timestamp not null,
    finished_at    timestamp
);

-- Indicator values in long form, one row per indicator, area, period and variant.
create table if not exists marts.indicator_values (
    indicator_id   varchar not null,
    area_code      varchar not null,
    area_name      varchar,
    area_type      varchar,              -- 'council' | 'region' | 'england' | 'neighbour_mean'
    period_type    varchar not null,     -- 'calendar_year' | 'rolling_12_months' | 'financial_year' | ...
    period_label   varchar not null,     -- as published or as the committee reads it
    period_start   date not null,
    period_end     date not null,
    variant        varchar not null default 'all',  -- e.g. 'severity_adjusted' | 'unadjusted'
    value          double,
    numerator      double,
    denominator    double,
    lower_95       double,
    upper_95       double,
    lower_998      double,
    upper_998      double,
    ci_method      varchar,              -- 'published' | 'computed: <method>' | null
    value_status   varchar not null default 'ok',
    status_token   varchar,
    source         varchar not null,
    source_url     varchar,
    source_sha256  varchar,
    load_id        varchar,
    built_at       timestamp not null default now(),
    primary key (indicator_id, area_code, period_type, period_start, period_end, variant)
);
