-- Children's social care and persistent absence indicators from clean.dfe_ees and clean.ons_population.
-- Creates temp tables: csc_population, csc_indicator_rows (one row per indicator, area and period, with the
-- publisher's own value beside ours for reconciliation).
--
-- Population: a count for the reporting year ending 31 March t is divided by the mid-(t-1) estimate, as DfE
-- does (sources.md sections 4.3 and 6). Rates per 10,000 are computed, never taken from the file; percentages
-- are DfE's published value (computed from unrounded counts), recomputed from the counts where DfE gives none.

create or replace temp table csc_population as
select area_code, period_year as mid_year, numerator as population, numerator_status as population_status,
       numerator_token as population_token
from clean.ons_population
where is_headline;

create or replace temp table csc_headline as
select * from clean.dfe_ees where is_headline;

create or replace temp table csc_indicator_rows as
with rates as (
    select
        case h.dataset when 'cin_b1' then 'csc_cin_rate' when 'cin_d5' then 'csc_cpp_rate'
                       when 'cla_rate' then 'csc_cla_rate' end as indicator_id,
        h.dataset, h.area_code, h.area_name, h.geographic_level, h.time_period, h.period_year, h.period_start,
        h.numerator, p.population as denominator,
        case when h.numerator_status = 'ok' and p.population_status = 'ok' and p.population > 0
             then h.numerator / p.population * 10000 end as value,
        case when h.numerator_status <> 'ok' then h.numerator_status
             when p.population_status is null then 'not_available'
             else p.population_status end as value_status,
        case when h.numerator_status <> 'ok' then h.numerator_token
             when p.population_status is null then null
             else p.population_token end as status_token,
        case when p.population_status is null and h.numerator_status = 'ok'
             then 'no 0-17 population estimate for mid-' || (h.period_year - 1) end as note,
        case when h.numerator_status = 'ok' and p.population_status = 'ok' and p.population > 0
             then h.numerator / p.population * 10000 end as computed,
        case when h.published_status = 'ok' then h.published end as published,
        h._load_id as load_id
    from csc_headline h
    left join csc_population p on p.area_code = h.area_code and p.mid_year = h.period_year - 1
    where h.dataset in ('cin_b1', 'cin_d5', 'cla_rate')
),
percentages as (
    select
        case h.dataset when 'cin_c1' then 'csc_rereferral_pct' when 'cin_d3' then 'csc_cpp_repeat_pct'
                       when 'pupil_absence' then 'edu_persistent_absence_secondary_pct' end as indicator_id,
        h.dataset, h.area_code, h.area_name, h.geographic_level, h.time_period, h.period_year, h.period_start,
        h.numerator, h.denominator,
        case when h.published_status = 'ok' then h.published
             when h.numerator_status = 'ok' and h.denominator_status = 'ok' and h.denominator > 0
             then h.numerator / h.denominator * 100 end as value,
        case when h.published_status = 'ok' then 'ok'
             when h.numerator_status = 'ok' and h.denominator_status = 'ok' and h.denominator > 0 then 'ok'
             else coalesce(h.published_status, h.numerator_status) end as value_status,
        case when h.published_status <> 'ok' and not (h.numerator_status = 'ok' and h.denominator_status = 'ok')
             then coalesce(h.published_token, h.numerator_token) end as status_token,
        null as note,
        case when h.numerator_status = 'ok' and h.denominator_status = 'ok' and h.denominator > 0
             then h.numerator / h.denominator * 100 end as computed,
        case when h.published_status = 'ok' then h.published end as published,
        h._load_id as load_id
    from csc_headline h
    where h.dataset in ('cin_c1', 'cin_d3', 'pupil_absence')
),
ceasing as (
    select area_code, period_year, numerator, numerator_status, numerator_token
    from clean.dfe_ees
    where dataset = 'cla_rate' and breakdown in ('Children ceasing to be looked after each year',
                                                 'Children ceasing to be looked after during the year')
),
adopted as (
    select
        'csc_cla_adopted_pct' as indicator_id,
        h.dataset, h.area_code, h.area_name, h.geographic_level, h.time_period, h.period_year, h.period_start,
        h.numerator, c.numerator as denominator,
        case when h.numerator_status = 'ok' and c.numerator_status = 'ok' and c.numerator > 0
             then h.numerator / c.numerator * 100 end as value,
        case when h.numerator_status <> 'ok' then h.numerator_status
             when c.numerator_status is null then 'not_available'
             else c.numerator_status end as value_status,
        case when h.numerator_status <> 'ok' then h.numerator_token else c.numerator_token end as status_token,
        case when c.numerator_status is null and h.numerator_status = 'ok'
             then 'no count of children ceasing to be looked after for this year' end as note,
        case when h.numerator_status = 'ok' and c.numerator_status = 'ok' and c.numerator > 0
             then h.numerator / c.numerator * 100 end as computed,
        null::double as published,
        h._load_id as load_id
    from csc_headline h
    left join ceasing c on c.area_code = h.area_code and c.period_year = h.period_year
    where h.dataset = 'cla_adopted'
),
combined as (
    select * from rates union all by name select * from percentages union all by name select * from adopted
)
select
    c.*,
    case c.geographic_level when 'National' then 'england' when 'Regional' then 'region' else 'council' end
        as area_type,
    case when c.dataset = 'pupil_absence' then 'academic_year' else 'reporting_year' end as period_type,
    case when c.dataset = 'pupil_absence'
         then (c.period_year - 1) || '/' || right(c.period_year::varchar, 2)
         else (c.period_year - 1) || '-' || right(c.period_year::varchar, 2) end as period_label,
    case when c.dataset = 'pupil_absence' then make_date(c.period_year, 8, 31)
         else make_date(c.period_year, 3, 31) end as period_end
from combined c
where c.area_code is not null;
