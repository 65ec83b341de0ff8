-- Batches of the event store that this build reads: one row per source, entity and ingest batch
-- (a batch's file of one entity appears atomically). Copied to audit.build_batches when the build
-- has succeeded; the next build treats every batch not listed there as newly arrived.
{%- set entities = event_entities() %}
{% for source_name, entity in entities %}
select
    cast('{{ source_name }}' as {{ dbt.type_string() }}) as source,
    cast('{{ entity }}' as {{ dbt.type_string() }}) as entity,
    batch_id,
    max(recorded_at) as recorded_at,
    count(*) as events
from {{ source(source_name, entity) }}
group by batch_id
{% if not loop.last %}union all{% endif %}
{% endfor %}
