{#- Join condition: `spans` (an alias of int_member_spans) is the active span of `employee` that
    holds the day of timestamp `at` (a member's spans are disjoint: at most one). The month key is
    implied by the range; it is there for the join to hash on. -#}
{% macro span_holding(spans, employee, at) -%}
    {{ spans }}.employee_no = {{ employee }}
    and {{ spans }}.month_start = cast({{ dbt.date_trunc('month', at) }} as date)
    and cast({{ at }} as date) between {{ spans }}.span_start and {{ spans }}.span_end
    and {{ spans }}.is_active
{%- endmacro %}
