{#-
  On DuckDB, expose every event-store source as a view `events.<identifier>` over its parquet files
  (the same read_parquet the models use through the sources' external_location) for the length of
  one dbt invocation: dbt's unit tests read a source's columns from the catalog. The views reach
  the raw payloads (phones in clear), so `drop_event_views` removes them when the invocation ends
  (on-run-end): the warehouse that analysts are given holds none (README, "Security"). On
  PostgreSQL the loader fills real tables in schema `events`: nothing to do.
-#}
{% macro register_event_views() %}
    {%- if target.type != 'duckdb' or not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set statements = ['create schema if not exists events'] -%}
    {%- for source_node in graph.sources.values() if source_node.package_name == project_name -%}
        {%- set location = source_node.meta.get('external_location') or source_node.config.get('meta', {}).get('external_location') -%}
        {%- if location -%}
            {%- set location = location.replace('{name}', source_node.name).replace('{identifier}', source_node.identifier) -%}
            {%- do statements.append('create or replace view events.' ~ source_node.identifier ~ ' as select * from ' ~ location) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements | join(';\n')) }}
{% endmacro %}

{% macro drop_event_views() %}
    {%- if target.type != 'duckdb' or not execute -%}
        {{ return('') }}
    {%- endif -%}
    {{ return('drop schema if exists events cascade') }}
{% endmacro %}
