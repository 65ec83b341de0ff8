-- The index of every scored member month: base, bonus and deductions after their monthly caps,
-- plus accepted appeals (outside the caps, before the clamp), clamp to [index_min, index_max], rounding half away from zero, veto. Also the amount each cap,
-- the clamp, the rounding and the veto took away (the ledger's adjustment rows).
-- Incremental by month (int_dirty_months): only the months to build are computed.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

with totals as (
    select
        member_id,
        month_start,
        sum(case when points_group = 'base' then points else 0 end) as base,
        sum(case when points_group = 'bonus' then points else 0 end) as bonus_before_cap,
        -sum(case when points_group = 'deduction' then points else 0 end) as deductions_before_cap,
        sum(case when points_group = 'appeal' then points else 0 end) as appeal_adjustment
    from {{ ref('int_member_points_items') }}
    where {{ in_months_to_build('month_start') }}
    group by member_id, month_start
),

vetoes as (
    select member_id, month_start, min(item_id) as veto_item_id, count(*) as veto_items
    from {{ ref('int_admin_items_in_force') }}
    where item_kind = 'veto'
      and {{ in_months_to_build('month_start') }}
    group by member_id, month_start
),

capped as (
    select
        dims.member_id,
        dims.month_start,
        dims.rule_version,
        totals.base,
        totals.bonus_before_cap,
        case when totals.bonus_before_cap > rules.bonus_cap then rules.bonus_cap else totals.bonus_before_cap end as bonus,
        totals.deductions_before_cap,
        case when totals.deductions_before_cap > rules.deduction_cap then rules.deduction_cap else totals.deductions_before_cap end as deductions,
        totals.appeal_adjustment,
        vetoes.veto_item_id,
        vetoes.member_id is not null as vetoed,
        rules.index_min,
        rules.index_max,
        rules.index_decimals
    from {{ ref('int_member_dimension_scores') }} as dims
    inner join {{ ref('rules') }} as rules on rules.rule_version = dims.rule_version
    inner join totals on totals.member_id = dims.member_id and totals.month_start = dims.month_start
    left join vetoes on vetoes.member_id = dims.member_id and vetoes.month_start = dims.month_start
    where {{ in_months_to_build('dims.month_start') }}
),

clamped as (
    select
        *,
        base + bonus - deductions + appeal_adjustment as raw_total,
        case
            when base + bonus - deductions + appeal_adjustment < index_min then index_min
            when base + bonus - deductions + appeal_adjustment > index_max then index_max
            else base + bonus - deductions + appeal_adjustment
        end as clamped_total
    from capped
),

rounded as (
    select
        *,
        {{ round_half_away('clamped_total', 'index_decimals') }} as rounded_total
    from clamped
)

select
    member_id,
    month_start,
    rule_version,
    cast(base as decimal(18,6)) as base,
    cast(bonus_before_cap as decimal(18,6)) as bonus_before_cap,
    cast(bonus as decimal(18,6)) as bonus,
    cast(deductions_before_cap as decimal(18,6)) as deductions_before_cap,
    cast(deductions as decimal(18,6)) as deductions,
    cast(appeal_adjustment as decimal(18,6)) as appeal_adjustment,
    vetoed,
    veto_item_id,
    cast(raw_total as decimal(18,6)) as raw_total,
    cast(clamped_total as decimal(18,6)) as clamped_total,
    cast(rounded_total as decimal(18,6)) as rounded_total,
    cast(case when vetoed then 0 else rounded_total end as decimal(18,2)) as index_score,
    cast(bonus - bonus_before_cap as decimal(18,6)) as bonus_cap_adjustment,
    cast(deductions_before_cap - deductions as decimal(18,6)) as deduction_cap_adjustment,
    cast(clamped_total - raw_total as decimal(18,6)) as clamp_adjustment,
    cast(rounded_total - clamped_total as decimal(18,6)) as rounding_adjustment,
    cast(case when vetoed then -rounded_total else 0 end as decimal(18,6)) as veto_adjustment
from rounded
