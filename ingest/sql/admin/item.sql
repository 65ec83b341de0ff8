-- admin/item: one version of an approved admin item per row (items_*.csv).
SELECT
    source_file, source_position, raw, item_id, employee_no, month, kind, points, reason, approved_by,
    approved_at, status,
    CASE
        WHEN item_id IS NULL OR employee_no IS NULL OR month_text IS NULL OR kind IS NULL
             OR (points_text IS NULL AND kind <> 'veto') OR approved_text IS NULL OR status IS NULL
            THEN 'missing_field'
        WHEN kind NOT IN {{ kind_values }} OR status NOT IN {{ status_values }} THEN 'bad_enum'
        WHEN month IS NULL THEN 'bad_date'
        WHEN approved_at IS NULL THEN 'bad_timestamp'
        WHEN points_text IS NOT NULL AND points IS NULL THEN 'bad_number'
        WHEN points < 0 THEN 'negative_points'
    END AS reject_reason,
    NULL::VARCHAR AS detail,
    item_id AS natural_key,
    approved_at AS record_time,
    false AS deleted
FROM (
    SELECT
        source_file, source_position, raw, item_id, employee_no, kind, reason, approved_by, status,
        month AS month_text, points AS points_text, approved_at AS approved_text,
        source_month(month) AS month,
        TRY_CAST(points AS DECIMAL(12, 2)) AS points,
        shanghai_ts(approved_at) AS approved_at
    FROM records
)
