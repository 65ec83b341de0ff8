-- Admin items: for one item_id the row with the latest approved_at wins (then file, then line).
with latest as (
    {{ latest_version(source('admin', 'item'), 'item_id') }}
)

select
    event_id,
    item_id,
    employee_no,
    month as item_month,
    kind as item_kind,
    cast(points as decimal(18,6)) as points,
    reason,
    approved_by,
    approved_at,
    status as item_status,
    source_file,
    source_position
from latest
where not deleted
