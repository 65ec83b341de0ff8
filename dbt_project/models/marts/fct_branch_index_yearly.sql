-- Yearly branch index: mean of the branch's monthly indexes in the calendar year, rounded half away
-- from zero to 2 places; stars, rank among the year's branches and the delta to the previous year.
with monthly as (
    select
        fct.branch_id,
        fct.index_score,
        months.year_number,
        months.index_decimals,
        months.star_3_min,
        months.star_2_min,
        months.star_1_min,
        months.rule_version,
        row_number() over (partition by fct.branch_id, months.year_number order by fct.month_start desc) as recency
    from {{ ref('fct_branch_index_monthly') }} as fct
    inner join {{ ref('int_months') }} as months on months.month_start = fct.month_start
),

reported as (
    select year_number, count(*) as months_reported
    from {{ ref('int_months') }}
    group by year_number
),

years as (
    select
        branch_id,
        year_number,
        count(*) as months_indexed,
        sum(index_score) as index_sum,
        max(index_decimals) as index_decimals,
        max(case when recency = 1 then star_3_min end) as star_3_min,
        max(case when recency = 1 then star_2_min end) as star_2_min,
        max(case when recency = 1 then star_1_min end) as star_1_min,
        max(case when recency = 1 then rule_version end) as rule_version
    from monthly
    group by branch_id, year_number
),

indexed as (
    select
        years.*,
        reported.months_reported,
        cast({{ round_half_away(score_div('index_sum', 'months_indexed', 10), 'years.index_decimals') }} as decimal(18,2)) as index_score
    from years
    inner join reported on reported.year_number = years.year_number
)

select
    indexed.branch_id,
    cast(indexed.year_number as {{ dbt.type_string() }}) as year,
    indexed.months_indexed,
    indexed.months_reported,
    indexed.months_reported = 12 as is_complete_year,
    indexed.index_score,
    case
        when indexed.index_score >= indexed.star_3_min then 3
        when indexed.index_score >= indexed.star_2_min then 2
        when indexed.index_score >= indexed.star_1_min then 1
        else 0
    end as stars,
    rank() over (partition by indexed.year_number order by indexed.index_score desc) as rank_overall,
    cast(indexed.index_score - previous_year.index_score as decimal(18,2)) as yoy_delta,
    indexed.rule_version
from indexed
left join indexed as previous_year
    on previous_year.branch_id = indexed.branch_id
    and previous_year.year_number = indexed.year_number - 1
