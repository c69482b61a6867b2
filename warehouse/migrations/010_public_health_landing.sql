-- Landing tables for OHID Fingertips (PHOF) and ASCOF, declared so that every column's type is fixed before
-- the first load (a first file whose markers are all blank must not decide a column's type). `clean.*`
-- copies of them are created by the publish step with the same columns.

create table if not exists landing.ohid_fingertips (
    file_key                  varchar not null,  -- '<indicator id>/<parent area type id>': one fetched export
    fingertips_id             integer not null,
    parent_area_type_id       integer not null,
    header_columns            integer,           -- 26 (older export) or 27
    parent_comparison_header  varchar,           -- the name column 23 had in this export
    indicator_name            varchar,
    parent_code               varchar,
    parent_name               varchar,
    area_code                 varchar,
    area_name                 varchar,
    area_type_text            varchar,           -- as published; not stable, never a key
    sex                       varchar,
    age                       varchar,
    category_type             varchar,           -- '' for area values, else an inequality breakdown
    category                  varchar,
    time_period               varchar,
    period_type               varchar,
    period_start              date,
    period_end                date,
    value                     double,
    lower_95                  double,
    upper_95                  double,
    lower_998                 double,
    upper_998                 double,
    count                     double,
    denominator               double,
    value_note                varchar,
    note_kind                 varchar,           -- null when the note is of no known kind (blocks the load)
    value_status              varchar,
    status_token              varchar,
    recent_trend              varchar,           -- Fingertips' own texts, kept for reconciling
    compared_to_england       varchar,
    compared_to_parent        varchar,
    time_period_sortable      varchar,
    sortable_year             integer,
    new_data                  varchar,
    compared_to_goal          varchar,
    time_period_range         varchar,
    _source_row               integer not null,
    _load_id                  varchar
);

create table if not exists landing.ascof_measures (
    release                    varchar not null,  -- financial year of the publication, e.g. '2022-23'
    layout                     varchar,           -- 'nhs_digital' (to 2022-23) or 'dhsc' (2024-25 on)
    geographical_code          varchar,
    geographical_description   varchar,
    geographical_level         varchar,
    ons_code                   varchar,
    measure_code               varchar,
    measure_group              varchar,
    measure_group_description  varchar,
    measure_group_code         varchar,
    disaggregation             varchar,
    measure_type               varchar,
    measure_value              varchar,           -- as published, markers included
    value                      double,
    status_token               varchar,
    value_status               varchar,
    level                      varchar,
    measure_type_code          varchar,
    disaggregation_code        varchar,
    period_start               date,
    period_end                 date,
    _source_row                integer not null,
    _load_id                   varchar
);
