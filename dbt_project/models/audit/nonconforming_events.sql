-- Events the build left out because a stored value does not convert to the type the store
-- declares (macros/conforming_source.sql): one row per event and drifted column. Empty in a
-- healthy home; `pioneer doctor --repair` moves such events to the quarantine. No raw payload.
-- Reads the event store itself, unguarded (builtins.source): one of the models allowed to read
-- sources outside staging (tests/dbt/test_project_layout.py).
{%- for source_name, entity in event_entities() %}
-- depends_on: {{ builtins.source(source_name, entity) }}
{%- endfor %}
{%- set parts = [] -%}
{%- for node in graph.sources.values() if node.package_name == project_name -%}
    {%- for column, declared in drifted_columns(node.source_name, node.name) -%}
        {%- do parts.append(
            "select cast('" ~ node.source_name ~ "' as varchar) as source, cast('" ~ node.name ~ "' as varchar) as entity, "
            ~ "event_id, batch_id, source_file, source_position, cast('" ~ column ~ "' as varchar) as column_name, "
            ~ "cast(\"" ~ column ~ "\" as varchar) as stored_value, cast('" ~ declared ~ "' as varchar) as declared_type "
            ~ "from " ~ builtins.source(node.source_name, node.name)
            ~ " where \"" ~ column ~ "\" is not null and try_cast(\"" ~ column ~ "\" as " ~ declared ~ ") is null"
        ) -%}
    {%- endfor -%}
{%- endfor %}
{% if parts %}
{{ parts | join('\nunion all\n') }}
{% else %}
select
    cast(null as varchar) as source, cast(null as varchar) as entity, cast(null as varchar) as event_id,
    cast(null as varchar) as batch_id, cast(null as varchar) as source_file, cast(null as bigint) as source_position,
    cast(null as varchar) as column_name, cast(null as varchar) as stored_value, cast(null as varchar) as declared_type
where false
{% endif %}
