-- Learning points of each member on each of the member's active days (the latest report of a day
-- wins, in staging); rows whose person did not map are quarantined, not counted.
-- Incremental by month (int_dirty_months): only the months to build are computed.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

select
    map.member_id,
    member_days.month_start,
    points.points_date,
    points.points,
    points.event_id
from {{ ref('stg_learning__points') }} as points
inner join {{ ref('int_learning_person_map') }} as map
    on map.person_key = points.person_key
    and map.on_date = points.points_date
    and map.reference_status = 'mapped'
inner join {{ ref('int_member_days') }} as member_days
    on member_days.member_id = map.member_id
    and member_days.member_day = points.points_date
    and member_days.is_active
    and {{ in_months_to_build('member_days.month_start') }}
