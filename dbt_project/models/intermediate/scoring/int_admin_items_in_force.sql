-- Admin items in force for a member month: the latest version of the item (staging) is approved
-- (revoked = no effect) and names a scored member month by employee number and month.
-- Incremental by month (int_dirty_months): only the months to build are computed.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

select
    member_months.member_id,
    member_months.month_start,
    items.item_id,
    items.item_kind,
    cast(coalesce(items.points, 0) as decimal(18,6)) as points,
    items.reason,
    items.event_id
from {{ ref('stg_admin__item') }} as items
inner join {{ ref('int_reference_checks') }} as checks
    on checks.event_id = items.event_id
    and checks.reference_status = 'ok'
inner join {{ ref('int_member_months') }} as member_months
    on member_months.employee_no = items.employee_no
    and member_months.month = items.item_month
    and member_months.is_scored
    and {{ in_months_to_build('member_months.month_start') }}
where items.item_status = 'approved'
  and items.item_kind in ('bonus', 'deduction', 'veto')
