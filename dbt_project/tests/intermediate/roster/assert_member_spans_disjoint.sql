-- The roster gives a person exactly one state per day (the latest event on or before the day): a member's
-- spans do not overlap and none ends before it starts; checked on the months this build wrote
-- (macros/test_scope.sql).
select member_id, span_start, span_end, previous_end
from (
    select
        member_id,
        span_start,
        span_end,
        lag(span_end) over (partition by member_id order by span_start, span_end) as previous_end
    from {{ ref('int_member_spans') }}
    where {{ months_built() }}
) as spans
where span_end < span_start
   or previous_end >= span_start
