-- Daily learning points: for one (person, date) the latest export wins (export date, then file, then line).
-- A table, unlike the other staging models: at province scale it is the largest relation (tens of
-- millions of rows) and several models and tests read it. Incremental by month of points_date: a
-- build recomputes only the months in which new exports brought rows (a (person, date) lies in one
-- month, and learning exports have no tombstones); --full-refresh recomputes all.
{{ config(
    materialized='incremental', incremental_strategy='replace_months',
    month_column='points_month', months_from='selection', on_schema_change='fail'
) }}

with latest as (
    {{ latest_version(
        '(' ~ events_of_new_months('learning', 'points', 'points_date') ~ ')',
        'person_key, points_date',
        'export_date desc nulls last, record_time desc nulls last, source_file desc, source_position desc, recorded_at desc, batch_id desc'
    ) }}
)

select
    event_id,
    person_key,
    cast(points_date as date) as points_date,
    cast({{ dbt.date_trunc('month', 'points_date') }} as date) as points_month,
    cast(points as decimal(18,6)) as points,
    cast(cumulative_points as decimal(18,6)) as cumulative_points,
    cast(export_date as date) as export_date,
    source_file,
    source_position
from latest
where not deleted
