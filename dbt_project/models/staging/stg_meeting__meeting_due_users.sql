-- Due members (应到人员) of every meeting, one row per meeting and employee number as listed (whoever
-- they name), from the same latest version as stg_meeting__meeting. Kept apart from the meeting so
-- that no other model carries a list column (the list unnest is dispatched per database).
with latest as (
    {{ latest_version(source('meeting', 'meeting'), 'natural_key') }}
),

meetings as (
    select meeting_id, due_user_ids
    from latest
    where not deleted
),

due as (
    {{ unnest_list('meetings', ['meeting_id'], 'due_user_ids', 'employee_no') }}
)

select distinct meeting_id, employee_no
from due
where employee_no is not null
