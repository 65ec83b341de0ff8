-- Maps every (person_key, date) of the learning platform to a member through the latest roster
-- snapshot on or before the date that lists the phone (person_key). Nobody listed → unknown_person;
-- the snapshot lists the phone for two or more people → ambiguous_person.
with keyed_dates as (
    select person_key, points_date as on_date from {{ ref('stg_learning__points') }}
    union
    select person_key, course_date as on_date from {{ ref('stg_learning__course') }}
),

candidates as (
    -- member versions that list the phone on some day on or before the date
    select
        keyed_dates.person_key,
        keyed_dates.on_date,
        versions.member_id,
        versions.valid_from,
        versions.valid_to,
        case
            when versions.valid_to is null or versions.valid_to > keyed_dates.on_date then keyed_dates.on_date
            else versions.valid_to
        end as listed_until
    from keyed_dates
    inner join {{ ref('int_member_versions') }} as versions
        on versions.person_key = keyed_dates.person_key
        and versions.is_present
        and versions.valid_from <= keyed_dates.on_date
),

mapping_day as (
    -- the latest day on or before the date on which a snapshot listed the phone
    select person_key, on_date, max(listed_until) as mapped_on
    from candidates
    group by person_key, on_date
),

listed as (
    select
        mapping_day.person_key,
        mapping_day.on_date,
        mapping_day.mapped_on,
        count(distinct candidates.member_id) as persons_listed,
        min(candidates.member_id) as member_id
    from mapping_day
    inner join candidates
        on candidates.person_key = mapping_day.person_key
        and candidates.on_date = mapping_day.on_date
        and candidates.valid_from <= mapping_day.mapped_on
        and candidates.listed_until >= mapping_day.mapped_on
    group by mapping_day.person_key, mapping_day.on_date, mapping_day.mapped_on
)

select
    keyed_dates.person_key,
    keyed_dates.on_date,
    listed.mapped_on,
    coalesce(listed.persons_listed, 0) as persons_listed,
    case when listed.persons_listed = 1 then listed.member_id end as member_id,
    case
        when listed.persons_listed is null then 'unknown_person'
        when listed.persons_listed > 1 then 'ambiguous_person'
        else 'mapped'
    end as reference_status
from keyed_dates
left join listed
    on listed.person_key = keyed_dates.person_key
    and listed.on_date = keyed_dates.on_date
