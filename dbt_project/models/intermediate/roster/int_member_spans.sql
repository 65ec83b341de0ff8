-- The days on which the roster lists each person (latest member event on or before the day, present),
-- from the first snapshot to the end of the last complete month, as spans: one row per member version
-- and month it overlaps, clipped to that month (span_start .. span_end, both inclusive). A member's
-- versions do not overlap, so each listed day lies in exactly one span of the member: the day's state.
-- Intervals, not one row per member day (tens of millions at province scale): consumers count days
-- by span length and match a day by range (as benchmarks/floor.py does).
-- is_active: the span's days are active days (status probationary or full).
-- Incremental by month: only the spans of the months to build are generated (int_dirty_months).
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
)

-- each listed interval clipped to every month to build that it overlaps
select
    listed.member_id,
    months.month_start,
    case when listed.valid_from > months.month_start then listed.valid_from else months.month_start end as span_start,
    case when listed.listed_until < months.month_end then listed.listed_until else months.month_end end as span_end,
    listed.employee_no,
    listed.person_key,
    listed.branch_id,
    listed.party_group,
    listed.status,
    listed.is_party_member as is_active
from listed
inner join {{ months_to_build() }} as months
    on listed.valid_from <= months.month_end
    and listed.listed_until >= months.month_start
