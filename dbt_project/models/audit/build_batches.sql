-- State of the last successful build: the event batches it read (int_event_batches). The next
-- build's int_touched_months treats every batch not listed here as newly arrived. Built after the
-- incremental marts, so a build that fails earlier leaves the previous state in place.
-- depends_on: {{ ref('int_dirty_months') }}
{%- for leaf in build_state_after() %}
-- depends_on: {{ ref(leaf) }}
{%- endfor %}
select source, entity, batch_id, recorded_at, events
from {{ ref('int_event_batches') }}
