-- The build ledger: what each derived table (clean data set, indicator set, report cards, snapshot, report) was
-- last built from. A step whose inputs' fingerprint is unchanged does no work, so an unchanged nightly run
-- rebuilds nothing while every step still runs (no skipped steps, so no skipped downstream).
create table if not exists meta.builds (
    target       varchar primary key,    -- e.g. 'clean/dft_casualties', 'marts/road_indicators'
    fingerprint  varchar not null,       -- hash of the inputs' fingerprints and the build's settings
    inputs       varchar,                -- what the fingerprint was made of, for the engineer reading it
    checks       varchar,                -- the build's check verdicts (JSON), shown again when nothing changed
    built_at     timestamp not null,
    run_id       varchar
);
