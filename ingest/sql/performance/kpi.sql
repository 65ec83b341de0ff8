-- performance/kpi: one KPI record version per row (kpi_*.csv, or the rows of kpi_monthly read by
-- ingest/live/performance_sql.py as the same CSV fields).
SELECT
    source_file, source_position, raw, employee_no, period, kpi_score, rating, updated_at,
    CASE
        WHEN employee_no IS NULL OR period_text IS NULL OR score_text IS NULL OR updated_text IS NULL
            THEN 'missing_field'
        WHEN rating IS NOT NULL AND rating NOT IN {{ rating_values }} THEN 'bad_enum'
        WHEN period IS NULL THEN 'bad_date'
        WHEN updated_at IS NULL THEN 'bad_timestamp'
        WHEN kpi_score IS NULL THEN 'bad_number'
        WHEN kpi_score NOT BETWEEN 0 AND 120 THEN 'out_of_range'
    END AS reject_reason,
    NULL::VARCHAR AS detail,
    concat_ws('|', employee_no, period) AS natural_key,
    updated_at AS record_time,
    false AS deleted
FROM (
    SELECT
        source_file, source_position, raw, employee_no, rating,
        period AS period_text, kpi_score AS score_text, updated_at AS updated_text,
        CASE WHEN regexp_full_match(period, '\d{6}') THEN strftime(TRY_STRPTIME(period, '%Y%m'), '%Y-%m') END AS period,
        TRY_CAST(kpi_score AS DECIMAL(12, 2)) AS kpi_score,
        shanghai_ts(updated_at) AS updated_at
    FROM records
)
