-- A scored member month has at least min_active_days active days, never more than the month's days,
-- and its branch of record is the branch of its last active day.
select member_months.member_id, member_months.month, member_months.active_days
from {{ ref('int_member_months') }} as member_months
inner join {{ ref('int_months') }} as months on months.month_start = member_months.month_start
where (member_months.is_scored and member_months.active_days < months.min_active_days)
   or member_months.active_days > months.days_in_month
   or member_months.last_active_day > months.month_end
   or member_months.last_active_day < months.month_start
