-- Yearly member index (年度指数): mean of the member's monthly indexes in the calendar year (months of
-- the year in the marts in which the member was scored), rounded half away from zero to 2 places;
-- rank among the year's members and the delta to the previous year.
with monthly as (
    select
        fct.member_id,
        fct.employee_no,
        fct.branch_id,
        fct.month_start,
        fct.index_score,
        months.year_number,
        months.index_decimals,
        months.rule_version,
        row_number() over (partition by fct.member_id, months.year_number order by fct.month_start desc) as recency
    from {{ ref('fct_member_index_monthly') }} as fct
    inner join {{ ref('int_months') }} as months on months.month_start = fct.month_start
),

reported as (
    select year_number, count(*) as months_reported
    from {{ ref('int_months') }}
    group by year_number
),

years as (
    select
        member_id,
        year_number,
        count(*) as months_scored,
        sum(index_score) as index_sum,
        max(index_decimals) as index_decimals,
        max(case when recency = 1 then employee_no end) as employee_no,
        max(case when recency = 1 then branch_id end) as branch_id,
        max(case when recency = 1 then rule_version end) as rule_version
    from monthly
    group by member_id, year_number
),

indexed as (
    select
        years.*,
        reported.months_reported,
        cast({{ round_half_away(score_div('index_sum', 'months_scored', 10), 'years.index_decimals') }} as decimal(18,2)) as index_score
    from years
    inner join reported on reported.year_number = years.year_number
)

select
    indexed.member_id,
    indexed.employee_no,
    cast(indexed.year_number as {{ dbt.type_string() }}) as year,
    indexed.branch_id,
    indexed.months_scored,
    indexed.months_reported,
    indexed.months_reported = 12 as is_complete_year,
    indexed.index_score,
    rank() over (partition by indexed.year_number order by indexed.index_score desc) as rank_overall,
    rank() over (partition by indexed.year_number, indexed.branch_id order by indexed.index_score desc) as rank_in_branch,
    cast(indexed.index_score - previous_year.index_score as decimal(18,2)) as yoy_delta,
    indexed.rule_version
from indexed
left join indexed as previous_year
    on previous_year.member_id = indexed.member_id
    and previous_year.year_number = indexed.year_number - 1
