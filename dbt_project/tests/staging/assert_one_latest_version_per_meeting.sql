-- Staging keeps exactly one version per record, and never a tombstone.
select meeting_id, count(*) as versions
from {{ ref('stg_meeting__meeting') }}
group by meeting_id
having count(*) > 1
