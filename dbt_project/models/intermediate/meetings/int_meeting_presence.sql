-- Presence of each user at each meeting. Onsite check-in = attended. Online presence is the union
-- of the user's join–leave segments clipped to the scheduled start–end (overlaps counted once);
-- attended when it covers at least presence_share of the scheduled duration.
with online as (
    select *
    from {{ ref('int_attendance_segments') }}
    where attendance_mode = 'online'
      and segment_end > segment_start
),

ordered as (
    select
        *,
        max(segment_end) over (
            partition by meeting_id, employee_no
            order by segment_start, segment_end
            rows between unbounded preceding and 1 preceding
        ) as previous_max_end
    from online
),

islands as (
    select
        *,
        sum(case when previous_max_end is null or segment_start > previous_max_end then 1 else 0 end) over (
            partition by meeting_id, employee_no
            order by segment_start, segment_end
            rows between unbounded preceding and current row
        ) as island_number
    from ordered
),

island_spans as (
    select meeting_id, employee_no, island_number, min(segment_start) as island_start, max(segment_end) as island_end
    from islands
    group by meeting_id, employee_no, island_number
),

online_seconds as (
    select meeting_id, employee_no, sum({{ seconds_between('island_start', 'island_end') }}) as presence_seconds
    from island_spans
    group by meeting_id, employee_no
),

users as (
    select distinct meeting_id, employee_no, scheduled_start, scheduled_end
    from {{ ref('int_attendance_segments') }}
),

onsite as (
    select distinct meeting_id, employee_no
    from {{ ref('int_attendance_segments') }}
    where attendance_mode = 'onsite'
)

select
    users.meeting_id,
    users.employee_no,
    onsite.employee_no is not null as has_onsite_checkin,
    coalesce(online_seconds.presence_seconds, 0) as presence_seconds,
    {{ seconds_between('users.scheduled_start', 'users.scheduled_end') }} as scheduled_seconds,
    (
        onsite.employee_no is not null
        or coalesce(online_seconds.presence_seconds, 0)
           >= months.presence_share * {{ seconds_between('users.scheduled_start', 'users.scheduled_end') }}
    ) as is_attended
from users
left join onsite
    on onsite.meeting_id = users.meeting_id and onsite.employee_no = users.employee_no
left join online_seconds
    on online_seconds.meeting_id = users.meeting_id and online_seconds.employee_no = users.employee_no
inner join (
    select rules.rule_version, rules.effective_from, rules.presence_share,
           lead(rules.effective_from) over (order by rules.effective_from) as next_effective_from
    from {{ ref('rules') }} as rules
) as months
    on months.effective_from <= cast({{ dbt.date_trunc('month', 'users.scheduled_start') }} as date)
    and (months.next_effective_from is null or months.next_effective_from > cast({{ dbt.date_trunc('month', 'users.scheduled_start') }} as date))
