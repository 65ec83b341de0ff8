-- Courses completed / lectures delivered: one row per (person, course id, kind, date), latest export wins.
with latest as (
    {{ latest_version(
        source('learning', 'course'),
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
    cast(export_date as date) as export_date,
    source_file,
    source_position
from latest
where not deleted
