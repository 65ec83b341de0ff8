-- Maps the learning platform's person_key (keyed phone) to a member, as validity segments: a phone's
-- mapping only changes where a member version listing it starts or ends, so it is computed once per
-- segment between those boundaries (tens of thousands of rows), not once per learning row.
-- A date maps through the latest roster state on or before it that lists the phone: inside a listed
-- segment that is the date's own state; in a gap (everybody listing the phone has left) it is the
-- last listed day before the gap. Exactly one person listed → mapped; two or more → ambiguous_person.
-- A (phone, date) covered by no segment (phone never listed, or before its first listing) is
-- unknown_person: readers treat a missing segment so.
with versions as (
    select person_key, member_id, valid_from, valid_to
    from {{ ref('int_member_versions') }}
    where is_present and person_key is not null
),

boundaries as (
    select person_key, valid_from as boundary from versions
    union
    select person_key, cast({{ dbt.dateadd('day', 1, 'valid_to') }} as date) from versions
    where valid_to is not null
),

segments as (
    select
        person_key,
        boundary as valid_from,
        cast({{ dbt.dateadd('day', -1, 'lead(boundary) over (partition by person_key order by boundary)') }} as date) as valid_to
    from boundaries
),

listed as (
    -- the persons listing the phone on the segment's first day (hence on all of its days)
    select
        segments.person_key,
        segments.valid_from,
        count(distinct versions.member_id) as persons_listed,
        min(versions.member_id) as member_id
    from segments
    inner join versions
        on versions.person_key = segments.person_key
        and {{ valid_on('versions', 'segments.valid_from') }}
    group by segments.person_key, segments.valid_from
),

states as (
    -- a gap segment always follows a listed one: it keeps that segment's listing
    select
        segments.person_key,
        segments.valid_from,
        segments.valid_to,
        listed.persons_listed is null as is_gap,
        coalesce(listed.persons_listed, lag(listed.persons_listed) over w) as persons_listed,
        coalesce(listed.member_id, lag(listed.member_id) over w) as member_id
    from segments
    left join listed
        on listed.person_key = segments.person_key
        and listed.valid_from = segments.valid_from
    window w as (partition by segments.person_key order by segments.valid_from)
)

select
    person_key,
    valid_from,
    valid_to,
    case when is_gap then cast({{ dbt.dateadd('day', -1, 'valid_from') }} as date) end as listed_on,
    persons_listed,
    case when persons_listed = 1 then member_id end as member_id,
    case when persons_listed = 1 then 'mapped' else 'ambiguous_person' end as reference_status
from states
where persons_listed is not null
