-- Quarterly member index (季度指数): mean of the member's monthly indexes in the quarter (months of the
-- quarter in the marts in which the member was scored), rounded half away from zero to 2 places;
-- rank among the quarter's members and the year-over-year delta.
with monthly as (
    select
        fct.member_id,
        fct.employee_no,
        fct.branch_id,
        fct.month_start,
        fct.index_score,
        months.quarter,
        months.quarter_start,
        months.index_decimals,
        months.rule_version,
        row_number() over (partition by fct.member_id, months.quarter_start order by fct.month_start desc) as recency
    from {{ ref('fct_member_index_monthly') }} as fct
    inner join {{ ref('int_months') }} as months on months.month_start = fct.month_start
),

reported as (
    select quarter_start, count(*) as months_reported
    from {{ ref('int_months') }}
    group by quarter_start
),

quarters as (
    select
        member_id,
        quarter,
        quarter_start,
        count(*) as months_scored,
        sum(index_score) as index_sum,
        max(index_decimals) as index_decimals,
        max(case when recency = 1 then employee_no end) as employee_no,
        max(case when recency = 1 then branch_id end) as branch_id,
        max(case when recency = 1 then rule_version end) as rule_version
    from monthly
    group by member_id, quarter, quarter_start
),

indexed as (
    select
        quarters.*,
        reported.months_reported,
        cast({{ round_half_away(score_div('index_sum', 'months_scored', 10), 'quarters.index_decimals') }} as decimal(18,2)) as index_score
    from quarters
    inner join reported on reported.quarter_start = quarters.quarter_start
)

select
    indexed.member_id,
    indexed.employee_no,
    indexed.quarter,
    indexed.branch_id,
    indexed.months_scored,
    indexed.months_reported,
    indexed.months_reported = 3 as is_complete_quarter,
    indexed.index_score,
    rank() over (partition by indexed.quarter_start order by indexed.index_score desc) as rank_overall,
    rank() over (partition by indexed.quarter_start, indexed.branch_id order by indexed.index_score desc) as rank_in_branch,
    cast(indexed.index_score - previous_year.index_score as decimal(18,2)) as yoy_delta,
    indexed.rule_version,
    indexed.quarter_start
from indexed
left join indexed as previous_year
    on previous_year.member_id = indexed.member_id
    and previous_year.quarter_start = cast({{ dbt.dateadd('month', -12, 'indexed.quarter_start') }} as date)
