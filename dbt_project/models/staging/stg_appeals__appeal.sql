-- Appeals (党员申诉): for one appeal_id the row with the latest updated_at wins (then file, then
-- line, as for admin items). filed_at is the appeal's first version (the filing); points count only
-- when the latest version is accepted (int_member_appeals_in_force).
with versions as (
    select appeal_id, min(updated_at) as filed_at
    from {{ source('appeals', 'appeal') }}
    where not deleted
    group by appeal_id
),

latest as (
    {{ latest_version(source('appeals', 'appeal'), 'appeal_id') }}
)

select
    latest.event_id,
    latest.appeal_id,
    latest.employee_no,
    latest.month as appeal_month,
    latest.component,
    cast(latest.points as decimal(18,6)) as points,
    latest.reason,
    latest.status as appeal_status,
    latest.decided_by,
    latest.decided_at,
    latest.updated_at,
    versions.filed_at,
    latest.recorded_at,
    latest.source_file,
    latest.source_position
from latest
inner join versions on versions.appeal_id = latest.appeal_id
where not latest.deleted
