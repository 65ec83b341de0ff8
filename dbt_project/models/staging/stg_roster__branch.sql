-- Branch change events: one per (branch, effective date), the latest derivation winning (as for members).
with latest as (
    {{ latest_version(
        source('roster', 'branch'),
        'branch_id, effective_date',
        'recorded_at desc, batch_id desc, source_file desc, source_position desc'
    ) }}
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
