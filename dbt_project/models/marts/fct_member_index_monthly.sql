-- Pioneer Index of every scored member month (先锋指数): dimensions, bonus, deductions, veto, index,
-- grade (RANK() among the company's scored members of the month), HR coefficient, ranks, deltas,
-- and whether the member month is in the pay linkage (the rule version's hr_scope).
-- Incremental by month (int_dirty_months): only the months to build are computed.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

with scores as (
    select
        dims.member_id,
        dims.employee_no,
        dims.month,
        dims.month_start,
        coalesce(dims.branch_id, '-1') as branch_id,
        coalesce(dims.department_id, '-1') as department_id,
        dims.active_days,
        dims.org_life,
        dims.learning,
        dims.performance,
        dims.pioneer_role,
        index_scores.base,
        index_scores.bonus,
        index_scores.deductions,
        index_scores.appeal_adjustment,
        index_scores.vetoed,
        index_scores.index_score,
        dims.kpi_missing,
        dims.rule_version
    from {{ ref('int_member_dimension_scores') }} as dims
    inner join {{ ref('int_member_index_scores') }} as index_scores
        on index_scores.member_id = dims.member_id
        and index_scores.month_start = dims.month_start
    -- the months to build and the months their deltas read (M-1, M-12)
    where {{ in_months_to_build('dims.month_start', offsets=[0, 1, 12]) }}
),

ranked as (
    select
        *,
        rank() over (partition by month_start order by index_score desc) as rank_overall,
        rank() over (partition by month_start, branch_id order by index_score desc) as rank_in_branch,
        count(*) over (partition by month_start) as scored_members
    from scores
    where {{ in_months_to_build('month_start') }}
),

graded as (
    select
        ranked.*,
        case
            when ranked.vetoed then 'LAGGING'
            when ranked.index_score >= rules.grade_pioneer_min
                 and ranked.rank_overall <= floor(rules.pioneer_share * ranked.scored_members) then 'PIONEER'
            when ranked.index_score >= rules.grade_qualified_min then 'QUALIFIED'
            when ranked.index_score >= rules.grade_warning_min then 'WARNING'
            else 'LAGGING'
        end as grade,
        rules.coef_pioneer,
        rules.coef_qualified,
        rules.coef_warning,
        rules.coef_lagging,
        rules.hr_scope
    from ranked
    inner join {{ ref('rules') }} as rules on rules.rule_version = ranked.rule_version
)

select
    graded.member_id,
    graded.employee_no,
    graded.month,
    graded.branch_id,
    graded.department_id,
    graded.active_days,
    graded.org_life,
    graded.learning,
    graded.performance,
    graded.pioneer_role,
    graded.base,
    graded.bonus,
    graded.deductions,
    graded.appeal_adjustment,
    graded.vetoed,
    graded.index_score,
    graded.grade,
    cast(case graded.grade
        when 'PIONEER' then graded.coef_pioneer
        when 'QUALIFIED' then graded.coef_qualified
        when 'WARNING' then graded.coef_warning
        else graded.coef_lagging
    end as decimal(18,2)) as performance_coefficient,
    graded.rank_in_branch,
    graded.rank_overall,
    graded.scored_members,
    cast(graded.index_score - previous_month.index_score as decimal(18,2)) as mom_delta,
    cast(graded.index_score - previous_year.index_score as decimal(18,2)) as yoy_delta,
    graded.kpi_missing,
    -- in the pay linkage (docs/scoring.md, hr_scope): every department, or the version's listed ones
    coalesce(
        graded.hr_scope = 'all' or '|' || graded.hr_scope || '|' like '%|' || graded.department_id || '|%',
        false
    ) as in_pay_scope,
    graded.rule_version,
    graded.month_start
from graded
left join scores as previous_month
    on previous_month.member_id = graded.member_id
    and previous_month.month_start = cast({{ dbt.dateadd('month', -1, 'graded.month_start') }} as date)
left join scores as previous_year
    on previous_year.member_id = graded.member_id
    and previous_year.month_start = cast({{ dbt.dateadd('month', -12, 'graded.month_start') }} as date)
