-- Accounting identity: index_score = round(clamp(base + bonus − deductions + appeal_adjustment,
-- index_min, index_max)) (0 when vetoed), with bonus and deductions within their caps and ≥ 0,
-- base = sum of dimensions, and appeal_adjustment = the month's ledger rows `appeal`.
with appeals as (
    select member_id, month, sum(points) as appeal_points
    from {{ ref('fct_member_points_ledger') }}
    where component = 'appeal'
    group by member_id, month
)

select fct.member_id, fct.month, fct.base, fct.bonus, fct.deductions, fct.appeal_adjustment, fct.index_score
from {{ ref('fct_member_index_monthly') }} as fct
inner join {{ ref('rules') }} as rules on rules.rule_version = fct.rule_version
left join appeals on appeals.member_id = fct.member_id and appeals.month = fct.month
where fct.base <> fct.org_life + fct.learning + fct.performance + fct.pioneer_role
   or fct.bonus < 0 or fct.bonus > rules.bonus_cap
   or fct.deductions < 0 or fct.deductions > rules.deduction_cap
   or fct.appeal_adjustment <> coalesce(appeals.appeal_points, 0)
   or fct.index_score <> case
        when fct.vetoed then 0
        else {{ round_half_away(
            "case when fct.base + fct.bonus - fct.deductions + fct.appeal_adjustment < rules.index_min then rules.index_min
                  when fct.base + fct.bonus - fct.deductions + fct.appeal_adjustment > rules.index_max then rules.index_max
                  else fct.base + fct.bonus - fct.deductions + fct.appeal_adjustment end",
            'rules.index_decimals') }}
      end
