-- Branch index (支部指数) of every branch that is the branch of record of at least one scored member:
-- 0.7 × mean member index (unrounded) + 0.3 × compliance (100 × met / due), rounded once to 2 places
-- half away from zero; stars, rank and comparisons.
-- Incremental by month (int_dirty_months): only the months to build are computed.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

with members as (
    select
        branch_id,
        month_start,
        count(*) as scored_members,
        sum(index_score) as index_sum
    from {{ ref('fct_member_index_monthly') }}
    -- the months to build and the months their deltas read (M-1, M-12)
    where {{ in_months_to_build('month_start', offsets=[0, 1, 12]) }}
    group by branch_id, month_start
),

compliance as (
    select
        branch_id,
        month_start,
        sum(case when is_due then 1 else 0 end) as compliance_due,
        sum(case when is_due and is_met then 1 else 0 end) as compliance_met
    from {{ ref('fct_branch_compliance_monthly') }}
    where {{ in_months_to_build('month_start', offsets=[0, 1, 12]) }}
    group by branch_id, month_start
),

scored as (
    select
        members.branch_id,
        months.month,
        months.month_start,
        months.rule_version,
        members.scored_members,
        members.index_sum,
        coalesce(compliance.compliance_due, 0) as compliance_due,
        coalesce(compliance.compliance_met, 0) as compliance_met,
        months.branch_member_weight,
        months.branch_compliance_weight,
        months.compliance_scale,
        months.index_decimals,
        months.star_3_min,
        months.star_2_min,
        months.star_1_min
    from members
    inner join {{ ref('int_months') }} as months on months.month_start = members.month_start
    left join compliance
        on compliance.branch_id = members.branch_id
        and compliance.month_start = members.month_start
),

indexed as (
    select
        *,
        {{ score_div('index_sum', 'scored_members') }} as member_component,
        case when compliance_due = 0 then compliance_scale
             else {{ score_div('compliance_scale * compliance_met', 'compliance_due') }} end as compliance,
        {{ round_half_away(
            score_div(
                'branch_member_weight * index_sum * greatest(compliance_due, 1) + branch_compliance_weight * compliance_scale * (case when compliance_due = 0 then 1 else compliance_met end) * scored_members',
                'scored_members * greatest(compliance_due, 1)', 10),
            'index_decimals') }} as branch_index
    from scored
),

final as (
    select
        *,
        cast(branch_index as decimal(18,2)) as index_score,
        case
            when branch_index >= star_3_min then 3
            when branch_index >= star_2_min then 2
            when branch_index >= star_1_min then 1
            else 0
        end as stars,
        rank() over (partition by month_start order by branch_index desc) as rank_overall
    from indexed
)

select
    final.branch_id,
    final.month,
    final.scored_members,
    final.member_component,
    final.compliance_due,
    final.compliance_met,
    final.compliance,
    final.index_score,
    final.stars,
    final.rank_overall,
    cast(final.index_score - previous_month.index_score as decimal(18,2)) as mom_delta,
    cast(final.index_score - previous_year.index_score as decimal(18,2)) as yoy_delta,
    final.rule_version,
    final.month_start
from final
left join final as previous_month
    on previous_month.branch_id = final.branch_id
    and previous_month.month_start = cast({{ dbt.dateadd('month', -1, 'final.month_start') }} as date)
left join final as previous_year
    on previous_year.branch_id = final.branch_id
    and previous_year.month_start = cast({{ dbt.dateadd('month', -12, 'final.month_start') }} as date)
where {{ in_months_to_build('final.month_start') }}
