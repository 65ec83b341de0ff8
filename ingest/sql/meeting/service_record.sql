-- meeting/service_record: one service record per line (service-records/*.jsonl, or an API page), a
-- JSON object; f_<field> is the field as JSON. A tombstone ("deleted": true) needs only the id
-- and updated_at.
SELECT
    source_file, source_position, raw, record_id, user_id, kind, grid_id, start_time, end_time, verified,
    description, updated_at,
    CASE
        WHEN doc IS NULL  -- or a text field holding an object or an array (its text would be JSON)
             OR json_type(f_record_id) IN ('OBJECT', 'ARRAY') OR json_type(f_user_id) IN ('OBJECT', 'ARRAY')
             OR json_type(f_kind) IN ('OBJECT', 'ARRAY') OR json_type(f_grid_id) IN ('OBJECT', 'ARRAY')
             OR json_type(f_description) IN ('OBJECT', 'ARRAY')
            THEN 'bad_json'
        WHEN record_id IS NULL OR updated_text IS NULL THEN 'missing_field'
        WHEN updated_at IS NULL THEN 'bad_timestamp'
        WHEN deleted THEN NULL
        WHEN field_text(f_user_id) IS NULL OR field_text(f_kind) IS NULL OR field_text(f_start_time) IS NULL
             OR field_text(f_end_time) IS NULL OR field_text(f_verified) IS NULL
            THEN 'missing_field'
        WHEN kind NOT IN {{ kind_values }} OR verified IS NULL THEN 'bad_enum'
        WHEN (field_text(f_start_time) IS NOT NULL AND start_time IS NULL)
             OR (field_text(f_end_time) IS NOT NULL AND end_time IS NULL)
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
        field_text(f_record_id) AS record_id,
        field_text(f_user_id) AS user_id,
        field_text(f_kind) AS kind,
        field_text(f_grid_id) AS grid_id,
        shanghai_ts(field_text(f_start_time)) AS start_time,
        shanghai_ts(field_text(f_end_time)) AS end_time,
        CASE json_type(f_verified) WHEN 'BOOLEAN' THEN CAST(f_verified AS BOOLEAN) END AS verified,
        f_description ->> '$' AS description,
        shanghai_ts(field_text(f_updated_at)) AS updated_at,
        field_text(f_updated_at) AS updated_text,
        coalesce(json_type(f_deleted) = 'BOOLEAN' AND (f_deleted ->> '$') = 'true', false) AS deleted
    FROM (
        SELECT
            *, j[1] AS f_deleted, j[2] AS f_description, j[3] AS f_end_time, j[4] AS f_grid_id, j[5] AS f_kind,
            j[6] AS f_record_id, j[7] AS f_start_time, j[8] AS f_updated_at, j[9] AS f_user_id, j[10] AS f_verified
        FROM (
            SELECT
                *,
                json_extract(  -- every field the query reads, in one JSON parse of the line
                    doc,
                    ['$.deleted', '$.description', '$.end_time', '$.grid_id', '$.kind', '$.record_id',
                     '$.start_time', '$.updated_at', '$.user_id', '$.verified']
                ) AS j
            FROM (SELECT *, json_object_line(raw) AS doc FROM records)
        )
    )
)
