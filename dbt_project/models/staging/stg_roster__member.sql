-- Roster member change events: the history of each person (one state per member and effective
-- date; the latest derivation of that state wins), tombstones applied, typed.
with latest as (
    {{ latest_version(
        source('roster', 'member'),
        'member_id, effective_date',
        'recorded_at desc, batch_id desc, source_file desc, source_position desc'
    ) }}
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
