-- Facts resolve their keys: no member index row points at the unknown member or an unknown branch.
-- (warn only: an unknown branch of record is possible when the branch feed lags the roster)
{{ config(severity='warn') }}
select member_id, month, branch_id
from {{ ref('fct_member_index_monthly') }}
where member_id = '-1' or branch_id = '-1' or department_id = '-1'
