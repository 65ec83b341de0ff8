-- Branch change events: latest version per natural key, tombstones applied.
with latest as (
    {{ latest_version(source('roster', 'branch'), 'branch_id, effective_date') }}
)

select
    event_id,
    branch_id,
    cast(effective_date as date) as effective_date,
    cast(present as boolean) as is_present,
    branch_name,
    department_id,
    department_name
from latest
where not deleted
