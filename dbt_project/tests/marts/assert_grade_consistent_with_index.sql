-- Grades follow the index and the PIONEER share; the coefficient follows the grade.
select fct.member_id, fct.month, fct.index_score, fct.grade, fct.performance_coefficient
from {{ ref('fct_member_index_monthly') }} as fct
inner join {{ ref('rules') }} as rules on rules.rule_version = fct.rule_version
where (fct.grade = 'PIONEER' and (fct.index_score < rules.grade_pioneer_min
                                  or fct.rank_overall > floor(rules.pioneer_share * fct.scored_members)))
   or (fct.grade = 'QUALIFIED' and fct.index_score < rules.grade_qualified_min)
   or (fct.grade = 'WARNING' and (fct.index_score < rules.grade_warning_min or fct.index_score >= rules.grade_qualified_min))
   or (fct.grade = 'LAGGING' and fct.index_score >= rules.grade_warning_min and not fct.vetoed)
   or (fct.vetoed and fct.grade <> 'LAGGING')
   or fct.performance_coefficient <> case fct.grade
        when 'PIONEER' then rules.coef_pioneer
        when 'QUALIFIED' then rules.coef_qualified
        when 'WARNING' then rules.coef_warning
        else rules.coef_lagging end
