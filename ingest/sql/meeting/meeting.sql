-- meeting/meeting: one 三会一课 meeting record per line (meetings/*.jsonl, or an API page), a JSON
-- object; t_<field> is the field's JSON type, s_<field> its text (json_extract_string), both of
-- every field in one parse of the line. A tombstone ("deleted": true) needs only the id and
-- updated_at.
SELECT
    source_file, source_position, raw, meeting_id, branch_id, party_group, type, title, start_time, end_time,
    status, due_user_ids, updated_at,
    CASE
        WHEN doc IS NULL  -- or a text field holding an object or an array (its text would be JSON)
             OR t_meeting_id IN ('OBJECT', 'ARRAY') OR t_branch_id IN ('OBJECT', 'ARRAY')
             OR t_party_group IN ('OBJECT', 'ARRAY') OR t_type IN ('OBJECT', 'ARRAY')
             OR t_title IN ('OBJECT', 'ARRAY') OR t_status IN ('OBJECT', 'ARRAY')
            THEN 'bad_json'
        WHEN meeting_id IS NULL OR updated_text IS NULL THEN 'missing_field'
        WHEN updated_at IS NULL THEN 'bad_timestamp'
        WHEN deleted THEN NULL
        WHEN branch_id IS NULL OR type IS NULL OR start_text IS NULL OR end_text IS NULL OR status IS NULL
             OR nullif(s_due_user_ids, '') IS NULL
            THEN 'missing_field'
        WHEN type NOT IN {{ type_values }} OR status NOT IN {{ status_values }} THEN 'bad_enum'
        WHEN due_user_ids IS NULL THEN 'missing_field'
        WHEN (start_text IS NOT NULL AND start_time IS NULL) OR (end_text IS NOT NULL AND end_time IS NULL)
            THEN 'bad_timestamp'
        WHEN end_time < start_time THEN 'end_before_start'
    END AS reject_reason,
    NULL::VARCHAR AS detail,
    meeting_id AS natural_key,
    updated_at AS record_time,
    deleted
FROM (
    SELECT
        *,
        nullif(s_meeting_id, '') AS meeting_id,
        nullif(s_branch_id, '') AS branch_id,
        nullif(s_party_group, '') AS party_group,
        nullif(s_type, '') AS type,
        s_title AS title,
        nullif(s_start_time, '') AS start_text,
        nullif(s_end_time, '') AS end_text,
        shanghai_ts(nullif(s_start_time, '')) AS start_time,
        shanghai_ts(nullif(s_end_time, '')) AS end_time,
        nullif(s_status, '') AS status,
        CASE t_due_user_ids WHEN 'ARRAY' THEN CAST(json_extract(doc, '$.due_user_ids') AS VARCHAR[]) END AS due_user_ids,
        shanghai_ts(nullif(s_updated_at, '')) AS updated_at,
        nullif(s_updated_at, '') AS updated_text,
        coalesce(t_deleted = 'BOOLEAN' AND s_deleted = 'true', false) AS deleted
    FROM (
        SELECT
            *, t[1] AS t_branch_id, t[2] AS t_deleted, t[3] AS t_due_user_ids, t[4] AS t_meeting_id,
            t[5] AS t_party_group, t[6] AS t_status, t[7] AS t_title, t[8] AS t_type,
            s[1] AS s_branch_id, s[2] AS s_deleted, s[3] AS s_due_user_ids, s[4] AS s_end_time, s[5] AS s_meeting_id,
            s[6] AS s_party_group, s[7] AS s_start_time, s[8] AS s_status, s[9] AS s_title, s[10] AS s_type,
            s[11] AS s_updated_at
        FROM (
            SELECT
                *,
                json_type(
                    doc, ['$.branch_id', '$.deleted', '$.due_user_ids', '$.meeting_id', '$.party_group', '$.status',
                          '$.title', '$.type']
                ) AS t,
                json_extract_string(
                    doc,
                    ['$.branch_id', '$.deleted', '$.due_user_ids', '$.end_time', '$.meeting_id', '$.party_group',
                     '$.start_time', '$.status', '$.title', '$.type', '$.updated_at']
                ) AS s
            FROM (SELECT *, json_object_line(raw) AS doc FROM records)
        )
    )
)
