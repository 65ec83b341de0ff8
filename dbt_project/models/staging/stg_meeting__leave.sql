-- Leave requests (请假): latest version, tombstones applied.
with latest as (
    {{ latest_version(source('meeting', 'leave'), 'natural_key') }}
)

select
    event_id,
    leave_id,
    meeting_id,
    user_id as employee_no,
    reason as leave_reason,
    cast(approved as boolean) as is_approved,
    updated_at,
    source_file,
    source_position
from latest
where not deleted
