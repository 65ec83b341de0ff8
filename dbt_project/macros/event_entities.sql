{#-
  Every (source, entity) of the event store (ingest/schema.py ENTITIES), one list for the models
  that read them all (int_event_batches, int_touched_months).
-#}
{% macro event_entities() -%}
    {{ return([
        ('roster', 'member'), ('roster', 'snapshot'), ('roster', 'branch'),
        ('meeting', 'meeting'), ('meeting', 'attendance'), ('meeting', 'leave'), ('meeting', 'service_record'),
        ('learning', 'points'), ('learning', 'course'), ('performance', 'kpi'), ('admin', 'item'),
        ('appeals', 'appeal'),
    ]) }}
{%- endmacro %}
