-- The months this build recomputes (README.md, "Incremental builds"): the months touched directly
-- (int_touched_months: arrivals, a new complete month, a rule change; every month on a full build),
-- plus the months whose results read a touched month:
--   - the later months of the same quarter: the quarter-end 三会一课 requirements count every meeting
--     of the quarter up to the month, so their branch compliance and branch index change too;
--   - M+1 and M+12 of every month above: their month-over-month and year-over-year deltas.
-- Ranks, grades (the top-10 % rule), branch groups and compliance live within a month, so that
-- recomputing these whole months gives exactly what a full build gives. Months that are no longer
-- reported are listed with is_reported false: the incremental models delete their rows.
with reported as (
    select month_start, month_end, month, quarter_start
    from {{ ref('int_months') }}
),

touched as (
    select touched.month_start, touched.reason
    from {{ ref('int_touched_months') }} as touched
    inner join reported on reported.month_start = touched.month_start
),

changed as (
    select month_start, reason from touched
    union all
    select later.month_start, 'quarter'
    from touched
    inner join reported as this_month on this_month.month_start = touched.month_start
    inner join reported as later
        on later.quarter_start = this_month.quarter_start
        and later.month_start > this_month.month_start
    where touched.reason not in ('full refresh', 'no previous build')
),

dirty as (
    select month_start, reason from changed
    union all
    select cast({{ dbt.dateadd('month', 1, 'month_start') }} as date), 'mom'
    from changed
    where reason not in ('full refresh', 'no previous build')
    union all
    select cast({{ dbt.dateadd('month', 12, 'month_start') }} as date), 'yoy'
    from changed
    where reason not in ('full refresh', 'no previous build')
),

reasons as (
    select distinct reported.month_start, dirty.reason
    from dirty
    inner join reported on reported.month_start = dirty.month_start
),

removed as (
    select distinct touched.month_start
    from {{ ref('int_touched_months') }} as touched
    left join reported on reported.month_start = touched.month_start
    where reported.month_start is null
)

select
    reported.month_start,
    reported.month_end,
    reported.month,
    true as is_reported,
    {{ dbt.listagg('reasons.reason', "', '", 'order by reasons.reason') }} as reasons
from reasons
inner join reported on reported.month_start = reasons.month_start
group by reported.month_start, reported.month_end, reported.month

union all

select
    month_start,
    cast(null as date) as month_end,
    {{ month_label('month_start') }} as month,
    false as is_reported,
    cast('no longer reported' as {{ dbt.type_string() }}) as reasons
from removed
