-- A phone's mapping segments tile time from its first listing on: each ends the day before the next
-- starts, none overlaps, and only the last is open-ended.
select person_key, valid_from, valid_to, next_from
from (
    select
        person_key,
        valid_from,
        valid_to,
        lead(valid_from) over (partition by person_key order by valid_from) as next_from
    from {{ ref('int_learning_person_map') }}
) as segments
where (next_from is null and valid_to is not null)
   or (next_from is not null and (valid_to is null or cast({{ dbt.dateadd('day', 1, 'valid_to') }} as date) <> next_from))
