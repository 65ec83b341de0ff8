-- Points ledger (积分明细): one row per contribution to a scored member month — dimension scores,
-- bonus and deduction items with their source records, and one row per cap, clamp, rounding or veto
-- adjustment — so that the rows of a member month sum exactly to its index_score.
-- Incremental by month (int_dirty_months): only the months to build are computed.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail', month_column='month') }}

with items as (
    select member_id, month_start, component, points, source_system, source_record_id, detail
    from {{ ref('int_member_points_items') }}
    where {{ in_months_to_build('month_start') }}
),

scores as (
    select * from {{ ref('int_member_index_scores') }}
    where {{ in_months_to_build('month_start') }}
),

adjustments as (
    select member_id, month_start, 'bonus_cap' as component, bonus_cap_adjustment as points,
           'rules' as source_system, cast(null as {{ dbt.type_string() }}) as source_record_id,
           'bonus capped' as detail
    from scores where bonus_cap_adjustment <> 0
    union all
    select member_id, month_start, 'deduction_cap', deduction_cap_adjustment, 'rules', null, 'deductions capped'
    from scores where deduction_cap_adjustment <> 0
    union all
    select member_id, month_start, 'clamp', clamp_adjustment, 'rules', null, 'index clamped to its bounds'
    from scores where clamp_adjustment <> 0
    union all
    select member_id, month_start, 'rounding', rounding_adjustment, 'rules', null, 'final rounding half away from zero'
    from scores where rounding_adjustment <> 0
    union all
    select member_id, month_start, 'veto', veto_adjustment, 'admin', veto_item_id, 'veto item: index set to 0'
    from scores where vetoed
),

ledger as (
    select * from items
    union all
    select * from adjustments
)

select
    {{ dbt.hash("ledger.member_id || '|' || " ~ month_label('ledger.month_start') ~ " || '|' || ledger.component || '|' || coalesce(ledger.source_record_id, '')") }} as ledger_entry_id,
    ledger.member_id,
    {{ month_label('ledger.month_start') }} as month,
    ledger.component,
    cast(ledger.points as decimal(18,6)) as points,
    ledger.source_system,
    ledger.source_record_id,
    ledger.detail
from ledger
