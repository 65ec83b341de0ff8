-- One row per person per day on which the person is listed by the roster (latest member event on
-- or before the day, present), from the first snapshot to the end of the last complete month.
-- is_active: the day is an active day (status probationary or full).
-- Incremental by month: only the days of the months to build are generated (int_dirty_months).
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

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

spans as (
    -- each listed interval clipped to every month to build that it overlaps
    select
        listed.member_id,
        listed.valid_from,
        case when listed.valid_from > months.month_start then listed.valid_from else months.month_start end as span_start,
        case when listed.listed_until < months.month_end then listed.listed_until else months.month_end end as span_end
    from listed
    inner join {{ months_to_build() }} as months
        on listed.valid_from <= months.month_end
        and listed.listed_until >= months.month_start
),

days as (
    {{ date_series('span_start', 'span_end', 'day', 'spans', keep=['member_id', 'valid_from']) }}
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
