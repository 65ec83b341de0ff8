-- learning/course: courses a person completed (完成) or lectured (授课) (courses_YYYY-MM-DD.csv,
-- keyed by phone).
SELECT
    source_file, source_position, raw, person_key, course_id, course_name, course_kind, course_date,
    export_date,
    CASE
        WHEN phone IS NULL OR course_id IS NULL OR kind IS NULL OR day IS NULL THEN 'missing_field'
        WHEN course_kind IS NULL THEN 'bad_enum'
        WHEN course_date IS NULL THEN 'bad_date'
    END AS reject_reason,
    NULL::VARCHAR AS detail,
    concat_ws('|', person_key, course_id, course_kind, course_date) AS natural_key,
    CAST(export_date AS TIMESTAMP) AS record_time,
    false AS deleted
FROM (
    SELECT
        *,
        CASE kind WHEN '完成' THEN 'completed' WHEN '授课' THEN 'lectured' END AS course_kind,
        source_date(day) AS course_date,
        file_date AS export_date
    FROM records
    LEFT JOIN (  -- each distinct phone hashed once
        SELECT phone, person_key(phone, $ipad, $opad) AS person_key
        FROM (SELECT DISTINCT phone FROM records WHERE phone IS NOT NULL)
    ) USING (phone)
)
