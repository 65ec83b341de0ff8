-- One row per meeting and due user (应到人员, employee numbers as listed, whoever they name).
with due as (
    {{ unnest_list(ref('stg_meeting__meeting'), ['meeting_id'], 'due_user_ids', 'employee_no') }}
)

select distinct meeting_id, employee_no
from due
where employee_no is not null
