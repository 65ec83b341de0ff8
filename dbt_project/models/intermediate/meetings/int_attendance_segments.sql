-- Attendance records that passed the reference checks, clipped to the meeting's scheduled
-- start–end (online segments), with the presence share of the rule version of the meeting's month.
with attendance as (
    select attendance.*
    from {{ ref('stg_meeting__attendance') }} as attendance
    inner join {{ ref('int_reference_checks') }} as checks
        on checks.event_id = attendance.event_id
        and checks.reference_status = 'ok'
)

select
    attendance.attendance_id,
    attendance.meeting_id,
    attendance.employee_no,
    attendance.attendance_mode,
    meetings.starts_at as scheduled_start,
    meetings.ends_at as scheduled_end,
    case when attendance.joined_at > meetings.starts_at then attendance.joined_at else meetings.starts_at end as segment_start,
    case when attendance.left_at < meetings.ends_at then attendance.left_at else meetings.ends_at end as segment_end
from attendance
inner join {{ ref('stg_meeting__meeting') }} as meetings
    on meetings.meeting_id = attendance.meeting_id
