-- PHOF indicator rows from clean.ohid_fingertips for England, regions and upper-tier authorities.
-- Expects temp table fingertips_indicator_map(indicator_id, fingertips_id) (the configured ids).
--
-- Area values only: rows with an empty `Category Type` (the others are deprivation-decile breakdowns).
-- An authority appears in the export under each parent area type fetched (England 15, regions 6); the row
-- fetched under England is preferred, then the lowest parent type id, so each area-period appears once.
-- Sex becomes the variant (Persons 'all', 'male', 'female'); where an indicator has several age bands for
-- one sex, the age is added to the variant.

create or replace temp table fingertips_indicator_rows as
with area_rows as (
    select f.*, m.indicator_id, a.area_type as warehouse_area_type, a.area_name as warehouse_area_name
    from clean.ohid_fingertips f
    join fingertips_indicator_map m on m.fingertips_id = f.fingertips_id
    join marts.areas a on a.area_code = f.area_code
    where f.category_type = ''
    qualify row_number() over (
        partition by f.fingertips_id, f.area_code, f.sex, f.age, f.time_period
        order by f.parent_area_type_id <> 15, f.parent_area_type_id
    ) = 1
),
labelled as (
    select *,
        case lower(sex) when 'persons' then 'all' else lower(sex) end as sex_variant,
        count(distinct age) over (partition by fingertips_id, sex) as ages
    from area_rows
)
select
    indicator_id,
    area_code,
    coalesce(warehouse_area_name, area_name) as area_name,
    case warehouse_area_type when 'upper_tier_la' then 'council' else warehouse_area_type end as area_type,
    period_type,
    time_period as period_label,
    period_start,
    period_end,
    case when ages > 1 then sex_variant || '; ' || age else sex_variant end as variant,
    value,
    count as numerator,
    denominator,
    lower_95,
    upper_95,
    lower_998,
    upper_998,
    case when coalesce(lower_95, upper_95, lower_998, upper_998) is not null then 'published' end as ci_method,
    value_status,
    status_token,
    _load_id as load_id
from labelled;
