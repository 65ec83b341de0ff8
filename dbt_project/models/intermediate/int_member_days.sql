-- One row per person per day on which the person is listed by the roster (latest member event on
-- or before the day, present), from the first snapshot to the end of the last complete month.
-- is_active: the day is an active day (status probationary or full).
with horizon as (
    select max(month_end) as last_day
    from {{ ref('int_months') }}
),

listed as (
    select
        versions.*,
        case
            when versions.valid_to is null or versions.valid_to > horizon.last_day then horizon.last_day
            else versions.valid_to
        end as listed_until
    from {{ ref('int_member_versions') }} as versions
    cross join horizon
    where versions.is_present
      and versions.valid_from <= horizon.last_day
),

days as (
    {{ date_series('valid_from', 'listed_until', 'day', 'listed', keep=['member_id', 'valid_from']) }}
)

select
    listed.member_id,
    days.series_date as member_day,
    cast({{ dbt.date_trunc('month', 'days.series_date') }} as date) as month_start,
    listed.employee_no,
    listed.person_key,
    listed.branch_id,
    listed.party_group,
    listed.status,
    listed.is_party_member as is_active
from days
inner join listed
    on listed.member_id = days.member_id
    and listed.valid_from = days.valid_from
