-- The months that this build must recompute directly (README.md, "Incremental builds");
-- int_dirty_months adds the months that read them. Without the previous build's state (first build,
-- --full-refresh, or a changed month spine): every reported month. Otherwise:
--   - arrivals: the events of every batch that the previous build had not read (arrival time, not
--     event time: audit.build_batches lists the batches it read) and the records whose reference
--     check changed since (audit.quarantine_references), mapped to the months they count in by their
--     own time: meeting start (every version of the meeting; attendance and leave by their meeting),
--     service start, learning date, KPI period, admin and appeal month; a roster or branch change effective on
--     D touches D's month and every later month;
--   - the spine (audit.build_months): a month new to it (the newest complete month once the clock
--     enters a new month) or under changed rules (a rule version from its effective_from on);
--   - months the previous build reported and the spine no longer holds ('no longer reported').
-- With var `inputs_unchanged` (pioneer/transform.py: the event store, rules, code and the clock's
-- month are those of the published build, which the warehouse holds): no month.
{%- set previous_batches = previous_build_state('build_batches') -%}
{%- set previous_months = previous_build_state('build_months') -%}
{%- set previous_quarantine = previous_build_state('quarantine_references') -%}
{%- set incremental = execute and not flags.FULL_REFRESH
    and previous_batches is not none and previous_months is not none and previous_quarantine is not none -%}
{%- if incremental -%}
    {%- set spine_columns = adapter.get_columns_in_relation(ref('int_months')) | map(attribute='name') | map('lower') | list -%}
    {%- set previous_columns = adapter.get_columns_in_relation(previous_months) | map(attribute='name') | map('lower') | list -%}
    {%- if spine_columns != previous_columns -%}
        {%- set incremental = false -%}
    {%- endif -%}
{%- endif -%}
{%- set unchanged = incremental and var('inputs_unchanged', false) -%}
{%- set entities = event_entities() %}
{%- for source_name, entity in entities %}
-- depends_on: {{ source(source_name, entity) }}
{%- endfor %}

with reported as (
    select month_start, month_end, month, quarter_start
    from {{ ref('int_months') }}
),

-- keep the dependency on the batch list and the reference checks in every mode
batches_read as (
    select source, entity, batch_id from {{ ref('int_event_batches') }}
),

current_quarantine as (
    select event_id, reference_status as reason
    from {{ ref('int_reference_checks') }}
    where reference_status <> 'ok'
),

{% if unchanged %}
untouched as (
    select month_start from reported where false
)

select month_start, cast('inputs unchanged' as {{ dbt.type_string() }}) as reason from untouched
{% elif incremental %}
new_batches as (
    select source, entity, batch_id from batches_read
    except
    select source, entity, batch_id from {{ previous_batches }}
),

changed_references as (
    select event_id from (
        select event_id, reason from current_quarantine
        except
        select event_id, reason from {{ previous_quarantine }}
    ) as now_quarantined
    union
    select event_id from (
        select event_id, reason from {{ previous_quarantine }}
        except
        select event_id, reason from current_quarantine
    ) as no_longer_quarantined
),

{% for source_name, entity in entities %}
touched_{{ source_name }}_{{ entity }} as (
    select events.*
    from {{ source(source_name, entity) }} as events
    where events.batch_id in (
            select batch_id from new_batches where source = '{{ source_name }}' and entity = '{{ entity }}'
        )
       or events.event_id in (select event_id from changed_references)
),

{% endfor %}
touched_months as (
    -- roster and branch changes hold until the next change: the month of D and every later month
    select cast({{ dbt.date_trunc('month', 'effective_date') }} as date) as from_month, true as and_later,
           cast('roster' as {{ dbt.type_string() }}) as reason
    from touched_roster_member
    union all
    select cast({{ dbt.date_trunc('month', 'snapshot_date') }} as date), true, 'roster'
    from touched_roster_snapshot
    union all
    select cast({{ dbt.date_trunc('month', 'effective_date') }} as date), true, 'branch'
    from touched_roster_branch
    union all
    -- every version of a touched meeting (a moved or deleted meeting leaves its old month too)
    select cast({{ dbt.date_trunc('month', 'versions.start_time') }} as date), false, 'meeting'
    from {{ source('meeting', 'meeting') }} as versions
    where versions.natural_key in (select natural_key from touched_meeting_meeting)
    union all
    -- attendance and leave count in the month of the meeting they name (any version of either)
    select cast({{ dbt.date_trunc('month', 'meetings.start_time') }} as date), false, 'attendance'
    from {{ source('meeting', 'meeting') }} as meetings
    where meetings.meeting_id in (
        select versions.meeting_id
        from {{ source('meeting', 'attendance') }} as versions
        where versions.natural_key in (select natural_key from touched_meeting_attendance)
    )
    union all
    select cast({{ dbt.date_trunc('month', 'meetings.start_time') }} as date), false, 'leave'
    from {{ source('meeting', 'meeting') }} as meetings
    where meetings.meeting_id in (
        select versions.meeting_id
        from {{ source('meeting', 'leave') }} as versions
        where versions.natural_key in (select natural_key from touched_meeting_leave)
    )
    union all
    select cast({{ dbt.date_trunc('month', 'versions.start_time') }} as date), false, 'service'
    from {{ source('meeting', 'service_record') }} as versions
    where versions.natural_key in (select natural_key from touched_meeting_service_record)
    union all
    select cast({{ dbt.date_trunc('month', 'points_date') }} as date), false, 'learning'
    from touched_learning_points
    union all
    select cast({{ dbt.date_trunc('month', 'course_date') }} as date), false, 'learning'
    from touched_learning_course
),

touched_labelled_months as (
    -- monthly items name their month as YYYY-MM
    select period as month, cast('kpi' as {{ dbt.type_string() }}) as reason
    from touched_performance_kpi
    union all
    select versions.month, 'admin'
    from {{ source('admin', 'item') }} as versions
    where versions.natural_key in (select natural_key from touched_admin_item)
    union all
    -- an appeal counts in the month it is about (every version: a moved appeal leaves its old month)
    select versions.month, 'appeal'
    from {{ source('appeals', 'appeal') }} as versions
    where versions.natural_key in (select natural_key from touched_appeals_appeal)
),

spine_changes as (
    -- a new complete month, or a month under changed rules
    select month_start from (
        select * from {{ ref('int_months') }}
        except
        select * from {{ previous_months }}
    ) as changed
),

removed_months as (
    select month_start from {{ previous_months }}
    except
    select month_start from {{ ref('int_months') }}
),

touched as (
    select reported.month_start, touched_months.reason
    from touched_months
    inner join reported
        on reported.month_start = touched_months.from_month
        or (touched_months.and_later and reported.month_start > touched_months.from_month)
    union all
    select reported.month_start, touched_labelled_months.reason
    from touched_labelled_months
    inner join reported on reported.month = touched_labelled_months.month
    union all
    select month_start, 'new month or rules' from spine_changes
)

select month_start, reason from touched
union all
-- months the previous build reported and the spine no longer holds: their rows are deleted
select month_start, 'no longer reported' from removed_months
{% else %}
full_build as (
    select month_start from reported
)

select
    month_start,
    cast('{{ "full refresh" if flags.FULL_REFRESH else "no previous build" }}' as {{ dbt.type_string() }}) as reason
from full_build
{% endif %}
