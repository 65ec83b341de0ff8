-- Persons of the roster with their latest listed attributes, plus the unknown member (-1).
with latest as (
    select
        *,
        row_number() over (partition by member_id order by valid_from desc) as recency
    from {{ ref('int_member_versions') }}
    where is_present
),

last_event as (
    select member_id, is_present as is_listed
    from (
        select member_id, is_present, row_number() over (partition by member_id order by valid_from desc) as recency
        from {{ ref('int_member_versions') }}
    ) as events
    where recency = 1
)

select
    latest.member_id,
    latest.employee_no,
    latest.member_name as name,
    latest.gender,
    latest.branch_id,
    latest.party_group,
    case when last_event.is_listed then latest.status else 'inactive' end as status,
    latest.status_since,
    last_event.is_listed as is_listed
from latest
inner join last_event on last_event.member_id = latest.member_id
where latest.recency = 1

union all

select
    '-1' as member_id,
    'UNKNOWN' as employee_no,
    'UNKNOWN' as name,
    cast(null as {{ dbt.type_string() }}) as gender,
    '-1' as branch_id,
    cast(null as {{ dbt.type_string() }}) as party_group,
    'unknown' as status,
    cast(null as date) as status_since,
    false as is_listed
