{#-
  Tests of month-keyed incremental tables check the months this build wrote: int_dirty_months lists
  them (every month on a full build); the months kept were tested when they were built. A generic test
  opts in with `config: {where: months_built}` (its model's `month_start` column); a singular test
  filters with `months_built(column)`. At province scale this keeps a quiet night from re-checking tens
  of millions of unchanged rows.
-#}
{% macro months_built(column='month_start') -%}
    {{ column }} in (select month_start from {{ ref('int_dirty_months') }})
{%- endmacro %}

{#- dbt's hook for a generic test's `where` config, with the `months_built` shorthand. The dirty months
    are looked up by name: a generic test cannot declare a ref here. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where == 'months_built' -%}
        {%- set dirty = adapter.get_relation(database=relation.database, schema='intermediate', identifier='int_dirty_months') -%}
        {%- set where = 'month_start in (select month_start from ' ~ dirty ~ ')' if dirty is not none else '' -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}
