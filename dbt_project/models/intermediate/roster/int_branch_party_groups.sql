-- Party groups of each branch and month: the distinct non-empty party_group values of the branch's
-- party members (probationary or full) on the last day of the month.
-- Incremental by month (int_dirty_months): only the months to build are computed.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

select distinct
    member_spans.branch_id,
    months.month_start,
    member_spans.party_group
from {{ ref('int_member_spans') }} as member_spans
inner join {{ ref('int_months') }} as months  -- the span holding the month's last day
    on months.month_end = member_spans.span_end
where member_spans.is_active
  and member_spans.party_group is not null
  and trim(member_spans.party_group) <> ''
  and {{ in_months_to_build('months.month_start') }}
