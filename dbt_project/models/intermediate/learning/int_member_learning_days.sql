-- Learning points of each member on the member's active days (the latest report of a day wins, in
-- staging); rows whose person did not map are quarantined (int_reference_checks), not counted.
-- Range joins on validity intervals (the phone's mapping segment, the member's version) instead of
-- one row per member-day. Incremental by month (int_dirty_months): only the months to build.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

select
    map.member_id,
    cast({{ dbt.date_trunc('month', 'points.points_date') }} as date) as month_start,
    points.points_date,
    points.points,
    points.event_id
from {{ ref('stg_learning__points') }} as points
inner join {{ ref('int_learning_person_map') }} as map
    on map.person_key = points.person_key
    and {{ valid_on('map', 'points.points_date') }}
    and map.reference_status = 'mapped'
inner join {{ ref('int_member_versions') }} as versions
    on versions.member_id = map.member_id
    and {{ valid_on('versions', 'points.points_date') }}
    and versions.is_party_member
where {{ in_months_to_build('cast(' ~ dbt.date_trunc('month', 'points.points_date') ~ ' as date)') }}
