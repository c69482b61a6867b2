-- The council's own quarterly returns (issue 7): CIN census and SSDA903 extracts from its drop folder.
-- landing.*: child-level rows as delivered (real child ids), one partition per quarter (`quarter` is the
-- Dagster partition key, `as_at` the quarter end the extract was taken on), each row with its file and line.
-- clean.child_*: only the columns the indicators need, child ids replaced by a keyed hash; never published.
create table if not exists landing.cin_children (
    quarter varchar, as_at date, la_child_id varchar, birth_date date, gender varchar,
    _source_file varchar, _source_row bigint, _load_id varchar
);
create table if not exists landing.cin_referrals (
    quarter varchar, as_at date, la_child_id varchar, episode integer, referral_date date, referral_source varchar,
    primary_need varchar, closure_date date, reason_for_closure varchar, referral_nfa boolean,
    _source_file varchar, _source_row bigint, _load_id varchar
);
create table if not exists landing.cin_assessments (
    quarter varchar, as_at date, la_child_id varchar, episode integer, referral_date date,
    assessment_start date, assessment_authorised date,
    _source_file varchar, _source_row bigint, _load_id varchar
);
create table if not exists landing.cin_plans (
    quarter varchar, as_at date, la_child_id varchar, episode integer, referral_date date,
    plan_start date, plan_end date,
    _source_file varchar, _source_row bigint, _load_id varchar
);
create table if not exists landing.cin_cpps (
    quarter varchar, as_at date, la_child_id varchar, episode integer, referral_date date,
    cpp_start date, cpp_end date, initial_category varchar, latest_category varchar, number_of_previous_cpp integer,
    _source_file varchar, _source_row bigint, _load_id varchar
);
create table if not exists landing.s903_header (
    quarter varchar, as_at date, child varchar, sex varchar, dob date, ethnic varchar, upn varchar,
    mother varchar, mc_dob date,
    _source_file varchar, _source_row bigint, _load_id varchar
);
create table if not exists landing.s903_episodes (
    quarter varchar, as_at date, child varchar, decom date, rne varchar, ls varchar, cin varchar, place varchar,
    place_provider varchar, dec date, rec varchar, reason_place_change varchar, home_post varchar,
    pl_post varchar, urn varchar,
    _source_file varchar, _source_row bigint, _load_id varchar
);
create table if not exists landing.s903_ad1 (
    quarter varchar, as_at date, child varchar, dob date, date_int date, date_match date, foster_care varchar,
    nb_adoptr varchar, sex_adoptr varchar, ls_adoptr varchar,
    _source_file varchar, _source_row bigint, _load_id varchar
);
create table if not exists landing.s903_placed_adoption (
    quarter varchar, as_at date, child varchar, dob date, date_placed date, date_placed_ceased date,
    reason_placed_ceased varchar,
    _source_file varchar, _source_row bigint, _load_id varchar
);
create table if not exists landing.s903_missing (
    quarter varchar, as_at date, child varchar, dob date, missing varchar, mis_start date, mis_end date,
    _source_file varchar, _source_row bigint, _load_id varchar
);

create table if not exists clean.child_cin_referrals (
    quarter varchar, as_at date, child varchar, referral_date date, closure_date date, referral_nfa boolean,
    _load_id varchar
);
create table if not exists clean.child_cpps (
    quarter varchar, as_at date, child varchar, cpp_start date, cpp_end date, number_of_previous_cpp integer,
    _load_id varchar
);
create table if not exists clean.child_cla_episodes (
    quarter varchar, as_at date, child varchar, decom date, dec date, ls varchar, rec varchar, _load_id varchar
);
