-- marts.indicator_values gained `caveat` (020, breaks in series); the history keeps it with each value.
alter table marts.indicator_value_history add column if not exists caveat varchar;
