-- The roster gives a person exactly one state per day (the latest event on or before the day).
select member_id, member_day, count(*) as states
from {{ ref('int_member_days') }}
group by member_id, member_day
having count(*) > 1
