{#- Database-specific constructs, dispatched so the PostgreSQL port stays small. -#}

{#- A series of dates (column `series_date`) from start to end inclusive, one per step, for every
    row of `from_relation` (start/end may be its columns); `keep` lists columns to carry along. -#}
{% macro date_series(start_date, end_date, step, from_relation, keep=[]) -%}
    {{ return(adapter.dispatch('date_series', 'pioneer')(start_date, end_date, step, from_relation, keep)) }}
{%- endmacro %}

{% macro duckdb__date_series(start_date, end_date, step, from_relation, keep) -%}
    select {% for column in keep %}{{ column }}, {% endfor %}
        cast(unnest(generate_series(cast({{ start_date }} as timestamp), cast({{ end_date }} as timestamp), interval 1 {{ step }})) as date) as series_date
    from {{ from_relation }}
{%- endmacro %}

{% macro postgres__date_series(start_date, end_date, step, from_relation, keep) -%}
    select {% for column in keep %}{{ column }}, {% endfor %}
        cast(generate_series(cast({{ start_date }} as timestamp), cast({{ end_date }} as timestamp), interval '1 {{ step }}') as date) as series_date
    from {{ from_relation }}
{%- endmacro %}

{#- One row per element of a list column: select <keys>, element as <alias> from relation. -#}
{% macro unnest_list(relation, key_columns, list_column, alias) -%}
    {{ return(adapter.dispatch('unnest_list', 'pioneer')(relation, key_columns, list_column, alias)) }}
{%- endmacro %}

{% macro duckdb__unnest_list(relation, key_columns, list_column, alias) -%}
    select {{ key_columns | join(', ') }}, unnest({{ list_column }}) as {{ alias }}
    from {{ relation }}
{%- endmacro %}

{% macro postgres__unnest_list(relation, key_columns, list_column, alias) -%}
    select {{ key_columns | join(', ') }}, unnest({{ list_column }}) as {{ alias }}
    from {{ relation }}
{%- endmacro %}

{#- YYYY-MM label of a date. -#}
{% macro month_label(date_expr) -%}
    {{ return(adapter.dispatch('month_label', 'pioneer')(date_expr)) }}
{%- endmacro %}

{% macro duckdb__month_label(date_expr) -%}
    strftime(cast({{ date_expr }} as date), '%Y-%m')
{%- endmacro %}

{% macro postgres__month_label(date_expr) -%}
    to_char(cast({{ date_expr }} as date), 'YYYY-MM')
{%- endmacro %}

{#- Exact-enough decimal division into the scores' type DECIMAL(18,6). -#}
{#- scale 6 gives the scores' DECIMAL(18,6); a larger scale (e.g. 10) keeps a quotient that is rounded
    again right away from landing on a false half-way value. -#}
{% macro score_div(numerator, denominator, scale=6) -%}
    {{ return(adapter.dispatch('score_div', 'pioneer')(numerator, denominator, scale)) }}
{%- endmacro %}

{% macro duckdb__score_div(numerator, denominator, scale) -%}
    {#- DuckDB divides decimals in DOUBLE; rounding to `scale` places restores every value that has at most that many decimals. -#}
    cast(round(cast({{ numerator }} as double) / cast({{ denominator }} as double), {{ scale }}) as decimal({{ 12 + scale }},{{ scale }}))
{%- endmacro %}

{% macro postgres__score_div(numerator, denominator, scale) -%}
    cast(cast({{ numerator }} as numeric) / cast({{ denominator }} as numeric) as decimal({{ 12 + scale }},{{ scale }}))
{%- endmacro %}

{#- The exact decimal type of every score before publication. -#}
{% macro score_type() -%}
    decimal(18,6)
{%- endmacro %}

{#- Round half away from zero to `decimals` places (a column of the rules seed), staying DECIMAL. -#}
{% macro round_half_away(value, decimals) -%}
    cast(
        sign({{ value }}) * floor(abs(cast({{ value }} as decimal(22,10))) * cast(power(10, {{ decimals }}) as decimal(18,6)) + 0.5)
        / cast(power(10, {{ decimals }}) as decimal(18,6))
    as decimal(18,6))
{%- endmacro %}

{#- Seconds between two timestamps. -#}
{% macro seconds_between(start_ts, end_ts) -%}
    {{ dbt.datediff(start_ts, end_ts, 'second') }}
{%- endmacro %}

{#- Predicate: `on_date` lies in the validity interval of row `alias` (valid_from .. valid_to, both
    inclusive; valid_to null = open-ended). -#}
{% macro valid_on(alias, on_date) -%}
    ({{ alias }}.valid_from <= {{ on_date }} and ({{ alias }}.valid_to is null or {{ alias }}.valid_to >= {{ on_date }}))
{%- endmacro %}
