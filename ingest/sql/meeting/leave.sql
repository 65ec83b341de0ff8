-- meeting/leave: one leave request per line (leaves/*.jsonl, or an API page), a JSON object;
-- t_<field> is the field's JSON type, s_<field> its text (json_extract_string), both of every field
-- in one parse of the line. A tombstone ("deleted": true) needs only the id and updated_at.
SELECT
    source_file, source_position, raw, leave_id, meeting_id, user_id, reason, approved, updated_at,
    CASE
        WHEN doc IS NULL  -- or a text field holding an object or an array (its text would be JSON)
             OR t_leave_id IN ('OBJECT', 'ARRAY') OR t_meeting_id IN ('OBJECT', 'ARRAY')
             OR t_user_id IN ('OBJECT', 'ARRAY') OR t_reason IN ('OBJECT', 'ARRAY')
            THEN 'bad_json'
        WHEN leave_id IS NULL OR updated_text IS NULL THEN 'missing_field'
        WHEN updated_at IS NULL THEN 'bad_timestamp'
        WHEN deleted THEN NULL
        WHEN meeting_id IS NULL OR user_id IS NULL OR nullif(s_approved, '') IS NULL
            THEN 'missing_field'
        WHEN approved IS NULL THEN 'bad_enum'
    END AS reject_reason,
    NULL::VARCHAR AS detail,
    leave_id AS natural_key,
    updated_at AS record_time,
    deleted
FROM (
    SELECT
        *,
        nullif(s_leave_id, '') AS leave_id,
        nullif(s_meeting_id, '') AS meeting_id,
        nullif(s_user_id, '') AS user_id,
        s_reason AS reason,
        CASE t_approved WHEN 'BOOLEAN' THEN CAST(s_approved AS BOOLEAN) END AS approved,
        shanghai_ts(nullif(s_updated_at, '')) AS updated_at,
        nullif(s_updated_at, '') AS updated_text,
        coalesce(t_deleted = 'BOOLEAN' AND s_deleted = 'true', false) AS deleted
    FROM (
        SELECT
            *, t[1] AS t_approved, t[2] AS t_deleted, t[3] AS t_leave_id, t[4] AS t_meeting_id, t[5] AS t_reason,
            t[6] AS t_user_id,
            s[1] AS s_approved, s[2] AS s_deleted, s[3] AS s_leave_id, s[4] AS s_meeting_id, s[5] AS s_reason,
            s[6] AS s_updated_at, s[7] AS s_user_id
        FROM (
            SELECT
                *,
                json_type(doc, ['$.approved', '$.deleted', '$.leave_id', '$.meeting_id', '$.reason', '$.user_id']) AS t,
                json_extract_string(
                    doc,
                    ['$.approved', '$.deleted', '$.leave_id', '$.meeting_id', '$.reason', '$.updated_at', '$.user_id']
                ) AS s
            FROM (SELECT *, json_object_line(raw) AS doc FROM records)
        )
    )
)
