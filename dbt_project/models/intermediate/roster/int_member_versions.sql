-- A person's roster state as validity intervals: each member event holds from its effective date
-- until the day before the person's next event (open-ended when none). One event per person and day:
-- when two events share an effective date, the latest recorded one wins.
with events as (
    select
        *,
        row_number() over (
            partition by member_id, effective_date
            order by record_time desc nulls last, source_file desc, source_position desc
        ) as same_day_rank
    from {{ ref('stg_roster__member') }}
),

versions as (
    select
        *,
        lead(effective_date) over (partition by member_id order by effective_date) as next_effective_date
    from events
    where same_day_rank = 1
)

select
    member_id,
    effective_date as valid_from,
    cast({{ dbt.dateadd('day', -1, 'next_effective_date') }} as date) as valid_to,
    is_present,
    change_kind,
    employee_no,
    member_name,
    gender,
    person_key,
    branch_id,
    party_group,
    status,
    status_since,
    is_present and status in ('probationary', 'full') as is_party_member,
    event_id
from versions
