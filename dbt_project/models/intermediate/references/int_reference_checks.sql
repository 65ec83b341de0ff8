-- Reference checks of every record that points at a person or a meeting: one row per meeting,
-- admin and appeal record with its reference_status (ok, unknown_person, ambiguous_person, unknown_meeting),
-- and one per learning record that is held back (its phone maps to nobody or to several people).
-- Evaluated on every build, so a record counts as soon as the roster snapshot or meeting it needs has arrived.
with known_meetings as (
    select meeting_id from {{ ref('stg_meeting__meeting') }}
),

attendance as (
    select
        a.event_id, 'meeting' as source, 'attendance' as entity, a.source_file, a.source_position,
        case
            when e.employee_no is null then 'unknown_person'
            when m.meeting_id is null then 'unknown_meeting'
            else 'ok'
        end as reference_status
    from {{ ref('stg_meeting__attendance') }} as a
    left join {{ ref('int_known_employees') }} as e on e.employee_no = a.employee_no
    left join known_meetings as m on m.meeting_id = a.meeting_id
),

leaves as (
    select
        l.event_id, 'meeting' as source, 'leave' as entity, l.source_file, l.source_position,
        case
            when e.employee_no is null then 'unknown_person'
            when m.meeting_id is null then 'unknown_meeting'
            else 'ok'
        end as reference_status
    from {{ ref('stg_meeting__leave') }} as l
    left join {{ ref('int_known_employees') }} as e on e.employee_no = l.employee_no
    left join known_meetings as m on m.meeting_id = l.meeting_id
),

services as (
    select
        s.event_id, 'meeting' as source, 'service_record' as entity, s.source_file, s.source_position,
        case when e.employee_no is null then 'unknown_person' else 'ok' end as reference_status
    from {{ ref('stg_meeting__service_record') }} as s
    left join {{ ref('int_known_employees') }} as e on e.employee_no = s.employee_no
),

admin_items as (
    select
        i.event_id, 'admin' as source, 'item' as entity, i.source_file, i.source_position,
        case when e.employee_no is null then 'unknown_person' else 'ok' end as reference_status
    from {{ ref('stg_admin__item') }} as i
    left join {{ ref('int_known_employees') }} as e on e.employee_no = i.employee_no
),

appeals as (
    select
        a.event_id, 'appeals' as source, 'appeal' as entity, a.source_file, a.source_position,
        case when e.employee_no is null then 'unknown_person' else 'ok' end as reference_status
    from {{ ref('stg_appeals__appeal') }} as a
    left join {{ ref('int_known_employees') }} as e on e.employee_no = a.employee_no
),

learning_points as (
    -- learning rows are listed only when held back: the learning models read the person map directly
    select
        p.event_id, 'learning' as source, 'points' as entity, p.source_file, p.source_position,
        coalesce(map.reference_status, 'unknown_person') as reference_status
    from {{ ref('stg_learning__points') }} as p
    left join {{ ref('int_learning_person_map') }} as map
        on map.person_key = p.person_key and {{ valid_on('map', 'p.points_date') }}
    where map.reference_status is null or map.reference_status <> 'mapped'
),

learning_courses as (
    select
        c.event_id, 'learning' as source, 'course' as entity, c.source_file, c.source_position,
        coalesce(map.reference_status, 'unknown_person') as reference_status
    from {{ ref('stg_learning__course') }} as c
    left join {{ ref('int_learning_person_map') }} as map
        on map.person_key = c.person_key and {{ valid_on('map', 'c.course_date') }}
    where map.reference_status is null or map.reference_status <> 'mapped'
)

select * from attendance
union all select * from leaves
union all select * from services
union all select * from admin_items
union all select * from appeals
union all select * from learning_points
union all select * from learning_courses
