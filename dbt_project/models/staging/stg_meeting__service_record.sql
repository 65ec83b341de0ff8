-- Service records: latest version, tombstones applied.
with latest as (
    {{ latest_version(source('meeting', 'service_record'), 'natural_key') }}
)

select
    event_id,
    record_id as service_record_id,
    user_id as employee_no,
    kind as service_kind,
    grid_id,
    start_time as starts_at,
    end_time as ends_at,
    cast(verified as boolean) as is_verified,
    description,
    updated_at,
    source_file,
    source_position
from latest
where not deleted
