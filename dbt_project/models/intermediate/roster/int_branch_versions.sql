-- A branch's state as validity intervals (latest branch event on or before a day).
with events as (
    select
        *,
        row_number() over (partition by branch_id, effective_date order by event_id desc) as same_day_rank
    from {{ ref('stg_roster__branch') }}
)

select
    branch_id,
    effective_date as valid_from,
    cast({{ dbt.dateadd('day', -1, 'lead(effective_date) over (partition by branch_id order by effective_date)') }} as date) as valid_to,
    is_present,
    branch_name,
    department_id,
    department_name
from events
where same_day_rank = 1
