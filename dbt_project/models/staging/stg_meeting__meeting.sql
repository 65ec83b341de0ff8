-- Meetings: latest version per meeting id (updated_at, then file, then line); tombstoned meetings are gone.
with latest as (
    {{ latest_version(source('meeting', 'meeting'), 'natural_key') }}
)

select
    event_id,
    meeting_id,
    branch_id,
    nullif(trim(party_group), '') as party_group,
    type as meeting_type,
    title,
    start_time as starts_at,
    end_time as ends_at,
    status as meeting_status,
    updated_at,
    source_file,
    source_position
from latest
where not deleted
