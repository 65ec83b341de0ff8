-- Required meetings counted per member month: due, excused, attended, unexcused absences.
-- Incremental by month (int_dirty_months): only the months to build are computed.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

select
    member_id,
    month_start,
    count(*) as meetings_due,
    sum(case when is_excused then 1 else 0 end) as meetings_excused,
    sum(case when is_attended then 1 else 0 end) as meetings_attended,
    sum(case when is_unexcused_absence then 1 else 0 end) as unexcused_absences
from {{ ref('int_member_required_meetings') }}
where {{ in_months_to_build('month_start') }}
group by member_id, month_start
