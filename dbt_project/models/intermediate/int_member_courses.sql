-- Courses completed and lectures delivered by each member on the member's active days.
-- Incremental by month (int_dirty_months): only the months to build are computed.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

select
    map.member_id,
    member_days.month_start,
    courses.course_id,
    courses.course_kind,
    courses.course_date,
    courses.event_id
from {{ ref('stg_learning__course') }} as courses
inner join {{ ref('int_learning_person_map') }} as map
    on map.person_key = courses.person_key
    and map.on_date = courses.course_date
    and map.reference_status = 'mapped'
inner join {{ ref('int_member_days') }} as member_days
    on member_days.member_id = map.member_id
    and member_days.member_day = courses.course_date
    and member_days.is_active
    and {{ in_months_to_build('member_days.month_start') }}
where courses.course_kind in ('completed', 'lectured')
