-- Accepted appeals of a scored member month (docs/scoring.md, "Appeal adjustments"): the latest
-- version of the appeal (staging) is accepted, its employee is known, and it names a scored member
-- month by employee number and month. Rejected, withdrawn and submitted appeals change nothing.
-- Incremental by month (int_dirty_months): only the months to build are computed.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

select
    member_months.member_id,
    member_months.month_start,
    appeals.appeal_id,
    appeals.component,
    cast(appeals.points as decimal(18,6)) as points,
    appeals.reason,
    appeals.decided_by,
    appeals.decided_at,
    appeals.event_id
from {{ ref('stg_appeals__appeal') }} as appeals
inner join {{ ref('int_reference_checks') }} as checks
    on checks.event_id = appeals.event_id
    and checks.reference_status = 'ok'
inner join {{ ref('int_member_months') }} as member_months
    on member_months.employee_no = appeals.employee_no
    and member_months.month = appeals.appeal_month
    and member_months.is_scored
    and {{ in_months_to_build('member_months.month_start') }}
where appeals.appeal_status = 'accepted'
  and appeals.points is not null
