-- Every contribution to a scored member month before the monthly caps: the four dimension scores,
-- each bonus item (lecture, course, service hours beyond the target, admin bonus) with the
-- item-level caps as rows of their own, and each deduction item (unexcused absence, admin deduction).
-- and each accepted appeal (申诉更正, outside the caps).
-- points_group: base, bonus, deduction or appeal; deduction points are negative, appeal points signed.
-- Incremental by month (int_dirty_months): only the months to build are computed.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

with dims as (
    select * from {{ ref('int_member_dimension_scores') }}
    where {{ in_months_to_build('month_start') }}
),

rules as (
    select dims.member_id, dims.month_start, rules.*
    from dims
    inner join {{ ref('rules') }} as rules on rules.rule_version = dims.rule_version
),

dimension_rows as (
    select member_id, month_start, 'org_life' as component, 'base' as points_group, org_life as points,
           'meeting' as source_system, cast(null as {{ dbt.type_string() }}) as source_record_id,
           'attended ' || cast(meetings_attended as {{ dbt.type_string() }}) || ' of ' || cast(meetings_due as {{ dbt.type_string() }})
           || ' due, ' || cast(meetings_excused as {{ dbt.type_string() }}) || ' excused' as detail
    from dims
    union all
    select member_id, month_start, 'learning', 'base', learning, 'learning', null,
           case when learning_basis = 'courses'
               then cast(courses_completed as {{ dbt.type_string() }}) || ' courses completed of target '
                    || cast(course_target as {{ dbt.type_string() }}) || ' (courses basis; '
                    || cast(cast(learning_points as decimal(18,2)) as {{ dbt.type_string() }}) || ' daily points not scored)'
               else cast(cast(learning_points as decimal(18,2)) as {{ dbt.type_string() }}) || ' points of target '
                    || cast(cast(learning_target as decimal(18,2)) as {{ dbt.type_string() }}) || ' (points basis)'
           end
    from dims
    union all
    select member_id, month_start, 'performance', 'base', performance, 'performance', null,
           case when kpi_missing then 'kpi missing' else 'kpi ' || cast(cast(kpi_score as decimal(18,2)) as {{ dbt.type_string() }}) end
    from dims
    union all
    select member_id, month_start, 'pioneer_role', 'base', pioneer_role, 'meeting', null,
           cast(cast(service_hours as decimal(18,2)) as {{ dbt.type_string() }}) || ' verified service hours'
    from dims
),

scored_courses as (
    select courses.*, rules.lecture_points, rules.course_points, rules.course_bonus_cap
    from {{ ref('int_member_courses') }} as courses
    inner join rules
        on rules.member_id = courses.member_id and rules.month_start = courses.month_start
),

course_rows as (
    select member_id, month_start,
           case when course_kind = 'lectured' then 'lecture' else 'course' end as component,
           'bonus' as points_group,
           case when course_kind = 'lectured' then lecture_points else course_points end as points,
           'learning' as source_system,
           course_id || '|' || cast(course_date as {{ dbt.type_string() }}) as source_record_id,
           course_kind || ' ' || course_id as detail
    from scored_courses
),

course_cap_rows as (
    select member_id, month_start, 'course_cap' as component, 'bonus' as points_group,
           max(course_bonus_cap) - sum(course_points) as points,
           'learning' as source_system, cast(null as {{ dbt.type_string() }}) as source_record_id,
           'course bonus capped at ' || cast(cast(max(course_bonus_cap) as decimal(18,2)) as {{ dbt.type_string() }}) as detail
    from scored_courses
    where course_kind = 'completed'
    group by member_id, month_start
    having sum(course_points) > max(course_bonus_cap)
),

service_bonus as (
    select
        dims.member_id,
        dims.month_start,
        dims.service_hours,
        rules.service_bonus_cap,
        -- whole hours beyond the target, from exact seconds
        cast(floor((dims.service_seconds - rules.service_target_hours * 3600) / 3600) * rules.service_bonus_per_hour as decimal(18,6)) as uncapped_bonus
    from dims
    inner join rules on rules.member_id = dims.member_id and rules.month_start = dims.month_start
    where dims.service_seconds >= (rules.service_target_hours + 1) * 3600
),

service_rows as (
    select member_id, month_start, 'service_bonus' as component, 'bonus' as points_group, uncapped_bonus as points,
           'meeting' as source_system, cast(null as {{ dbt.type_string() }}) as source_record_id,
           cast(cast(service_hours as decimal(18,2)) as {{ dbt.type_string() }}) || ' service hours' as detail
    from service_bonus
    union all
    select member_id, month_start, 'service_bonus_cap', 'bonus', service_bonus_cap - uncapped_bonus,
           'meeting', null, 'service bonus capped at ' || cast(cast(service_bonus_cap as decimal(18,2)) as {{ dbt.type_string() }})
    from service_bonus
    where uncapped_bonus > service_bonus_cap
),

absence_rows as (
    select required.member_id, required.month_start, 'unexcused_absence' as component, 'deduction' as points_group,
           -rules.unexcused_absence_points as points, 'meeting' as source_system, required.meeting_id as source_record_id,
           'unexcused absence from ' || required.meeting_type as detail
    from {{ ref('int_member_required_meetings') }} as required
    inner join rules on rules.member_id = required.member_id and rules.month_start = required.month_start
    where required.is_unexcused_absence
),

admin_rows as (
    select member_id, month_start,
           case when item_kind = 'bonus' then 'admin_bonus' else 'admin_deduction' end as component,
           case when item_kind = 'bonus' then 'bonus' else 'deduction' end as points_group,
           case when item_kind = 'bonus' then points else -points end as points,
           'admin' as source_system, item_id as source_record_id, coalesce(reason, item_kind) as detail
    from {{ ref('int_admin_items_in_force') }}
    where item_kind in ('bonus', 'deduction')
      and {{ in_months_to_build('month_start') }}
),

appeal_rows as (
    -- accepted appeals (申诉更正): outside the bonus and deduction caps (points_group 'appeal')
    select member_id, month_start, 'appeal' as component, 'appeal' as points_group, points,
           'appeals' as source_system, appeal_id as source_record_id,
           'appeal ' || appeal_id || ' (' || component || ') accepted'
           || coalesce(' by ' || decided_by, '') || coalesce(' on ' || cast(cast(decided_at as date) as {{ dbt.type_string() }}), '')
           || coalesce(': ' || reason, '') as detail
    from {{ ref('int_member_appeals_in_force') }}
    where {{ in_months_to_build('month_start') }}
)

select member_id, month_start, component, points_group, cast(points as decimal(18,6)) as points, source_system, source_record_id, detail
from dimension_rows
union all select member_id, month_start, component, points_group, cast(points as decimal(18,6)), source_system, source_record_id, detail from course_rows
union all select member_id, month_start, component, points_group, cast(points as decimal(18,6)), source_system, source_record_id, detail from course_cap_rows
union all select member_id, month_start, component, points_group, cast(points as decimal(18,6)), source_system, source_record_id, detail from service_rows
union all select member_id, month_start, component, points_group, cast(points as decimal(18,6)), source_system, source_record_id, detail from absence_rows
union all select member_id, month_start, component, points_group, cast(points as decimal(18,6)), source_system, source_record_id, detail from admin_rows
union all select member_id, month_start, component, points_group, cast(points as decimal(18,6)), source_system, source_record_id, detail from appeal_rows
