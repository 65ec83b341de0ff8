{#- The pipeline's clock: var `now` (ISO 8601, Shanghai local), default the Shanghai date of the run. -#}
{% macro clock_date() -%}
    {%- set now = var('now', none) -%}
    {%- if now is none or (now | string | trim) == '' -%}
        {%- set now = run_started_at.astimezone(modules.pytz.timezone('Asia/Shanghai')).strftime('%Y-%m-%d') -%}
    {%- endif -%}
    {{- return((now | string)[:10]) -}}
{%- endmacro %}

{#- First day of the clock's month, as a SQL date expression: the marts hold the months before it. -#}
{% macro clock_month_start() -%}
    cast('{{ clock_date()[:7] }}-01' as date)
{%- endmacro %}
