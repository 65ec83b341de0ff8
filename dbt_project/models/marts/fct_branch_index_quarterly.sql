-- Quarterly branch index: mean of the branch's monthly indexes in the quarter, rounded half away from
-- zero to 2 places; stars, rank among the quarter's branches and the year-over-year delta.
with monthly as (
    select
        fct.branch_id,
        fct.index_score,
        months.quarter,
        months.quarter_start,
        months.index_decimals,
        months.star_3_min,
        months.star_2_min,
        months.star_1_min,
        months.rule_version,
        row_number() over (partition by fct.branch_id, months.quarter_start order by fct.month_start desc) as recency
    from {{ ref('fct_branch_index_monthly') }} as fct
    inner join {{ ref('int_months') }} as months on months.month_start = fct.month_start
),

reported as (
    select quarter_start, count(*) as months_reported
    from {{ ref('int_months') }}
    group by quarter_start
),

quarters as (
    select
        branch_id,
        quarter,
        quarter_start,
        count(*) as months_indexed,
        sum(index_score) as index_sum,
        max(index_decimals) as index_decimals,
        max(case when recency = 1 then star_3_min end) as star_3_min,
        max(case when recency = 1 then star_2_min end) as star_2_min,
        max(case when recency = 1 then star_1_min end) as star_1_min,
        max(case when recency = 1 then rule_version end) as rule_version
    from monthly
    group by branch_id, quarter, quarter_start
),

indexed as (
    select
        quarters.*,
        reported.months_reported,
        cast({{ round_half_away(score_div('index_sum', 'months_indexed', 10), 'quarters.index_decimals') }} as decimal(18,2)) as index_score
    from quarters
    inner join reported on reported.quarter_start = quarters.quarter_start
)

select
    indexed.branch_id,
    indexed.quarter,
    indexed.months_indexed,
    indexed.months_reported,
    indexed.months_reported = 3 as is_complete_quarter,
    indexed.index_score,
    case
        when indexed.index_score >= indexed.star_3_min then 3
        when indexed.index_score >= indexed.star_2_min then 2
        when indexed.index_score >= indexed.star_1_min then 1
        else 0
    end as stars,
    rank() over (partition by indexed.quarter_start order by indexed.index_score desc) as rank_overall,
    cast(indexed.index_score - previous_year.index_score as decimal(18,2)) as yoy_delta,
    indexed.rule_version,
    indexed.quarter_start
from indexed
left join indexed as previous_year
    on previous_year.branch_id = indexed.branch_id
    and previous_year.quarter_start = cast({{ dbt.dateadd('month', -12, 'indexed.quarter_start') }} as date)
