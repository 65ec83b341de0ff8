-- Branch index in [index_min, index_max]; compliance_met ≤ compliance_due; committee and theme_day
-- fall due every month; stars follow the index.
select branch.branch_id, branch.month, branch.index_score, branch.stars
from {{ ref('fct_branch_index_monthly') }} as branch
inner join {{ ref('rules') }} as rules on rules.rule_version = branch.rule_version
where branch.index_score < rules.index_min
   or branch.index_score > rules.index_max
   or branch.compliance_met > branch.compliance_due
   or branch.compliance_due < 2
   or branch.stars <> case
        when branch.index_score >= rules.star_3_min then 3
        when branch.index_score >= rules.star_2_min then 2
        when branch.index_score >= rules.star_1_min then 1
        else 0 end
