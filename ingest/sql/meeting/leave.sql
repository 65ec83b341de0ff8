-- meeting/leave: one leave request per line (leaves/*.jsonl, or an API page), a JSON object;
-- f_<field> is the field as JSON. A tombstone ("deleted": true) needs only the id and updated_at.
SELECT
    source_file, source_position, raw, leave_id, meeting_id, user_id, reason, approved, updated_at,
    CASE
        WHEN doc IS NULL  -- or a text field holding an object or an array (its text would be JSON)
             OR json_type(f_leave_id) IN ('OBJECT', 'ARRAY') OR json_type(f_meeting_id) IN ('OBJECT', 'ARRAY')
             OR json_type(f_user_id) IN ('OBJECT', 'ARRAY') OR json_type(f_reason) IN ('OBJECT', 'ARRAY')
            THEN 'bad_json'
        WHEN leave_id IS NULL OR updated_text IS NULL THEN 'missing_field'
        WHEN updated_at IS NULL THEN 'bad_timestamp'
        WHEN deleted THEN NULL
        WHEN field_text(f_meeting_id) IS NULL OR field_text(f_user_id) IS NULL OR field_text(f_approved) IS NULL
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
        field_text(f_leave_id) AS leave_id,
        field_text(f_meeting_id) AS meeting_id,
        field_text(f_user_id) AS user_id,
        f_reason ->> '$' AS reason,
        CASE json_type(f_approved) WHEN 'BOOLEAN' THEN CAST(f_approved AS BOOLEAN) END AS approved,
        shanghai_ts(field_text(f_updated_at)) AS updated_at,
        field_text(f_updated_at) AS updated_text,
        coalesce(json_type(f_deleted) = 'BOOLEAN' AND (f_deleted ->> '$') = 'true', false) AS deleted
    FROM (
        SELECT
            *, j[1] AS f_approved, j[2] AS f_deleted, j[3] AS f_leave_id, j[4] AS f_meeting_id, j[5] AS f_reason,
            j[6] AS f_updated_at, j[7] AS f_user_id
        FROM (
            SELECT
                *,
                json_extract(  -- every field the query reads, in one JSON parse of the line
                    doc,
                    ['$.approved', '$.deleted', '$.leave_id', '$.meeting_id', '$.reason', '$.updated_at', '$.user_id']
                ) AS j
            FROM (SELECT *, json_object_line(raw) AS doc FROM records)
        )
    )
)
