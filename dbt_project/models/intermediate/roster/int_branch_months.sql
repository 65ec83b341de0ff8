-- Branch months that get a branch index: branches that are the branch of record of at least one
-- scored member in the month.
-- Incremental by month (int_dirty_months): only the months to build are computed.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

select
    coalesce(member_months.branch_id, '-1') as branch_id,
    member_months.month_start,
    count(*) as scored_members
from {{ ref('int_member_months') }} as member_months
where member_months.is_scored
  and {{ in_months_to_build('member_months.month_start') }}
group by coalesce(member_months.branch_id, '-1'), member_months.month_start
