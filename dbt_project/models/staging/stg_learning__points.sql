-- Daily learning points: for one (person, date) the latest export wins (export date, then file, then line).
-- A table, unlike the other staging models: at province scale it is the largest relation (tens of
-- millions of rows) and several models and tests read it; as a view each of them would redo the
-- latest-version window.
{{ config(materialized='table') }}
with latest as (
    {{ latest_version(
        source('learning', 'points'),
        'person_key, points_date',
        'export_date desc nulls last, record_time desc nulls last, source_file desc, source_position desc, recorded_at desc, batch_id desc'
    ) }}
)

select
    event_id,
    person_key,
    cast(points_date as date) as points_date,
    cast(points as decimal(18,6)) as points,
    cast(cumulative_points as decimal(18,6)) as cumulative_points,
    cast(export_date as date) as export_date,
    source_file,
    source_position
from latest
where not deleted
