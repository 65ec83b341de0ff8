-- Roster member change events: latest version per natural key, tombstones applied, typed.
with latest as (
    {{ latest_version(source('roster', 'member'), 'natural_key') }}
)

select
    event_id,
    member_id,
    cast(effective_date as date) as effective_date,
    change_kind,
    cast(present as boolean) as is_present,
    employee_no,
    name as member_name,
    gender,
    person_key,
    branch_id,
    nullif(trim(party_group), '') as party_group,
    status,
    cast(status_since as date) as status_since,
    record_time,
    source_file,
    source_position
from latest
where not deleted
