-- roster/member: one member per row of a daily roster snapshot (roster_YYYY-MM-DD.csv).
-- Yields the snapshot's records; ingest/roster.py derives the change events from them.
SELECT
    source_file, source_position, raw, file_date AS snapshot_date, member_id, employee_no, name, gender,
    person_key, branch_id, party_group, status, status_since,
    CASE
        WHEN member_id IS NULL OR employee_no IS NULL OR branch_id IS NULL OR status IS NULL THEN 'missing_field'
        WHEN status NOT IN {{ status_values }} OR gender NOT IN {{ gender_values }} THEN 'bad_enum'
        WHEN since_text IS NOT NULL AND status_since IS NULL THEN 'bad_date'
    END AS reject_reason,
    NULL::VARCHAR AS detail
FROM (
    SELECT
        * REPLACE (source_date(status_since) AS status_since),
        status_since AS since_text,
        CASE WHEN phone IS NOT NULL THEN person_key(phone, $ipad, $opad) END AS person_key
    FROM records
)
