-- Records held back by a reference check (unknown_person, ambiguous_person, unknown_meeting).
-- They are excluded from scoring and re-evaluated on every build. No raw payload, no phone.
select
    event_id,
    source,
    entity,
    source_file,
    source_position,
    reference_status as reason
from {{ ref('int_reference_checks') }}
where reference_status <> 'ok'
