-- roster/branch: one branch per row of a daily branch snapshot (branches_YYYY-MM-DD.csv).
-- Yields the snapshot's records; ingest/roster.py derives the change events from them.
SELECT
    source_file, source_position, raw, file_date AS snapshot_date, branch_id, branch_name, department_id,
    department_name,
    CASE WHEN branch_id IS NULL OR department_id IS NULL THEN 'missing_field' END AS reject_reason,
    NULL::VARCHAR AS detail
FROM records
