-- The council's quarterly children's social care indicators from its own returns, as at one quarter end.
-- Variables (SET VARIABLE before running): quarter (partition key), as_at (the quarter end), population (0-17).
-- Each follows DfE's annual definition, so the value as at 31 March is the annual figure for the same data:
--   csc_cin_rate        CIN episodes open at the quarter end (B1 At31_episodes) per 10,000 children, 1 dp
--   csc_cpp_rate        children on a child protection plan at the quarter end (D5 CPP_At31) per 10,000, 1 dp
--   csc_cla_rate        children looked after at the quarter end per 10,000, whole number; as DfE, children
--                       looked after only under a series of short breaks (legal status V3, V4) are left out
--   csc_rereferral_pct  referrals in the 12 months to the quarter end within 12 months of the child's previous
--                       referral (C1 rereferral_count / referral_count), 1 dp
--   csc_cpp_repeat_pct  plans started in the 12 months that were a second or subsequent plan (D3), 1 dp: the
--                       return's NumberOfPreviousCPP is above 0, or an earlier plan of the child is in the extract
--   csc_cla_adopted_pct children ceasing to be looked after in the 12 months who were adopted (REC E11, E12),
--                       whole number; episodes ending in a move (X1) are not ceasing
-- "Open at" a date: started on or before it, and not ended on or before it.
-- Suppression (DfE: counts of 1 to 5 are 'c'): a rate whose count is 1-5, and a percentage whose numerator,
-- denominator or their difference is 1-5, has value, numerator and count denominator null, status 'suppressed'.

create or replace temp table council_return_counts as
with bounds as (
    select getvariable('as_at')::date as as_at,
           (getvariable('as_at')::date - interval 12 month + interval 1 day)::date as year_start
),
referrals as (select * from clean.child_cin_referrals where quarter = getvariable('quarter')),
cpps as (select * from clean.child_cpps where quarter = getvariable('quarter')),
episodes as (
    select * from clean.child_cla_episodes
    where quarter = getvariable('quarter') and coalesce(ls, '') not in ('V3', 'V4')
),
referrals_in_year as (
    select r.*, exists (
        select 1 from referrals earlier
        where earlier.child = r.child and earlier.referral_date < r.referral_date
          and earlier.referral_date >= r.referral_date - interval 12 month
    ) as within_12_months
    from referrals r, bounds b
    where r.referral_date between b.year_start and b.as_at
),
plans_started as (
    select p.*, (coalesce(p.number_of_previous_cpp, 0) > 0 or exists (
        select 1 from cpps earlier where earlier.child = p.child and earlier.cpp_start < p.cpp_start
    )) as subsequent
    from cpps p, bounds b
    where p.cpp_start between b.year_start and b.as_at
),
ceased as (
    select e.child, max(e.rec in ('E11', 'E12')) as adopted
    from episodes e, bounds b
    where e.dec between b.year_start and b.as_at and e.rec <> 'X1'
    group by e.child
)
select 'csc_cin_rate' as indicator_id, 'quarter_end' as kind, 10000 as scale, 1 as places,
       (select count(*) from referrals r, bounds b
        where r.referral_date <= b.as_at and (r.closure_date is null or r.closure_date > b.as_at)) as numerator,
       getvariable('population')::double as denominator,
       (select max(_load_id) from referrals) as load_id
union all
select 'csc_cpp_rate', 'quarter_end', 10000, 1,
       (select count(distinct child) from cpps p, bounds b
        where p.cpp_start <= b.as_at and (p.cpp_end is null or p.cpp_end > b.as_at)),
       getvariable('population')::double, (select max(_load_id) from cpps)
union all
select 'csc_cla_rate', 'quarter_end', 10000, 0,
       (select count(distinct child) from episodes e, bounds b
        where e.decom <= b.as_at and (e.dec is null or e.dec > b.as_at)),
       getvariable('population')::double, (select max(_load_id) from episodes)
union all
select 'csc_rereferral_pct', 'rolling_12_months', 100, 1,
       (select count(*) filter (where within_12_months) from referrals_in_year),
       (select count(*) from referrals_in_year), (select max(_load_id) from referrals)
union all
select 'csc_cpp_repeat_pct', 'rolling_12_months', 100, 1,
       (select count(*) filter (where subsequent) from plans_started),
       (select count(*) from plans_started), (select max(_load_id) from cpps)
union all
select 'csc_cla_adopted_pct', 'rolling_12_months', 100, 0,
       (select count(*) filter (where adopted) from ceased),
       (select count(*) from ceased), (select max(_load_id) from episodes);

create or replace temp table council_return_indicator_rows as
with judged as (
    select *,
        case
            when scale = 10000 then numerator between 1 and 5
            else numerator between 1 and 5 or denominator between 1 and 5 or denominator - numerator between 1 and 5
        end as suppressed
    from council_return_counts
)
select
    indicator_id,
    kind as period_type,
    case when kind = 'quarter_end' then strftime(getvariable('as_at')::date, '%-d %b %Y')
         else '12 months to ' || strftime(getvariable('as_at')::date, '%b %Y') end as period_label,
    case when kind = 'quarter_end' then getvariable('as_at')::date
         else (getvariable('as_at')::date - interval 12 month + interval 1 day)::date end as period_start,
    getvariable('as_at')::date as period_end,
    case when not suppressed and denominator > 0 then round(numerator / denominator * scale, places) end as value,
    case when not suppressed then numerator end::double as numerator,
    case when scale = 10000 or not suppressed then denominator end::double as denominator,
    case when suppressed then 'suppressed' when denominator > 0 then 'ok' else 'not_applicable' end as value_status,
    case when suppressed then 'c' when denominator > 0 then null else 'z' end as status_token,
    load_id
from judged;
