-- Roster snapshot dates (one per snapshot file).
with latest as (
    {{ latest_version(source('roster', 'snapshot'), 'natural_key') }}
)

select
    event_id,
    cast(snapshot_date as date) as snapshot_date,
    persons as persons_listed
from latest
where not deleted
