-- Every member index lies in [index_min, index_max] of its rule version and has at most
-- index_decimals decimals.
select fct.member_id, fct.month, fct.index_score
from {{ ref('fct_member_index_monthly') }} as fct
inner join {{ ref('rules') }} as rules on rules.rule_version = fct.rule_version
where fct.index_score < rules.index_min
   or fct.index_score > rules.index_max
   or fct.index_score is null
