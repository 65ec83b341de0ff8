-- meeting/service_record: one service record per line (service-records/*.jsonl, or an API page), a
-- JSON object; t_<field> is the field's JSON type, s_<field> its text (json_extract_string), both
-- of every field in one parse of the line. A tombstone ("deleted": true) needs only the id and
-- updated_at.
SELECT
    source_file, source_position, raw, record_id, user_id, kind, grid_id, start_time, end_time, verified,
    description, updated_at,
    CASE
        WHEN doc IS NULL  -- or a text field holding an object or an array (its text would be JSON)
             OR t_record_id IN ('OBJECT', 'ARRAY') OR t_user_id IN ('OBJECT', 'ARRAY')
             OR t_kind IN ('OBJECT', 'ARRAY') OR t_grid_id IN ('OBJECT', 'ARRAY')
             OR t_description IN ('OBJECT', 'ARRAY')
            THEN 'bad_json'
        WHEN record_id IS NULL OR updated_text IS NULL THEN 'missing_field'
        WHEN updated_at IS NULL THEN 'bad_timestamp'
        WHEN deleted THEN NULL
        WHEN user_id IS NULL OR kind IS NULL OR start_text IS NULL OR end_text IS NULL OR nullif(s_verified, '') IS NULL
            THEN 'missing_field'
        WHEN kind NOT IN {{ kind_values }} OR verified IS NULL THEN 'bad_enum'
        WHEN (start_text IS NOT NULL AND start_time IS NULL) OR (end_text IS NOT NULL AND end_time IS NULL)
            THEN 'bad_timestamp'
        WHEN end_time < start_time THEN 'end_before_start'
    END AS reject_reason,
    NULL::VARCHAR AS detail,
    record_id AS natural_key,
    updated_at AS record_time,
    deleted
FROM (
    SELECT
        *,
        nullif(s_record_id, '') AS record_id,
        nullif(s_user_id, '') AS user_id,
        nullif(s_kind, '') AS kind,
        nullif(s_grid_id, '') AS grid_id,
        nullif(s_start_time, '') AS start_text,
        nullif(s_end_time, '') AS end_text,
        shanghai_ts(nullif(s_start_time, '')) AS start_time,
        shanghai_ts(nullif(s_end_time, '')) AS end_time,
        CASE t_verified WHEN 'BOOLEAN' THEN CAST(s_verified AS BOOLEAN) END AS verified,
        s_description AS description,
        shanghai_ts(nullif(s_updated_at, '')) AS updated_at,
        nullif(s_updated_at, '') AS updated_text,
        coalesce(t_deleted = 'BOOLEAN' AND s_deleted = 'true', false) AS deleted
    FROM (
        SELECT
            *, t[1] AS t_deleted, t[2] AS t_description, t[3] AS t_grid_id, t[4] AS t_kind, t[5] AS t_record_id,
            t[6] AS t_user_id, t[7] AS t_verified,
            s[1] AS s_deleted, s[2] AS s_description, s[3] AS s_end_time, s[4] AS s_grid_id, s[5] AS s_kind,
            s[6] AS s_record_id, s[7] AS s_start_time, s[8] AS s_updated_at, s[9] AS s_user_id, s[10] AS s_verified
        FROM (
            SELECT
                *,
                json_type(doc, ['$.deleted', '$.description', '$.grid_id', '$.kind', '$.record_id', '$.user_id', '$.verified']) AS t,
                json_extract_string(
                    doc,
                    ['$.deleted', '$.description', '$.end_time', '$.grid_id', '$.kind', '$.record_id',
                     '$.start_time', '$.updated_at', '$.user_id', '$.verified']
                ) AS s
            FROM (SELECT *, json_object_line(raw) AS doc FROM records)
        )
    )
)
