{#- Quarterly and yearly index of members or branches (the fct_*_index_quarterly / _yearly marts).

    The index of a period is the mean of the entity's monthly indexes in the period (months of the
    period in the marts in which it has an index), rounded half away from zero to the rules'
    index_decimals; the columns that describe the entity (member: 工号 and branch of record; branch:
    star cut-offs) and the rule version are those of its last month with an index in the period.
    Every row has the number of months reported in the period (is_complete_* when all are), RANK()
    among the period's entities and the delta to the same period a year before.

    entity: 'member' (also rank_in_branch) or 'branch' (also stars, by the last month's cut-offs).
    grain:  'quarter' (columns quarter, ..., quarter_start) or 'year' (column year, 'YYYY'). -#}
{% macro period_index(entity, grain) -%}
{%- if entity == 'member' -%}
    {%- set monthly = ref('fct_member_index_monthly') -%}
    {%- set months_counted = 'months_scored' -%}
    {%- set last_of_period = ['fct.employee_no', 'fct.branch_id', 'months.rule_version'] -%}
{%- elif entity == 'branch' -%}
    {%- set monthly = ref('fct_branch_index_monthly') -%}
    {%- set months_counted = 'months_indexed' -%}
    {%- set last_of_period = ['months.star_3_min', 'months.star_2_min', 'months.star_1_min', 'months.rule_version'] -%}
{%- else -%}
    {{ exceptions.raise_compiler_error("period_index: entity must be 'member' or 'branch', not " ~ entity) }}
{%- endif -%}
{%- if grain == 'quarter' -%}
    {%- set period_columns = ['quarter', 'quarter_start'] -%}
    {%- set period_key = 'quarter_start' -%}
    {%- set period_label = 'indexed.quarter' -%}
    {%- set months_in_period = 3 -%}
    {%- set key_a_year_before = 'cast(' ~ dbt.dateadd('month', -12, 'indexed.quarter_start') ~ ' as date)' -%}
{%- elif grain == 'year' -%}
    {%- set period_columns = ['year_number'] -%}
    {%- set period_key = 'year_number' -%}
    {%- set period_label = 'cast(indexed.year_number as ' ~ dbt.type_string() ~ ') as year' -%}
    {%- set months_in_period = 12 -%}
    {%- set key_a_year_before = 'indexed.year_number - 1' -%}
{%- else -%}
    {{ exceptions.raise_compiler_error("period_index: grain must be 'quarter' or 'year', not " ~ grain) }}
{%- endif -%}
{%- set entity_id = entity ~ '_id' -%}
with monthly as (
    select
        fct.{{ entity_id }},
        fct.index_score,
        {%- for column in period_columns %}
        months.{{ column }},
        {%- endfor %}
        months.index_decimals,
        {%- for column in last_of_period %}
        {{ column }},
        {%- endfor %}
        row_number() over (partition by fct.{{ entity_id }}, months.{{ period_key }} order by fct.month_start desc) as recency
    from {{ monthly }} as fct
    inner join {{ ref('int_months') }} as months on months.month_start = fct.month_start
),

reported as (
    select {{ period_key }}, count(*) as months_reported
    from {{ ref('int_months') }}
    group by {{ period_key }}
),

periods as (
    select
        {{ entity_id }},
        {%- for column in period_columns %}
        {{ column }},
        {%- endfor %}
        count(*) as {{ months_counted }},
        sum(index_score) as index_sum,
        max(index_decimals) as index_decimals,
        {%- for column in last_of_period %}
        {%- set name = column.split('.')[-1] %}
        max(case when recency = 1 then {{ name }} end) as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from monthly
    group by {{ entity_id }}, {{ period_columns | join(', ') }}
),

indexed as (
    select
        periods.*,
        reported.months_reported,
        cast({{ round_half_away(score_div('index_sum', months_counted, 10), 'periods.index_decimals') }} as decimal(18,2)) as index_score
    from periods
    inner join reported on reported.{{ period_key }} = periods.{{ period_key }}
)

select
    indexed.{{ entity_id }},
    {%- if entity == 'member' %}
    indexed.employee_no,
    {{ period_label }},
    indexed.branch_id,
    {%- else %}
    {{ period_label }},
    {%- endif %}
    indexed.{{ months_counted }},
    indexed.months_reported,
    indexed.months_reported = {{ months_in_period }} as is_complete_{{ grain }},
    indexed.index_score,
    {%- if entity == 'branch' %}
    case
        when indexed.index_score >= indexed.star_3_min then 3
        when indexed.index_score >= indexed.star_2_min then 2
        when indexed.index_score >= indexed.star_1_min then 1
        else 0
    end as stars,
    {%- endif %}
    rank() over (partition by indexed.{{ period_key }} order by indexed.index_score desc) as rank_overall,
    {%- if entity == 'member' %}
    rank() over (partition by indexed.{{ period_key }}, indexed.branch_id order by indexed.index_score desc) as rank_in_branch,
    {%- endif %}
    cast(indexed.index_score - previous_year.index_score as decimal(18,2)) as yoy_delta,
    indexed.rule_version
    {%- if grain == 'quarter' %},
    indexed.quarter_start
    {%- endif %}
from indexed
left join indexed as previous_year
    on previous_year.{{ entity_id }} = indexed.{{ entity_id }}
    and previous_year.{{ period_key }} = {{ key_a_year_before }}
{%- endmacro %}
