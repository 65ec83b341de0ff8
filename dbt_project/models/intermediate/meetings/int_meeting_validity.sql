-- Quorum of every held meeting in a reported month (macro meeting_validity, shared with the
-- open month of fct_branch_cadence_status): due members as listed (whatever their status), how
-- many of them attended (excused or not; attendance as for the member index), and whether the
-- meeting is valid: more than meeting_quorum_share of the due members attended. An empty due list
-- is never valid.
-- Incremental by month (int_dirty_months): only the months to build are computed.
{{ config(materialized='incremental', incremental_strategy='replace_months', on_schema_change='fail') }}

{{ meeting_validity(ref('int_months'), in_months_to_build('months.month_start')) }}
