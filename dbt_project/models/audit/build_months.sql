-- State of the last successful build: the month spine it reported, with the rules in force in each
-- month (int_months). The next build recomputes a month that is new here or whose rules changed.
-- depends_on: {{ ref('int_dirty_months') }}
{%- for leaf in build_state_after() %}
-- depends_on: {{ ref(leaf) }}
{%- endfor %}
select *
from {{ ref('int_months') }}
