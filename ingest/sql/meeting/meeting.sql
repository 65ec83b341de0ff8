-- meeting/meeting: one 三会一课 meeting record per line (meetings/*.jsonl, or an API page), a JSON
-- object; f_<field> is the field as JSON. A tombstone ("deleted": true) needs only the id and
-- updated_at.
SELECT
    source_file, source_position, raw, meeting_id, branch_id, party_group, type, title, start_time, end_time,
    status, due_user_ids, updated_at,
    CASE
        WHEN doc IS NULL  -- or a text field holding an object or an array (its text would be JSON)
             OR json_type(f_meeting_id) IN ('OBJECT', 'ARRAY') OR json_type(f_branch_id) IN ('OBJECT', 'ARRAY')
             OR json_type(f_party_group) IN ('OBJECT', 'ARRAY') OR json_type(f_type) IN ('OBJECT', 'ARRAY')
             OR json_type(f_title) IN ('OBJECT', 'ARRAY') OR json_type(f_status) IN ('OBJECT', 'ARRAY')
            THEN 'bad_json'
        WHEN meeting_id IS NULL OR updated_text IS NULL THEN 'missing_field'
        WHEN updated_at IS NULL THEN 'bad_timestamp'
        WHEN deleted THEN NULL
        WHEN field_text(f_branch_id) IS NULL OR field_text(f_type) IS NULL OR field_text(f_start_time) IS NULL
             OR field_text(f_end_time) IS NULL OR field_text(f_status) IS NULL OR field_text(f_due_user_ids) IS NULL
            THEN 'missing_field'
        WHEN type NOT IN {{ type_values }} OR status NOT IN {{ status_values }} THEN 'bad_enum'
        WHEN due_user_ids IS NULL THEN 'missing_field'
        WHEN (field_text(f_start_time) IS NOT NULL AND start_time IS NULL)
             OR (field_text(f_end_time) IS NOT NULL AND end_time IS NULL)
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
        field_text(f_meeting_id) AS meeting_id,
        field_text(f_branch_id) AS branch_id,
        field_text(f_party_group) AS party_group,
        field_text(f_type) AS type,
        f_title ->> '$' AS title,
        shanghai_ts(field_text(f_start_time)) AS start_time,
        shanghai_ts(field_text(f_end_time)) AS end_time,
        field_text(f_status) AS status,
        CASE json_type(f_due_user_ids) WHEN 'ARRAY' THEN CAST(f_due_user_ids AS VARCHAR[]) END AS due_user_ids,
        shanghai_ts(field_text(f_updated_at)) AS updated_at,
        field_text(f_updated_at) AS updated_text,
        coalesce(json_type(f_deleted) = 'BOOLEAN' AND (f_deleted ->> '$') = 'true', false) AS deleted
    FROM (
        SELECT
            *, j[1] AS f_branch_id, j[2] AS f_deleted, j[3] AS f_due_user_ids, j[4] AS f_end_time,
            j[5] AS f_meeting_id, j[6] AS f_party_group, j[7] AS f_start_time, j[8] AS f_status, j[9] AS f_title,
            j[10] AS f_type, j[11] AS f_updated_at
        FROM (
            SELECT
                *,
                json_extract(  -- every field the query reads, in one JSON parse of the line
                    doc,
                    ['$.branch_id', '$.deleted', '$.due_user_ids', '$.end_time', '$.meeting_id', '$.party_group',
                     '$.start_time', '$.status', '$.title', '$.type', '$.updated_at']
                ) AS j
            FROM (SELECT *, json_object_line(raw) AS doc FROM records)
        )
    )
)
