-- Accounting identity: index_score = round(clamp(base + bonus − deductions, index_min, index_max))
-- (0 when vetoed), with bonus and deductions within their caps and ≥ 0, and base = sum of dimensions.
select fct.member_id, fct.month, fct.base, fct.bonus, fct.deductions, fct.index_score
from {{ ref('fct_member_index_monthly') }} as fct
inner join {{ ref('rules') }} as rules on rules.rule_version = fct.rule_version
where fct.base <> fct.org_life + fct.learning + fct.performance + fct.pioneer_role
   or fct.bonus < 0 or fct.bonus > rules.bonus_cap
   or fct.deductions < 0 or fct.deductions > rules.deduction_cap
   or fct.index_score <> case
        when fct.vetoed then 0
        else {{ round_half_away(
            "case when fct.base + fct.bonus - fct.deductions < rules.index_min then rules.index_min
                  when fct.base + fct.bonus - fct.deductions > rules.index_max then rules.index_max
                  else fct.base + fct.bonus - fct.deductions end",
            'rules.index_decimals') }}
      end
