{#-
  Every model reads the event store through `source()`, and this override makes that read guard
  itself: a column whose stored type differs from the type the store declares (ingest/schema.py,
  carried by each entity's `_empty.parquet`) is cast with try_cast, and an event whose value does
  not convert is left out of the build and listed in `audit.nonconforming_events` instead of
  failing the whole build. Ingest types every value (a bad one is quarantined), so in a healthy
  home no column drifts and `source()` is exactly dbt's; `pioneer doctor --repair` moves drifted
  rows of an older home to the quarantine. DuckDB only (PostgreSQL tables are typed by the loader).
-#}
{% macro source(source_name, table_name) %}
    {%- set relation = builtins.source(source_name, table_name) -%}
    {%- set drifted = drifted_columns(source_name, table_name) -%}
    {%- if not drifted -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set casts, breaks = [], [] -%}
    {%- for column, declared in drifted -%}
        {%- do casts.append('try_cast("' ~ column ~ '" as ' ~ declared ~ ') as "' ~ column ~ '"') -%}
        {%- do breaks.append('("' ~ column ~ '" is not null and try_cast("' ~ column ~ '" as ' ~ declared ~ ') is null)') -%}
    {%- endfor -%}
    {{ return('(select * replace (' ~ casts | join(', ') ~ ') from ' ~ relation ~ ' where not (' ~ breaks | join(' or ') ~ '))') }}
{% endmacro %}

{#- [column, declared type] of each column of a source whose stored type is not the declared one. -#}
{% macro drifted_columns(source_name, table_name) %}
    {#- a unit test's graph holds no sources: its inputs are fixtures, typed by dbt -#}
    {%- if not execute or target.type != 'duckdb' or 'sources' not in graph -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set node = graph.sources.get('source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name) -%}
    {%- set location = (node.meta.get('external_location') or node.config.get('meta', {}).get('external_location')) if node else none -%}
    {%- if not location -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set location = location.replace('{name}', node.name).replace('{identifier}', node.identifier) -%}
    {%- set declared = env_var('PIONEER_HOME', 'data/state') ~ '/events/' ~ source_name ~ '/' ~ table_name ~ '/_empty.parquet' -%}
    {%- if run_query("select count(*) from glob('" ~ declared | replace("'", "''") ~ "')").rows[0][0] == 0 -%}
        {{ return([]) }}  {#- no store here (a unit test's home): nothing can drift -#}
    {%- endif -%}
    {%- set query -%}
        select stored.column_name, declared.column_type
        from (describe select * from {{ location }}) as stored
        join (describe select * from read_parquet('{{ declared | replace("'", "''") }}')) as declared using (column_name)
        where stored.column_type <> declared.column_type
        order by stored.column_name
    {%- endset -%}
    {{ return(run_query(query).rows | map('list') | list) }}
{% endmacro %}
