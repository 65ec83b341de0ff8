-- Recruitment pipeline (发展党员): per branch, month and status, the persons at that status on the last
-- day of the month and the transitions into it during the month (a person listed with a new status,
-- or newly listed; the first snapshot is the initial state, not a transition).
-- Incremental by month (int_dirty_months): only the months to build are computed.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

with months as (
    select month_start, month_end, month from {{ ref('int_months') }}
    where {{ in_months_to_build('month_start') }}
),

first_snapshot as (
    select min(valid_from) as first_day from {{ ref('int_member_versions') }}
),

at_month_end as (
    -- the spans holding the month's last day: one per person listed that day
    select member_spans.branch_id, months.month_start, member_spans.status, count(*) as persons_at_month_end
    from {{ ref('int_member_spans') }} as member_spans
    inner join months on months.month_end = member_spans.span_end
    group by member_spans.branch_id, months.month_start, member_spans.status
),

versions as (
    select
        *,
        lag(status) over (partition by member_id order by valid_from) as previous_status,
        lag(is_present) over (partition by member_id order by valid_from) as previous_is_present
    from {{ ref('int_member_versions') }}
),

transitions as (
    select versions.branch_id, months.month_start, versions.status, count(*) as transitions_in
    from versions
    cross join first_snapshot
    inner join months
        on versions.valid_from between months.month_start and months.month_end
    where versions.is_present
      and versions.valid_from > first_snapshot.first_day
      and (versions.previous_status is null
           or not versions.previous_is_present
           or versions.previous_status <> versions.status)
    group by versions.branch_id, months.month_start, versions.status
),

statuses as (  -- the roster statuses in pipeline order (vocabulary seed member_status)
    select status, status_stage as stage from {{ ref('member_status') }}
),

branch_months as (
    select distinct branch_id, month_start from at_month_end
    union
    select distinct branch_id, month_start from transitions
)

select
    coalesce(branch_months.branch_id, '-1') as branch_id,
    months.month,
    statuses.status,
    statuses.stage as status_stage,
    coalesce(at_month_end.persons_at_month_end, 0) as persons_at_month_end,
    coalesce(transitions.transitions_in, 0) as transitions_in,
    months.month_start
from branch_months
inner join months on months.month_start = branch_months.month_start
cross join statuses
left join at_month_end
    on at_month_end.branch_id = branch_months.branch_id
    and at_month_end.month_start = branch_months.month_start
    and at_month_end.status = statuses.status
left join transitions
    on transitions.branch_id = branch_months.branch_id
    and transitions.month_start = branch_months.month_start
    and transitions.status = statuses.status
