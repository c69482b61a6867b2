-- The council's quarterly returns (issue 7) divide by the ONS 0-17 population that the DfE/ONS source
-- (issue 4) publishes to clean.ons_population. This view gives it the shape they read: one number per area and
-- mid-year, only where the estimate is a real value (not suppressed).
create table if not exists clean.ons_population as select * from landing.ons_population limit 0;
create or replace view clean.ons_population_0_17 as
select area_code, period_year as year, numerator as population
from clean.ons_population
where is_headline and numerator_status = 'ok';
