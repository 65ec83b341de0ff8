-- 三会一课 cadence requirements of every branch month with a branch index: 支委会 committee and 主题党日
-- theme_day every month, 党小组会 group once per party group every month, 支部党员大会 branch_general and
-- 党课 lecture in the last month of each quarter (met by a meeting anywhere in the quarter).
-- committee and branch_general meetings must be valid (quorum); the others only held.
-- Incremental by month (int_dirty_months): only the months to build are computed.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

with branch_months as (
    select
        branch_months.branch_id,
        months.month_start,
        months.month,
        months.quarter_start,
        months.is_quarter_end_month
    from {{ ref('int_branch_months') }} as branch_months
    inner join {{ ref('int_months') }} as months
        on months.month_start = branch_months.month_start
    where {{ in_months_to_build('months.month_start') }}
),

requirements as (
    select branch_id, month_start, month, quarter_start, 'committee' as requirement,
           cast(null as {{ dbt.type_string() }}) as party_group, true as is_due, false as quarterly
    from branch_months
    union all
    select branch_id, month_start, month, quarter_start, 'theme_day', null, true, false
    from branch_months
    union all
    select branch_months.branch_id, branch_months.month_start, branch_months.month, branch_months.quarter_start,
           'group', groups.party_group, true, false
    from branch_months
    inner join {{ ref('int_branch_party_groups') }} as groups
        on groups.branch_id = branch_months.branch_id
        and groups.month_start = branch_months.month_start
    union all
    select branch_id, month_start, month, quarter_start, 'branch_general', null, is_quarter_end_month, true
    from branch_months
    union all
    select branch_id, month_start, month, quarter_start, 'lecture', null, is_quarter_end_month, true
    from branch_months
),

qualifying as (
    select
        requirements.branch_id,
        requirements.month_start,
        requirements.requirement,
        requirements.party_group,
        meetings.meeting_id
    from requirements
    inner join {{ ref('int_meeting_validity') }} as meetings
        on meetings.branch_id = requirements.branch_id
        and meetings.meeting_type = requirements.requirement
        and (
            (not requirements.quarterly and meetings.month_start = requirements.month_start)
            or (requirements.quarterly and meetings.quarter_start = requirements.quarter_start
                and meetings.month_start <= requirements.month_start)
        )
        and (requirements.requirement <> 'group' or meetings.party_group = requirements.party_group)
        and (requirements.requirement not in ('committee', 'branch_general') or meetings.is_valid)
),

met as (
    select
        branch_id,
        month_start,
        requirement,
        coalesce(party_group, '') as party_group_key,
        {{ dbt.listagg('meeting_id', "','", 'order by meeting_id') }} as meeting_ids
    from qualifying
    group by branch_id, month_start, requirement, coalesce(party_group, '')
)

select
    requirements.branch_id,
    requirements.month,
    requirements.requirement,
    requirements.party_group,
    requirements.is_due,
    met.meeting_ids is not null as is_met,
    met.meeting_ids,
    requirements.month_start
from requirements
left join met
    on met.branch_id = requirements.branch_id
    and met.month_start = requirements.month_start
    and met.requirement = requirements.requirement
    and met.party_group_key = coalesce(requirements.party_group, '')
