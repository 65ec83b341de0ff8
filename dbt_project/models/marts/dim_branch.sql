-- Branches (支部) with their latest attributes, plus the unknown branch (-1).
with latest as (
    select
        *,
        row_number() over (partition by branch_id order by valid_from desc) as recency
    from {{ ref('int_branch_versions') }}
    where is_present
)

select branch_id, branch_name, department_id, department_name
from latest
where recency = 1

union all

select '-1', 'UNKNOWN', '-1', 'UNKNOWN'
