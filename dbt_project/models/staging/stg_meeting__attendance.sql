-- Attendance records (onsite check-ins, online join/leave segments): latest version, tombstones applied.
with latest as (
    {{ latest_version(source('meeting', 'attendance'), 'natural_key') }}
)

select
    event_id,
    record_id as attendance_id,
    meeting_id,
    user_id as employee_no,
    mode as attendance_mode,
    join_time as joined_at,
    leave_time as left_at,
    updated_at,
    source_file,
    source_position
from latest
where not deleted
