-- Branches (支部) with their latest attributes, plus the unknown branch (-1). A branch that the roster
-- names but the branch feed does not (yet) list is kept with unknown attributes, so that facts never
-- lose a row or point nowhere.
with latest as (
    select
        *,
        row_number() over (partition by branch_id order by valid_from desc) as recency
    from {{ ref('int_branch_versions') }}
    where is_present
),

listed as (
    select branch_id, branch_name, department_id, department_name
    from latest
    where recency = 1
),

named_by_roster as (
    select distinct branch_id
    from {{ ref('int_member_versions') }}
    where branch_id is not null
)

select branch_id, branch_name, department_id, department_name, true as is_listed
from listed

union all

select named_by_roster.branch_id, 'UNKNOWN', '-1', 'UNKNOWN', false
from named_by_roster
left join listed on listed.branch_id = named_by_roster.branch_id
where listed.branch_id is null

union all

select '-1', 'UNKNOWN', '-1', 'UNKNOWN', false
