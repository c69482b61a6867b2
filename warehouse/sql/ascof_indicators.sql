-- ASCOF indicator rows from clean.ascof_measures for England, regions and councils (totals only).
-- Expects temp table ascof_indicator_map(indicator_id, measure_group) (the configured measures).
--
-- One row per measure, area and release: the Outcome is the value, Numerator and Denominator are carried,
-- and the published margin of error gives the 95% limits (outcome -/+ margin). A council row without an
-- ONS code is placed by its CASSR code, which is the DfE 3-digit LA code held in marts.areas.

create or replace temp table ascof_indicator_rows as
with placed as (
    select
        m.indicator_id,
        coalesce(nullif(c.ons_code, ''), la.area_code) as area_code,
        c.* exclude (ons_code)
    from clean.ascof_measures c
    join ascof_indicator_map m on upper(m.measure_group) = c.measure_group_code
    left join marts.areas la
        on c.level = 'council' and la.dfe_la_code = c.geographical_code and la.valid_to is null
    where c.disaggregation_code = 'total' and c.measure_code = c.measure_group_code
      and c.level in ('england', 'region', 'council')
),
wide as (
    select
        indicator_id, area_code, release, period_start, period_end,
        max(value) filter (where measure_type_code = 'outcome') as outcome,
        max(value_status) filter (where measure_type_code = 'outcome') as outcome_status,
        max(status_token) filter (where measure_type_code = 'outcome') as outcome_token,
        max(value) filter (where measure_type_code = 'numerator') as numerator,
        max(value) filter (where measure_type_code = 'denominator') as denominator,
        max(value) filter (where measure_type_code = 'margin_of_error') as margin,
        max(_load_id) as load_id
    from placed
    group by all
)
select
    w.indicator_id,
    w.area_code,
    a.area_name,
    case a.area_type when 'upper_tier_la' then 'council' else a.area_type end as area_type,
    'financial_year' as period_type,
    w.release as period_label,
    w.period_start,
    w.period_end,
    'all' as variant,
    w.outcome as value,
    w.numerator,
    w.denominator,
    case when w.outcome is not null then w.outcome - w.margin end as lower_95,
    case when w.outcome is not null then w.outcome + w.margin end as upper_95,
    cast(null as double) as lower_998,
    cast(null as double) as upper_998,
    case when w.outcome is not null and w.margin is not null then 'published: margin of error' end as ci_method,
    coalesce(w.outcome_status, 'not_available') as value_status,
    w.outcome_token as status_token,
    w.load_id
from wide w
join marts.areas a on a.area_code = w.area_code;
