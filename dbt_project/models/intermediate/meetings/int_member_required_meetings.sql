-- Required meetings of each member (docs/scoring.md): held, of one of the five 三会一课 types,
-- starting in a reported month on one of the member's active days, with the member in the due list.
-- excused: an approved leave exists; attended: attended and not excused.
-- Incremental by month (int_dirty_months): only the months to build are computed.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

with required as (
    select
        meetings.meeting_id,
        meetings.meeting_type,
        meetings.starts_at,
        due.employee_no
    from {{ ref('stg_meeting__meeting') }} as meetings
    inner join {{ ref('stg_meeting__meeting_due_users') }} as due
        on due.meeting_id = meetings.meeting_id
    where meetings.meeting_status = 'held'
      and meetings.meeting_type in ('branch_general', 'committee', 'group', 'lecture', 'theme_day')
),

approved_leaves as (
    select distinct leaves.meeting_id, leaves.employee_no
    from {{ ref('stg_meeting__leave') }} as leaves
    inner join {{ ref('int_reference_checks') }} as checks
        on checks.event_id = leaves.event_id
        and checks.reference_status = 'ok'
    where leaves.is_approved
)

select
    member_spans.member_id,
    member_spans.month_start,
    required.meeting_id,
    required.meeting_type,
    required.starts_at,
    approved_leaves.meeting_id is not null as is_excused,
    approved_leaves.meeting_id is null and coalesce(presence.is_attended, false) as is_attended,
    approved_leaves.meeting_id is null and not coalesce(presence.is_attended, false) as is_unexcused_absence
from required
inner join {{ ref('int_member_spans') }} as member_spans  -- the span holding the start day
    on {{ span_holding('member_spans', 'required.employee_no', 'required.starts_at') }}
    and {{ in_months_to_build('member_spans.month_start') }}
left join approved_leaves
    on approved_leaves.meeting_id = required.meeting_id
    and approved_leaves.employee_no = required.employee_no
left join {{ ref('int_meeting_presence') }} as presence
    on presence.meeting_id = required.meeting_id
    and presence.employee_no = required.employee_no
