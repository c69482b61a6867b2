-- DfE Explore Education Statistics data sets and ONS 0-17 populations (issue 4), in one canonical shape:
-- one row per file row, with up to three measures (numerator, denominator, published value), each as a number
-- plus its typed status and the publisher's raw marker. Partitioned by `dataset` (a catalogue key), so a
-- new release replaces that data set whole. Typed here rather than inferred from the first frame, because a
-- first file whose optional columns are all empty would otherwise fix their type wrongly.
create table if not exists landing.dfe_ees (
    dataset             varchar not null,
    time_period         varchar not null,   -- as published: '2025' (reporting year) or '202425' (academic year)
    period_year         integer not null,   -- the year the period ends in
    period_start        date not null,
    time_identifier     varchar,
    geographic_level    varchar,            -- 'National' | 'Regional' | 'Local authority'
    area_code           varchar,            -- GSS: country_code, region_code or new_la_code by level
    old_la_code         varchar,            -- DfE 3-digit code
    area_name           varchar,
    breakdown           varchar,            -- category / population_type / characteristic | breakdown / phase
    is_headline         boolean,            -- the breakdown the indicators use
    numerator           double,
    numerator_status    varchar,
    numerator_token     varchar,
    denominator         double,
    denominator_status  varchar,
    denominator_token   varchar,
    published           double,             -- the publisher's own rate or percentage, where it gives one
    published_status    varchar,
    published_token     varchar,
    _source_row         bigint not null,
    _load_id            varchar
);
create table if not exists landing.ons_population as select * from landing.dfe_ees limit 0;

-- The data set version an EES API load came from (catalogue downloads leave it null).
alter table meta.loads add column if not exists dataset_version varchar;

-- Why a value should not be read as continuous with the one before it (a reorganisation that changed the
-- area's boundary); null when there is nothing to say.
alter table marts.indicator_values add column if not exists caveat varchar;
