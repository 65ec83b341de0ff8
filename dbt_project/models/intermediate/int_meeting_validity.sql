-- Quorum of every held meeting in a reported month: due members as listed (whatever their status),
-- how many of them attended (excused or not; attendance as for the member index), and whether the
-- meeting is valid: more than meeting_quorum_share of the due members attended. An empty due list
-- is never valid.
-- Incremental by month (int_dirty_months): only the months to build are computed.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

with meetings as (
    select
        meetings.meeting_id,
        meetings.branch_id,
        meetings.party_group,
        meetings.meeting_type,
        meetings.starts_at,
        months.month_start,
        months.quarter_start,
        months.meeting_quorum_share
    from {{ ref('stg_meeting__meeting') }} as meetings
    inner join {{ ref('int_months') }} as months
        on months.month_start = cast({{ dbt.date_trunc('month', 'meetings.starts_at') }} as date)
    where meetings.meeting_status = 'held'
      and {{ in_months_to_build('months.month_start') }}
),

quorum as (
    select
        due.meeting_id,
        count(*) as due_members,
        sum(case when coalesce(presence.is_attended, false) then 1 else 0 end) as attended_members
    from {{ ref('stg_meeting__meeting_due_users') }} as due
    left join {{ ref('int_meeting_presence') }} as presence
        on presence.meeting_id = due.meeting_id
        and presence.employee_no = due.employee_no
    group by due.meeting_id
)

select
    meetings.meeting_id,
    meetings.branch_id,
    meetings.party_group,
    meetings.meeting_type,
    meetings.starts_at,
    meetings.month_start,
    meetings.quarter_start,
    coalesce(quorum.due_members, 0) as due_members,
    coalesce(quorum.attended_members, 0) as attended_members,
    coalesce(quorum.due_members, 0) > 0
        and quorum.attended_members > meetings.meeting_quorum_share * quorum.due_members as is_valid
from meetings
left join quorum on quorum.meeting_id = meetings.meeting_id
