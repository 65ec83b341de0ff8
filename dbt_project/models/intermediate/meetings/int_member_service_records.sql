-- Verified service records of each member that start on one of the member's active days;
-- hours = end − start (kept in whole seconds so that sums stay exact; hours shown to 6 places).
-- Incremental by month (int_dirty_months): only the months to build are computed.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

select
    member_spans.member_id,
    member_spans.month_start,
    services.service_record_id,
    services.event_id,
    services.starts_at,
    services.ends_at,
    {{ seconds_between('services.starts_at', 'services.ends_at') }} as service_seconds,
    {{ score_div(seconds_between('services.starts_at', 'services.ends_at'), 3600) }} as service_hours
from {{ ref('stg_meeting__service_record') }} as services
inner join {{ ref('int_reference_checks') }} as checks
    on checks.event_id = services.event_id
    and checks.reference_status = 'ok'
inner join {{ ref('int_member_spans') }} as member_spans  -- the span holding the start day
    on {{ span_holding('member_spans', 'services.employee_no', 'services.starts_at') }}
    and {{ in_months_to_build('member_spans.month_start') }}
where services.is_verified
  and services.ends_at > services.starts_at
