-- The roster gives a person exactly one state per day (the latest event on or before the day); checked
-- on the months this build wrote (macros/test_scope.sql).
select member_id, member_day, count(*) as states
from {{ ref('int_member_days') }}
where {{ months_built() }}
group by member_id, member_day
having count(*) > 1
