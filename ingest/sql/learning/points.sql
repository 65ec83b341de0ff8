-- learning/points: daily points of a person (points_YYYY-MM-DD.csv, keyed by phone).
SELECT
    source_file, source_position, raw, person_key, points_date, points, cumulative_points, export_date,
    CASE
        WHEN phone IS NULL OR day IS NULL OR day_points IS NULL THEN 'missing_field'
        WHEN points_date IS NULL THEN 'bad_date'
        WHEN points IS NULL OR (total IS NOT NULL AND cumulative_points IS NULL) THEN 'bad_number'
        WHEN points < 0 THEN 'negative_points'
    END AS reject_reason,
    NULL::VARCHAR AS detail,
    concat_ws('|', person_key, points_date) AS natural_key,
    CAST(export_date AS TIMESTAMP) AS record_time,
    false AS deleted
FROM (
    SELECT
        *,
        source_date(day) AS points_date,
        TRY_CAST(day_points AS DECIMAL(12, 2)) AS points,
        TRY_CAST(total AS DECIMAL(12, 2)) AS cumulative_points,
        file_date AS export_date
    FROM records
    LEFT JOIN (  -- each distinct phone hashed once
        SELECT phone, person_key(phone, $ipad, $opad) AS person_key
        FROM (SELECT DISTINCT phone FROM records WHERE phone IS NOT NULL)
    ) USING (phone)
)
