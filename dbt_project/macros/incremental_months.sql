{#-
  Incremental builds by whole months (see README.md, "Incremental builds").

  int_dirty_months lists the months this build recomputes. A month-keyed model is materialized
  `incremental` with the custom strategy `replace_months`: its SQL selects only the rows of those
  months (filters below), and the strategy deletes every row of those months from the existing
  table and inserts the new ones, in one transaction. A month that no longer yields any row is
  thus emptied too (delete+insert on a unique key would keep its stale rows). Without an existing
  table, or with --full-refresh, the model is built whole (the filters select every month).
-#}

{#- The months to compute, as a subquery with month_start, month_end and month: the dirty months when
    the model builds incrementally, else every reported month. Both refs are taken at parse time so
    that the dependency is known whether or not the model is incremental; at run time only the one
    read is resolved. A unit test builds its model whole like a first build (it overrides
    is_incremental to false) and gives int_months the months to build: the same SQL, over its inputs. -#}
{% macro months_to_build() -%}
    {%- if not execute -%}
        {%- do ref('int_dirty_months') -%}
        {%- do ref('int_months') -%}
    {%- endif -%}
    {%- if is_incremental() -%}
        (select month_start, month_end, month from {{ ref('int_dirty_months') }} where is_reported)
    {%- else -%}
        (select month_start, month_end, month from {{ ref('int_months') }})
    {%- endif -%}
{%- endmacro %}

{#- Predicate: `column` (a month_start date, or a YYYY-MM label with key='month') is a month to
    compute, or, with offsets (in months), is that many months before one (the months whose index
    a month-over-month or year-over-year delta of a month to compute reads). -#}
{% macro in_months_to_build(column, key='month_start', offsets=[0]) -%}
    {%- set months = months_to_build() -%}
    (
    {%- for offset in offsets -%}
        {%- if offset == 0 %}
        {{ column }} in (select {{ key }} from {{ months }} as months_to_build)
        {%- else %}
        or cast({{ dbt.dateadd('month', offset, column) }} as date) in (select month_start from {{ months }} as months_to_build)
        {%- endif -%}
    {%- endfor %}
    )
{%- endmacro %}

{#- Custom incremental strategy: replace whole months. The month column is `month_start` unless the
    model sets config `month_column` (e.g. the ledger's `month` label). The months replaced are those
    of int_dirty_months, or, with config `months_from='selection'`, the months that the new selection
    holds (a staging table that selects the months its new events fall in). -#}
{% macro get_incremental_replace_months_sql(arg_dict) -%}
    {%- set target_relation = arg_dict['target_relation'] -%}
    {%- set temp_relation = arg_dict['temp_relation'] -%}
    {%- set month_column = config.get('month_column', 'month_start') -%}
    {%- set key = 'month' if month_column == 'month' else 'month_start' -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target_relation }}
    {%- if config.get('months_from') == 'selection' %}
    where {{ month_column }} in (select {{ month_column }} from {{ temp_relation }});
    {%- else %}
    where {{ month_column }} in (select {{ key }} from {{ ref('int_dirty_months') }});
    {%- endif %}

    insert into {{ target_relation }} ({{ columns }})
    select {{ columns }} from {{ temp_relation }}
{%- endmacro %}

{#- The previous build's state table audit.<identifier> in the warehouse being built (none on a
    first build). -#}
{% macro previous_build_state(identifier) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=this.database, schema='audit', identifier=identifier)) }}
{%- endmacro %}

{#- The month-keyed marts that the build state (audit.build_batches, audit.build_months) is written
    after: when one of them fails, the state stays that of the previous build. -#}
{% macro build_state_after() -%}
    {{ return([
        'fct_member_index_monthly', 'fct_member_points_ledger', 'fct_branch_index_monthly',
        'fct_branch_compliance_monthly', 'fct_recruitment_pipeline_monthly',
    ]) }}
{%- endmacro %}

{#- The events of source (source_name, entity) for a staging table built by months (config
    months_from='selection'): on an incremental build only the months (by `date_column`) in which a
    batch arrived that the previous build had not read (audit.build_batches), else every event.
    Right for entities whose latest-version key lies within one month and that have no tombstones
    (a month emptied by deletions would keep its old rows): the learning exports. -#}
{% macro events_of_new_months(source_name, entity, date_column) -%}
    {%- set incremental = is_incremental() -%}
    {%- set previous_batches = previous_build_state('build_batches') if incremental else none -%}
    select * from {{ source(source_name, entity) }}
    {%- if previous_batches is not none %}
    where cast({{ dbt.date_trunc('month', date_column) }} as date) in (
        select distinct cast({{ dbt.date_trunc('month', 'arrived.' ~ date_column) }} as date)
        from {{ source(source_name, entity) }} as arrived
        where not exists (
            select 1 from {{ previous_batches }} as read_before
            where read_before.source = '{{ source_name }}' and read_before.entity = '{{ entity }}'
              and read_before.batch_id = arrived.batch_id
        )
    )
    {%- endif %}
{%- endmacro %}
