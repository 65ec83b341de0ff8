-- 三会一课 cadence status as of the run's clock (docs/outputs.md, "Alerts (动态预警)"): every requirement
-- of the catalogue (macro cadence_requirements) of every branch for the open month and quarter, and
-- those whose period ended last month.
-- Open periods: branches with a party member (probationary or full) on the clock's day, party groups
-- as of that day; a requirement is met (a qualifying meeting so far), at_risk (not met, at most
-- alert_days days left, the clock's day counted) or pending. Ended periods: last month's rows of
-- fct_branch_compliance_monthly that fell due, met or missed, exactly as the branch index counted
-- them. "Met" is cadence_met in both; the open month's meetings are judged by meeting_validity as
-- int_meeting_validity judges the complete months.
{{ config(materialized='table') }}

with open_month as (
    -- the clock's month with the rule version in force on its first day
    select
        cast('{{ clock_date() }}' as date) as clock_date,
        {{ clock_month_start() }} as month_start,
        cast({{ dbt.date_trunc('quarter', clock_month_start()) }} as date) as quarter_start,
        rules.meeting_quorum_share,
        rules.alert_days
    from {{ ref('rules') }} as rules
    where rules.effective_from = (
        select max(effective_from) from {{ ref('rules') }} where effective_from <= {{ clock_month_start() }}
    )
),

open_members as (
    select versions.branch_id, versions.party_group
    from {{ ref('int_member_versions') }} as versions
    cross join open_month
    where {{ valid_on('versions', 'open_month.clock_date') }}
      and versions.is_party_member
      and versions.branch_id is not null
),

open_branches as (
    select distinct
        open_members.branch_id,
        open_month.month_start as window_first_month,
        open_month.quarter_start as quarter_window_first_month,
        open_month.month_start as window_last_month
    from open_members
    cross join open_month
),

open_groups as (
    select distinct branch_id, party_group
    from open_members
    where party_group is not null and trim(party_group) <> ''
),

requirements as (
    {{ cadence_requirement_rows('open_branches', 'open_groups', [], []) }}
),

meetings as (
    select meeting_id, branch_id, party_group, meeting_type, month_start, is_valid
    from {{ ref('int_meeting_validity') }}
    where month_start >= (select quarter_start from open_month)
    union all
    select meeting_id, branch_id, party_group, meeting_type, month_start, is_valid
    from ({{ meeting_validity('open_month') }}) as open_month_meetings
),

met as (
    {{ cadence_met('requirements', 'meetings', ['branch_id']) }}
),

open_periods as (
    select
        requirements.branch_id,
        requirements.requirement,
        requirements.requirement_name,
        requirements.needs_quorum,
        requirements.party_group,
        case when requirements.is_quarterly then 'quarter' else 'month' end as period_kind,
        requirements.window_first_month as period_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 'case when requirements.is_quarterly then 3 else 1 end', 'requirements.window_first_month')) }} as date) as period_end,
        true as is_open,
        met.meeting_ids
    from requirements
    left join met
        on met.branch_id = requirements.branch_id
        and met.requirement = requirements.requirement
        and met.party_group_key = coalesce(requirements.party_group, '')
),

catalogue as (
    {{ cadence_catalogue() }}
),

ended_periods as (
    select
        compliance.branch_id,
        compliance.requirement,
        catalogue.requirement_name,
        catalogue.needs_quorum,
        compliance.party_group,
        case when catalogue.is_quarterly then 'quarter' else 'month' end as period_kind,
        case when catalogue.is_quarterly
            then cast({{ dbt.date_trunc('quarter', 'compliance.month_start') }} as date)
            else compliance.month_start
        end as period_start,
        cast({{ dbt.dateadd('day', -1, 'open_month.month_start') }} as date) as period_end,
        false as is_open,
        compliance.meeting_ids
    from {{ ref('fct_branch_compliance_monthly') }} as compliance
    inner join catalogue on catalogue.requirement = compliance.requirement
    inner join open_month
        on compliance.month_start = cast({{ dbt.dateadd('month', -1, 'open_month.month_start') }} as date)
    where compliance.is_due
      and compliance.branch_id <> '-1'
),

periods as (
    select * from open_periods
    union all
    select * from ended_periods
)

select
    periods.branch_id,
    case when periods.period_kind = 'quarter'
        then cast(extract(year from periods.period_start) as {{ dbt.type_string() }}) || '-Q'
             || cast(extract(quarter from periods.period_start) as {{ dbt.type_string() }})
        else {{ month_label('periods.period_start') }}
    end as period,
    periods.requirement,
    periods.party_group,
    case
        when periods.meeting_ids is not null then 'met'
        when not periods.is_open then 'missed'
        when {{ dbt.datediff('open_month.clock_date', 'periods.period_end', 'day') }} + 1 <= open_month.alert_days
            then 'at_risk'
        else 'pending'
    end as status,
    case when periods.is_open
        then {{ dbt.datediff('open_month.clock_date', 'periods.period_end', 'day') }} + 1 else 0
    end as days_left,
    periods.meeting_ids,
    periods.requirement_name,
    periods.needs_quorum,
    periods.period_kind,
    periods.period_start,
    periods.period_end,
    periods.is_open,
    open_month.alert_days,
    open_month.clock_date as as_of_date
from periods
cross join open_month
