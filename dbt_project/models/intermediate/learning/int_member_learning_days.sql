-- Learning points of each member on the member's active days (the latest report of a day wins, in
-- staging); rows whose person did not map are quarantined (int_reference_checks), not counted.
-- Range joins on validity intervals (the phone's mapping segment, the member's version) instead of
-- one row per member-day. Incremental by month (int_dirty_months): only the months to build.
-- A row is keyed by its report's key in staging (person_key, points_date), not by the report's event id:
-- tens of millions of 64-character ids cost more to write than the rest of the table, and the key
-- finds the report all the same. One row per report by construction: staging keeps one report per key,
-- a phone's mapping segments do not overlap (assert_person_map_segments_tile) and neither do a
-- member's versions (int_member_versions), so each report meets at most one segment and one version.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

select
    map.member_id,
    points.points_month as month_start,
    points.points_date,
    points.person_key,
    points.points
from {{ ref('stg_learning__points') }} as points
inner join {{ ref('int_learning_person_map') }} as map
    on map.person_key = points.person_key
    and {{ valid_on('map', 'points.points_date') }}
    and map.reference_status = 'mapped'
inner join {{ ref('int_member_versions') }} as versions
    on versions.member_id = map.member_id
    and {{ valid_on('versions', 'points.points_date') }}
    and versions.is_party_member
where {{ in_months_to_build('points.points_month') }}
