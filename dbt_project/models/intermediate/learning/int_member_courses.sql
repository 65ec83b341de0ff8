-- Courses completed and lectures delivered by each member on the member's active days (mapped rows
-- only; range joins as in int_member_learning_days).
-- Incremental by month (int_dirty_months): only the months to build are computed.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

select
    map.member_id,
    cast({{ dbt.date_trunc('month', 'courses.course_date') }} as date) as month_start,
    courses.course_id,
    courses.course_kind,
    courses.course_date,
    courses.event_id
from {{ ref('stg_learning__course') }} as courses
inner join {{ ref('int_learning_person_map') }} as map
    on map.person_key = courses.person_key
    and {{ valid_on('map', 'courses.course_date') }}
    and map.reference_status = 'mapped'
inner join {{ ref('int_member_versions') }} as versions
    on versions.member_id = map.member_id
    and {{ valid_on('versions', 'courses.course_date') }}
    and versions.is_party_member
where courses.course_kind in ('completed', 'lectured')
    and {{ in_months_to_build('cast(' ~ dbt.date_trunc('month', 'courses.course_date') ~ ' as date)') }}
