-- appeals/appeal: one version of an appeal per row (appeals_*.csv); an accepted appeal needs
-- points, at most points_max (ingest.schema.APPEAL_POINTS_MAX) either way.
SELECT
    source_file, source_position, raw, appeal_id, employee_no, month, component, points, reason,
    status, decided_by, decided_at, updated_at,
    CASE
        WHEN appeal_id IS NULL OR employee_no IS NULL OR month_text IS NULL OR component IS NULL
             OR status IS NULL OR updated_text IS NULL OR (status = 'accepted' AND points_text IS NULL)
            THEN 'missing_field'
        WHEN component NOT IN {{ component_values }} OR status NOT IN {{ status_values }} THEN 'bad_enum'
        WHEN month IS NULL THEN 'bad_date'
        WHEN updated_at IS NULL OR (decided_text IS NOT NULL AND decided_at IS NULL) THEN 'bad_timestamp'
        WHEN points_text IS NOT NULL AND points IS NULL THEN 'bad_number'
        WHEN abs(points) > {{ points_max }} THEN 'out_of_range'
    END AS reject_reason,
    CASE WHEN abs(points) > {{ points_max }} THEN 'points ' || points_text || ' outside ±{{ points_max }}' END AS detail,
    appeal_id AS natural_key,
    updated_at AS record_time,
    false AS deleted
FROM (
    SELECT
        source_file, source_position, raw, appeal_id, employee_no, component, reason, status,
        decided_by, month AS month_text, points AS points_text, updated_at AS updated_text,
        decided_at AS decided_text,
        source_month(month) AS month,
        TRY_CAST(points AS DECIMAL(12, 2)) AS points,
        shanghai_ts(decided_at) AS decided_at,
        shanghai_ts(updated_at) AS updated_at
    FROM records
)
