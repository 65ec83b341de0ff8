-- meeting/attendance: one attendance record per line (attendance/*.jsonl, or an API page), a JSON
-- object; t_<field> is the field's JSON type, s_<field> its text (json_extract_string), both of
-- every field in one parse of the line. A tombstone ("deleted": true) needs only the id and
-- updated_at.
SELECT
    source_file, source_position, raw, record_id, meeting_id, user_id, mode, join_time, leave_time, updated_at,
    CASE
        WHEN doc IS NULL  -- or a text field holding an object or an array (its text would be JSON)
             OR t_record_id IN ('OBJECT', 'ARRAY') OR t_meeting_id IN ('OBJECT', 'ARRAY')
             OR t_user_id IN ('OBJECT', 'ARRAY') OR t_mode IN ('OBJECT', 'ARRAY')
            THEN 'bad_json'
        WHEN record_id IS NULL OR updated_text IS NULL THEN 'missing_field'
        WHEN updated_at IS NULL THEN 'bad_timestamp'
        WHEN deleted THEN NULL
        WHEN meeting_id IS NULL OR user_id IS NULL OR mode IS NULL OR join_text IS NULL
            THEN 'missing_field'
        WHEN mode NOT IN {{ mode_values }} THEN 'bad_enum'
        WHEN mode = 'online' AND leave_text IS NULL THEN 'missing_field'
        WHEN (join_text IS NOT NULL AND join_time IS NULL) OR (leave_text IS NOT NULL AND leave_time IS NULL)
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
        nullif(s_record_id, '') AS record_id,
        nullif(s_meeting_id, '') AS meeting_id,
        nullif(s_user_id, '') AS user_id,
        nullif(s_mode, '') AS mode,
        nullif(s_join_time, '') AS join_text,
        nullif(s_leave_time, '') AS leave_text,
        shanghai_ts(nullif(s_join_time, '')) AS join_time,
        shanghai_ts(nullif(s_leave_time, '')) AS leave_time,
        shanghai_ts(nullif(s_updated_at, '')) AS updated_at,
        nullif(s_updated_at, '') AS updated_text,
        coalesce(t_deleted = 'BOOLEAN' AND s_deleted = 'true', false) AS deleted
    FROM (
        SELECT
            *, t[1] AS t_deleted, t[2] AS t_meeting_id, t[3] AS t_mode, t[4] AS t_record_id, t[5] AS t_user_id,
            s[1] AS s_deleted, s[2] AS s_join_time, s[3] AS s_leave_time, s[4] AS s_meeting_id, s[5] AS s_mode,
            s[6] AS s_record_id, s[7] AS s_updated_at, s[8] AS s_user_id
        FROM (
            SELECT
                *,
                json_type(doc, ['$.deleted', '$.meeting_id', '$.mode', '$.record_id', '$.user_id']) AS t,
                json_extract_string(
                    doc,
                    ['$.deleted', '$.join_time', '$.leave_time', '$.meeting_id', '$.mode', '$.record_id',
                     '$.updated_at', '$.user_id']
                ) AS s
            FROM (SELECT *, json_object_line(raw) AS doc FROM records)
        )
    )
)
