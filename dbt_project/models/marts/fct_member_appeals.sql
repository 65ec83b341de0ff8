-- Appeals (党员申诉), one row per appeal (its latest version) whose employee the roster knows:
-- its state, when it was filed and decided, how many days it has been (or was) open, and whether
-- it is applied (accepted and in the index: the member month is scored and not vetoed).
with appeals as (
    select appeals.*
    from {{ ref('stg_appeals__appeal') }} as appeals
    inner join {{ ref('int_reference_checks') }} as checks
        on checks.event_id = appeals.event_id
        and checks.reference_status = 'ok'
),

members as (
    select employee_no, min(member_id) as member_id
    from {{ ref('dim_member') }}
    where employee_no is not null
    group by employee_no
),

scored as (
    select months.employee_no, months.month, months.vetoed
    from {{ ref('fct_member_index_monthly') }} as months
),

in_force as (
    select appeal_id from {{ ref('int_member_appeals_in_force') }}
)

select
    appeals.appeal_id,
    coalesce(members.member_id, '-1') as member_id,
    appeals.employee_no,
    appeals.appeal_month as month,
    appeals.component,
    cast(appeals.points as decimal(18,2)) as points,
    appeals.appeal_status as status,
    appeals.reason,
    appeals.decided_by,
    appeals.filed_at,
    appeals.decided_at,
    -- open until decided (or withdrawn); a submitted appeal is open up to the run's clock
    cast({{ dbt.datediff(
        'cast(appeals.filed_at as date)',
        "coalesce(cast(appeals.decided_at as date), case when appeals.appeal_status = 'submitted' then cast('" ~ clock_date() ~ "' as date) else cast(appeals.updated_at as date) end)",
        'day') }} as integer) as days_open,
    coalesce(
        appeals.appeal_status = 'accepted' and in_force.appeal_id is not null and not scored.vetoed,
        false
    ) as applied,
    appeals.updated_at,
    appeals.recorded_at
from appeals
left join members on members.employee_no = appeals.employee_no
left join in_force on in_force.appeal_id = appeals.appeal_id
left join scored on scored.employee_no = appeals.employee_no and scored.month = appeals.appeal_month
