-- Member months: active days per person and month, the branch of record (branch on the last active
-- day; department = that branch's department that day) and whether the month is scored
-- (at least min_active_days active days).
-- Incremental by month (int_dirty_months): only the months to build are computed.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

with active_days as (
    -- the member's active spans of the month: their days added up, the last one's end
    select
        member_id,
        month_start,
        cast(sum({{ dbt.datediff('span_start', 'span_end', 'day') }} + 1) as {{ dbt.type_bigint() }}) as active_days,
        max(span_end) as last_active_day
    from {{ ref('int_member_spans') }}
    where is_active
      and {{ in_months_to_build('month_start') }}
    group by member_id, month_start
)

select
    active_days.member_id,
    months.month,
    months.month_start,
    months.rule_version,
    active_days.active_days,
    months.days_in_month,
    active_days.last_active_day,
    active_days.active_days >= months.min_active_days as is_scored,
    last_day.employee_no,
    last_day.branch_id,
    coalesce(branches.department_id, '-1') as department_id
from active_days
inner join {{ ref('int_months') }} as months
    on months.month_start = active_days.month_start
inner join {{ ref('int_member_spans') }} as last_day  -- the one span of the member holding that day
    on last_day.member_id = active_days.member_id
    and last_day.month_start = active_days.month_start
    and last_day.span_end = active_days.last_active_day
left join {{ ref('int_branch_versions') }} as branches
    on branches.branch_id = last_day.branch_id
    and branches.is_present
    and {{ valid_on('branches', 'active_days.last_active_day') }}
