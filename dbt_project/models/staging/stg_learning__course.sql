-- Courses completed / lectures delivered: one row per (person, course id, kind, date), latest export wins.
-- A table built by month of course_date, like stg_learning__points.
{{ config(
    materialized='incremental', incremental_strategy='replace_months',
    month_column='course_month', months_from='selection', on_schema_change='fail'
) }}

with latest as (
    {{ latest_version(
        '(' ~ events_of_new_months('learning', 'course', 'course_date') ~ ')',
        'person_key, course_id, course_kind, course_date',
        'export_date desc nulls last, record_time desc nulls last, source_file desc, source_position desc, recorded_at desc, batch_id desc'
    ) }}
)

select
    event_id,
    person_key,
    course_id,
    course_name,
    course_kind,
    cast(course_date as date) as course_date,
    cast({{ dbt.date_trunc('month', 'course_date') }} as date) as course_month,
    cast(export_date as date) as export_date,
    source_file,
    source_position
from latest
where not deleted
