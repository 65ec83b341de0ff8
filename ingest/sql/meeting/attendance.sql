-- meeting/attendance: one attendance record per line (attendance/*.jsonl, or an API page), a JSON
-- object; f_<field> is the field as JSON. A tombstone ("deleted": true) needs only the id and
-- updated_at.
SELECT
    source_file, source_position, raw, record_id, meeting_id, user_id, mode, join_time, leave_time, updated_at,
    CASE
        WHEN doc IS NULL  -- or a text field holding an object or an array (its text would be JSON)
             OR json_type(f_record_id) IN ('OBJECT', 'ARRAY') OR json_type(f_meeting_id) IN ('OBJECT', 'ARRAY')
             OR json_type(f_user_id) IN ('OBJECT', 'ARRAY') OR json_type(f_mode) IN ('OBJECT', 'ARRAY')
            THEN 'bad_json'
        WHEN record_id IS NULL OR updated_text IS NULL THEN 'missing_field'
        WHEN updated_at IS NULL THEN 'bad_timestamp'
        WHEN deleted THEN NULL
        WHEN field_text(f_meeting_id) IS NULL OR field_text(f_user_id) IS NULL OR field_text(f_mode) IS NULL
             OR field_text(f_join_time) IS NULL
            THEN 'missing_field'
        WHEN mode NOT IN {{ mode_values }} THEN 'bad_enum'
        WHEN mode = 'online' AND field_text(f_leave_time) IS NULL THEN 'missing_field'
        WHEN (field_text(f_join_time) IS NOT NULL AND join_time IS NULL)
             OR (field_text(f_leave_time) IS NOT NULL AND leave_time IS NULL)
            THEN 'bad_timestamp'
        WHEN leave_time < join_time THEN 'end_before_start'
    END AS reject_reason,
    NULL::VARCHAR AS detail,
    record_id AS natural_key,
    updated_at AS record_time,
    deleted
FROM (
    SELECT
        *,
        field_text(f_record_id) AS record_id,
        field_text(f_meeting_id) AS meeting_id,
        field_text(f_user_id) AS user_id,
        field_text(f_mode) AS mode,
        shanghai_ts(field_text(f_join_time)) AS join_time,
        shanghai_ts(field_text(f_leave_time)) AS leave_time,
        shanghai_ts(field_text(f_updated_at)) AS updated_at,
        field_text(f_updated_at) AS updated_text,
        coalesce(json_type(f_deleted) = 'BOOLEAN' AND (f_deleted ->> '$') = 'true', false) AS deleted
    FROM (
        SELECT
            *, j[1] AS f_deleted, j[2] AS f_join_time, j[3] AS f_leave_time, j[4] AS f_meeting_id, j[5] AS f_mode,
            j[6] AS f_record_id, j[7] AS f_updated_at, j[8] AS f_user_id
        FROM (
            SELECT
                *,
                json_extract(  -- every field the query reads, in one JSON parse of the line
                    doc,
                    ['$.deleted', '$.join_time', '$.leave_time', '$.meeting_id', '$.mode', '$.record_id',
                     '$.updated_at', '$.user_id']
                ) AS j
            FROM (SELECT *, json_object_line(raw) AS doc FROM records)
        )
    )
)
