-- 三会一课 cadence requirements of every branch month with a branch index, from the catalogue
-- (macro cadence_requirements): 支委会 committee and 主题党日 theme_day every month, 党小组会 group once
-- per party group every month, 支部党员大会 branch_general and 党课 lecture in the last month of each
-- quarter (met by a meeting anywhere in the quarter up to the month). committee and branch_general
-- meetings must be valid (quorum); the others only held. "Met" is cadence_met, shared with
-- fct_branch_cadence_status.
-- Incremental by month (int_dirty_months): only the months to build are computed.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

with branch_months as (
    select
        branch_months.branch_id,
        months.month_start,
        months.month,
        months.is_quarter_end_month,
        months.month_start as window_first_month,
        months.quarter_start as quarter_window_first_month,
        months.month_start as window_last_month
    from {{ ref('int_branch_months') }} as branch_months
    inner join {{ ref('int_months') }} as months
        on months.month_start = branch_months.month_start
    where {{ in_months_to_build('months.month_start') }}
),

party_groups as (
    select branch_id, month_start, party_group
    from {{ ref('int_branch_party_groups') }}
),

requirements as (
    {{ cadence_requirement_rows('branch_months', 'party_groups', ['month_start', 'month', 'is_quarter_end_month'], ['month_start']) }}
),

met as (
    {{ cadence_met('requirements', ref('int_meeting_validity'), ['branch_id', 'month_start']) }}
)

select
    requirements.branch_id,
    requirements.month,
    requirements.requirement,
    requirements.party_group,
    not requirements.is_quarterly or requirements.is_quarter_end_month as is_due,
    met.meeting_ids is not null as is_met,
    met.meeting_ids,
    requirements.month_start
from requirements
left join met
    on met.branch_id = requirements.branch_id
    and met.month_start = requirements.month_start
    and met.requirement = requirements.requirement
    and met.party_group_key = coalesce(requirements.party_group, '')
