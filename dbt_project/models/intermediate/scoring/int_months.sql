-- Every complete month before the clock's month, from the month of the first roster snapshot on,
-- with the rule version in force on the month's first day and all its constants.
with first_snapshot as (
    select min(snapshot_date) as first_snapshot_date
    from {{ ref('stg_roster__snapshot') }}
),

bounds as (
    select
        {{ dbt.date_trunc('month', 'first_snapshot_date') }} as first_month_start,
        {{ dbt.dateadd('month', -1, clock_month_start()) }} as last_month_start
    from first_snapshot
    where first_snapshot_date is not null
),

month_starts as (
    select series_date as month_start
    from ({{ date_series('first_month_start', 'last_month_start', 'month', 'bounds') }}) as series
),

months as (
    select
        month_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'month_start')) }} as date) as month_end,
        {{ month_label('month_start') }} as month,
        {{ dbt.datediff('month_start', dbt.dateadd('month', 1, 'month_start'), 'day') }} as days_in_month,
        cast(extract(year from month_start) as integer) as year_number,
        cast(extract(quarter from month_start) as integer) as quarter_number,
        cast(extract(year from month_start) as varchar) || '-Q' || cast(extract(quarter from month_start) as varchar) as quarter,
        cast({{ dbt.date_trunc('quarter', 'month_start') }} as date) as quarter_start
    from month_starts
),

rules_in_force as (
    select
        months.month_start,
        rules.rule_version,
        row_number() over (partition by months.month_start order by rules.effective_from desc) as rule_rank
    from months
    inner join {{ ref('rules') }} as rules
        on rules.effective_from <= months.month_start
)

select
    months.month_start,
    months.month_end,
    months.month,
    months.days_in_month,
    months.year_number,
    months.quarter_number,
    months.quarter,
    months.quarter_start,
    cast({{ dbt.dateadd('month', 2, 'months.quarter_start') }} as date) = months.month_start as is_quarter_end_month,
    rules.*
from months
inner join rules_in_force
    on rules_in_force.month_start = months.month_start
    and rules_in_force.rule_rank = 1
inner join {{ ref('rules') }} as rules
    on rules.rule_version = rules_in_force.rule_version
