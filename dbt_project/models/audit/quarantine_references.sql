-- Records held back by a reference check (unknown_person, ambiguous_person, unknown_meeting).
-- They are excluded from scoring and re-evaluated on every build. No raw payload, no phone.
-- Also state for the next build: int_touched_months compares it with the new reference checks, so it
-- is rebuilt after int_dirty_months.
-- depends_on: {{ ref('int_dirty_months') }}
{%- for leaf in build_state_after() %}
-- depends_on: {{ ref(leaf) }}
{%- endfor %}
select
    event_id,
    source,
    entity,
    source_file,
    source_position,
    reference_status as reason
from {{ ref('int_reference_checks') }}
where reference_status <> 'ok'
