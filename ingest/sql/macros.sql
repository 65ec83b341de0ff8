-- Helpers of the parse SQL (ingest/sql/<source>/<entity>.sql), created in every EventStore
-- session (ingest/store.py) before any parse runs. Scalar macros: DuckDB expands them in place.

-- ISO 8601 text as the sources write it (a date, optionally a time, optionally an offset within
-- -12:00..+14:00; +08:00, Z or no offset = Shanghai) as naive Shanghai time, NULL when it is not
-- such text (DuckDB alone reads 'infinity', 'epoch' and '+25:00' as times).
CREATE TEMP MACRO shanghai_ts(t) AS
    CASE WHEN regexp_full_match(t, '^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-](0\d|1[0-4])(:?[0-5]\d)?)?$')
         THEN timezone('Asia/Shanghai', TRY_CAST(t AS TIMESTAMPTZ)) END;

-- A date written YYYY-MM-DD or YYYY/MM/DD, NULL when it is none.
CREATE TEMP MACRO source_date(t) AS TRY_CAST(TRY_STRPTIME(t, ['%Y-%m-%d', '%Y/%m/%d']) AS DATE);

-- A month written YYYY-MM (as is), NULL when it is none.
CREATE TEMP MACRO source_month(t) AS
    CASE WHEN regexp_full_match(t, '\d{4}-\d{2}') AND TRY_STRPTIME(t, '%Y-%m') IS NOT NULL THEN t END;

-- HMAC-SHA256(key, phone) in hex, the key given as its inner and outer pads (hex; Python's
-- ingest.files.person_key_params makes them from the phone key): the only form a phone takes
-- past ``raw``.
CREATE TEMP MACRO person_key(phone, ipad, opad) AS
    sha256(unhex(opad) || unhex(sha256(unhex(ipad) || encode(phone))));

-- A JSON field's text (its string, or the JSON of another value), NULL when absent, null or "".
CREATE TEMP MACRO field_text(field) AS nullif(field ->> '$', '');

-- The line when it is one JSON object by RFC 8259, else NULL. DuckDB's own reader also takes
-- trailing commas and NaN/Infinity: a line that may hold one is checked again by the strict
-- parser (the Python function strict_json_object).
CREATE TEMP MACRO json_object_line(line) AS
    CASE WHEN (CASE WHEN json_valid(line) THEN json_type(line) END) = 'OBJECT'
              AND (NOT regexp_matches(line, ',\s*[}\]]|NaN|Infinity') OR strict_json_object(line))
         THEN line END;
