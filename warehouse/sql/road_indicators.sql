-- Road safety indicators from clean STATS19 tables, for every English upper-tier authority, region and England.
-- Variables (SET VARIABLE before running): baseline_first, baseline_last (years, e.g. 2005 and 2009).
--
-- Which authority a casualty counts for is the collision's highway authority on today's boundaries:
--   1. local_authority_highway_current (in DfT files from the 2024 data; DfT re-maps every collision since
--      2004 to current boundaries from its location), else
--   2. the upper-tier authority that covers the collision's local_authority_ons_district today
--      (marts.district_to_upper_tier, which knows the districts abolished in 2019-2023), else
--   3. local_authority_highway itself when that authority still exists.
-- Rows that none of these place are left out and counted in the asset's metadata (unplaced_casualties).

create or replace temp table road_casualties_placed as
select
    k.collision_year,
    c.collision_date,
    -- DfT writes -1 where a code is missing: missing, like a blank, so the next rule places the collision.
    coalesce(
        nullif(c.local_authority_highway_current, '-1'),
        d.upper_tier_code,
        case when a.area_code is not null and a.valid_to is null then c.local_authority_highway end
    ) as highway_current,
    k.casualty_severity,
    -- Severity-adjusted serious: DfT's probability that a non-fatal casualty was serious; fatal counts 1.
    -- Where a file has no adjustment (before 2004, or a blank), the reported severity stands in.
    case
        when k.casualty_severity = 1 then 1.0
        when k.casualty_adjusted_severity_serious is not null then k.casualty_adjusted_severity_serious
        when k.casualty_severity = 2 then 1.0
        else 0.0
    end as ksi_adjusted,
    k._load_id
from clean.dft_casualties k
join clean.dft_collisions c
    on c.collision_index = k.collision_index and c.collision_year = k.collision_year
left join marts.district_to_upper_tier d on d.district_code = nullif(c.local_authority_ons_district, '-1')
left join marts.areas a on a.area_code = nullif(c.local_authority_highway, '-1');

create or replace temp table road_months as
with placed as (
    select p.*, a.parent_code as region_code
    from road_casualties_placed p
    join marts.areas a on a.area_code = p.highway_current and a.area_type = 'upper_tier_la'
),
by_area as (
    select highway_current as area_code, 'council' as area_type, * exclude (highway_current, region_code)
    from placed
    union all
    select region_code, 'region', * exclude (highway_current, region_code) from placed
    union all
    select 'E92000001', 'england', * exclude (highway_current, region_code) from placed
)
select
    area_code,
    area_type,
    date_trunc('month', collision_date)::date as month,
    count(*) as casualties,
    count(*) filter (where casualty_severity in (1, 2)) as ksi,
    sum(ksi_adjusted) as ksi_adjusted,
    max(_load_id) as load_id
from by_area
group by all;

-- Years loaded (whole years only: every period must be covered by loaded data).
create or replace temp table road_years as
select distinct collision_year as year from clean.dft_collisions;

create or replace temp table road_periods as
select
    'calendar_year' as period_type,
    year::varchar as period_label,
    make_date(year, 1, 1) as period_start,
    make_date(year, 12, 31) as period_end
from road_years
union all
select
    'rolling_12_months',
    '12 months to ' || strftime(quarter_end, '%b %Y'),
    (quarter_end - interval 12 month + interval 1 day)::date,
    quarter_end
from (
    select (make_date(year, month, 1) + interval 1 month - interval 1 day)::date as quarter_end
    from road_years, (values (3), (6), (9), (12)) as q(month)
) ends
where year(quarter_end - interval 12 month + interval 1 day) in (select year from road_years)
  and year(quarter_end) in (select year from road_years);

create or replace temp table road_values as
with areas as (select distinct area_code, area_type from road_months),
grid as (select * from areas, road_periods),
summed as (
    select
        g.area_code, g.area_type, g.period_type, g.period_label, g.period_start, g.period_end,
        coalesce(sum(m.casualties), 0) as casualties,
        coalesce(sum(m.ksi), 0) as ksi,
        coalesce(sum(m.ksi_adjusted), 0) as ksi_adjusted,
        -- A window that spans two years' files is credited to the file of its newest month (not whichever
        -- random load id sorts last, which changed from run to run).
        arg_max(m.load_id, m.month) as load_id
    from grid g
    left join road_months m
        on m.area_code = g.area_code and m.month between g.period_start and g.period_end
    group by all
)
select area_code, area_type, period_type, period_label, period_start, period_end,
       'road_ksi' as indicator_id, 'unadjusted' as variant, ksi::double as value, load_id
from summed
union all
select area_code, area_type, period_type, period_label, period_start, period_end,
       'road_ksi', 'severity_adjusted', round(ksi_adjusted, 6), load_id
from summed
union all
select area_code, area_type, period_type, period_label, period_start, period_end,
       'road_casualties', 'all', casualties::double, load_id
from summed;

-- The 2005-09 baseline: mean of the calendar-year values, only where every baseline year is loaded.
create or replace temp table road_baselines as
select area_code, indicator_id, variant, avg(value) as baseline
from road_values
where period_type = 'calendar_year'
  and year(period_start) between getvariable('baseline_first') and getvariable('baseline_last')
group by all
having count(*) = getvariable('baseline_last') - getvariable('baseline_first') + 1;

create or replace temp table road_indicator_rows as
select
    v.indicator_id, v.area_code, a.area_name, v.area_type, v.period_type, v.period_label,
    v.period_start, v.period_end, v.variant, v.value,
    v.value as numerator, cast(null as double) as denominator, v.load_id
from road_values v
join marts.areas a using (area_code)
union all
select
    v.indicator_id || '_vs_baseline_pct', v.area_code, a.area_name, v.area_type, v.period_type, v.period_label,
    v.period_start, v.period_end, v.variant,
    case when b.baseline > 0 then round((v.value / b.baseline - 1) * 100, 6) end,
    v.value, b.baseline, v.load_id
from road_values v
join road_baselines b using (area_code, indicator_id, variant)
join marts.areas a using (area_code);
