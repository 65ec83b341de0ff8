-- The four base dimensions (基本指数) of every scored member month, exact DECIMAL(18,6):
-- org_life 组织生活, learning 学习教育 (learning_basis points: daily points against a target prorated by
-- active days; courses: distinct courses completed against course_target), performance 业绩贡献
-- (KPI capped; 0 and kpi_missing when no KPI), pioneer_role 先锋作用 (service hours).
-- Incremental by month (int_dirty_months): only the months to build are computed.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

with scored as (
    select
        member_months.*,
        rules.org_life_max,
        rules.learning_max,
        rules.performance_max,
        rules.pioneer_role_max,
        rules.learning_monthly_target,
        rules.learning_basis,
        rules.course_target,
        rules.kpi_full_score,
        rules.service_target_hours
    from {{ ref('int_member_months') }} as member_months
    inner join {{ ref('rules') }} as rules
        on rules.rule_version = member_months.rule_version
    where member_months.is_scored
      and {{ in_months_to_build('member_months.month_start') }}
),

learning as (
    select member_id, month_start, sum(points) as learning_points
    from {{ ref('int_member_learning_days') }}
    where {{ in_months_to_build('month_start') }}
    group by member_id, month_start
),

courses as (
    -- distinct courses completed on active days (the learning basis of a `courses` version)
    select member_id, month_start, count(distinct course_id) as courses_completed
    from {{ ref('int_member_courses') }}
    where course_kind = 'completed'
      and {{ in_months_to_build('month_start') }}
    group by member_id, month_start
),

service as (
    select member_id, month_start, sum(service_seconds) as service_seconds
    from {{ ref('int_member_service_records') }}
    where {{ in_months_to_build('month_start') }}
    group by member_id, month_start
),

kpi as (
    select employee_no, kpi_month, kpi_score
    from {{ ref('stg_performance__kpi') }}
),

measures as (
    select
        scored.member_id,
        scored.month,
        scored.month_start,
        scored.rule_version,
        scored.employee_no,
        scored.branch_id,
        scored.department_id,
        scored.active_days,
        scored.days_in_month,
        coalesce(org_life.meetings_due, 0) as meetings_due,
        coalesce(org_life.meetings_excused, 0) as meetings_excused,
        coalesce(org_life.meetings_attended, 0) as meetings_attended,
        coalesce(org_life.unexcused_absences, 0) as unexcused_absences,
        cast(coalesce(learning.learning_points, 0) as decimal(18,6)) as learning_points,
        {{ score_div('scored.learning_monthly_target * scored.active_days', 'scored.days_in_month') }} as learning_target,
        case when scored.learning_basis = 'courses' then 'courses' else 'points' end as learning_basis,
        coalesce(courses.courses_completed, 0) as courses_completed,
        scored.course_target,
        kpi.kpi_score,
        kpi.kpi_score is null as kpi_missing,
        coalesce(service.service_seconds, 0) as service_seconds,
        {{ score_div('coalesce(service.service_seconds, 0)', 3600) }} as service_hours,
        scored.learning_monthly_target,
        scored.org_life_max,
        scored.learning_max,
        scored.performance_max,
        scored.pioneer_role_max,
        scored.kpi_full_score,
        scored.service_target_hours
    from scored
    left join {{ ref('int_member_org_life') }} as org_life
        on org_life.member_id = scored.member_id and org_life.month_start = scored.month_start
    left join learning
        on learning.member_id = scored.member_id and learning.month_start = scored.month_start
    left join courses
        on courses.member_id = scored.member_id and courses.month_start = scored.month_start
    left join service
        on service.member_id = scored.member_id and service.month_start = scored.month_start
    left join kpi
        on kpi.employee_no = scored.employee_no and kpi.kpi_month = scored.month
)

select
    *,
    case
        when meetings_due - meetings_excused = 0 then org_life_max
        else {{ score_div('org_life_max * meetings_attended', 'meetings_due - meetings_excused') }}
    end as org_life,
    case
        -- courses basis: learning_max × min(completed / course_target, 1) (full when the target is 0)
        when learning_basis = 'courses' and courses_completed >= course_target then learning_max
        when learning_basis = 'courses' then {{ score_div('learning_max * courses_completed', 'course_target') }}
        -- points / (target × active_days / days_in_month), divided once so the score stays exact
        when learning_points * days_in_month >= learning_monthly_target * active_days then learning_max
        else {{ score_div('learning_max * learning_points * days_in_month', 'learning_monthly_target * active_days') }}
    end as learning,
    case
        when kpi_score is null then cast(0 as decimal(18,6))
        when kpi_score >= kpi_full_score then performance_max
        else {{ score_div('performance_max * kpi_score', 'kpi_full_score') }}
    end as performance,
    case
        when service_seconds >= service_target_hours * 3600 then pioneer_role_max
        else {{ score_div('pioneer_role_max * service_seconds', 'service_target_hours * 3600') }}
    end as pioneer_role
from measures
