-- Every point is traceable: the ledger rows of each scored member month sum EXACTLY to its index,
-- and every scored member month has ledger rows (and no ledger row lacks a member month).
with ledger as (
    select member_id, month, sum(points) as ledger_points
    from {{ ref('fct_member_points_ledger') }}
    group by member_id, month
)

select
    coalesce(fct.member_id, ledger.member_id) as member_id,
    coalesce(fct.month, ledger.month) as month,
    fct.index_score,
    ledger.ledger_points
from {{ ref('fct_member_index_monthly') }} as fct
full outer join ledger
    on ledger.member_id = fct.member_id
    and ledger.month = fct.month
where fct.member_id is null
   or ledger.member_id is null
   or ledger.ledger_points <> fct.index_score
