"""The floor: ONE DuckDB query computing every scored member month's ``index_score`` straight
from the event store's parquet files (rules v1 of docs/scoring.md, constants inlined).

It follows the marts' reading of the events (latest version per natural key, tombstones
dropped, the roster as validity intervals, learning mapped by person_key when exactly one member
holds it that day) but keeps the roster as intervals instead of expanding it into member days.
Divisions round to 6 places like the marts' ``score_div``; the index rounds half away from zero.
"""

FLOOR_SQL = """
WITH
ev_member AS (
    SELECT * FROM read_parquet('{events}/roster/member/*.parquet')
    QUALIFY row_number() OVER (PARTITION BY member_id, effective_date
        ORDER BY recorded_at DESC, batch_id DESC, source_file DESC, source_position DESC) = 1),
versions AS (  -- a member's attributes from valid_from to valid_to (inclusive), while listed
    SELECT member_id, employee_no, person_key, status IN ('probationary', 'full') AS active, valid_from,
           least(coalesce(valid_to, horizon), horizon) AS valid_to
    FROM (SELECT *, effective_date AS valid_from,
                 lead(effective_date) OVER (PARTITION BY member_id ORDER BY effective_date) - 1 AS valid_to,
                 DATE '{month_start}' - 1 AS horizon
          FROM ev_member WHERE NOT deleted)
    WHERE present AND valid_from <= horizon),
active AS (SELECT * FROM versions WHERE active),
member_months AS (  -- active days per month, from the intervals
    SELECT member_id, month_start, days_in_month, sum(days) AS active_days,
           arg_max(employee_no, last_day) AS employee_no
    FROM (SELECT a.member_id, a.employee_no, m.month_start,
                 datediff('day', m.month_start, m.month_start + INTERVAL 1 MONTH) AS days_in_month,
                 datediff('day', greatest(a.valid_from, m.month_start),
                                 least(a.valid_to, (m.month_start + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE)) + 1 AS days,
                 least(a.valid_to, (m.month_start + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE) AS last_day
          FROM active a,
               LATERAL (SELECT unnest(generate_series(date_trunc('month', a.valid_from)::TIMESTAMP,
                                                      date_trunc('month', a.valid_to)::TIMESTAMP, INTERVAL 1 MONTH))::DATE
                        AS month_start) m)
    GROUP BY ALL HAVING sum(days) >= 10),
-- learning: latest report per person and day, counted when exactly one listed member holds the key
points AS (
    SELECT person_key, points_date AS on_date, points FROM read_parquet('{events}/learning/points/*.parquet')
    QUALIFY row_number() OVER (PARTITION BY person_key, points_date ORDER BY export_date DESC NULLS LAST,
        record_time DESC NULLS LAST, source_file DESC, source_position DESC, recorded_at DESC, batch_id DESC) = 1
        AND NOT deleted),
courses AS (
    SELECT person_key, course_date AS on_date, course_kind FROM read_parquet('{events}/learning/course/*.parquet')
    QUALIFY row_number() OVER (PARTITION BY person_key, course_id, course_kind, course_date
        ORDER BY export_date DESC NULLS LAST, record_time DESC NULLS LAST, source_file DESC, source_position DESC,
                 recorded_at DESC, batch_id DESC) = 1
        AND NOT deleted AND course_kind IN ('completed', 'lectured')),
keyed AS (  -- one row per person_key and day
    SELECT person_key, on_date, sum(points) AS points, sum(lectures) AS lectures, sum(completed) AS completed
    FROM (SELECT person_key, on_date, points, 0 AS lectures, 0 AS completed FROM points
          UNION ALL
          SELECT person_key, on_date, 0, (course_kind = 'lectured')::INT, (course_kind = 'completed')::INT FROM courses)
    GROUP BY ALL),
mapped AS (  -- docs/sources.md: the latest roster day on or before the date listing the key; one member then
    SELECT any_value(member_id) AS member_id, on_date, any_value(points) AS points,
           any_value(lectures) AS lectures, any_value(completed) AS completed
    FROM (SELECT k.*, v.member_id FROM keyed k
          JOIN versions v ON v.person_key = k.person_key AND v.valid_from <= k.on_date
          QUALIFY least(v.valid_to, k.on_date)
                  = max(least(v.valid_to, k.on_date)) OVER (PARTITION BY k.person_key, k.on_date))
    GROUP BY person_key, on_date
    HAVING count(DISTINCT member_id) = 1),
learning AS (  -- counted on the member's active days
    SELECT m.*, date_trunc('month', m.on_date) AS month_start, true AS active
    FROM mapped m JOIN active a ON a.member_id = m.member_id AND m.on_date BETWEEN a.valid_from AND a.valid_to),
learning_months AS (
    SELECT member_id, month_start, sum(points) AS points, sum(lectures) AS lectures, sum(completed) AS completed
    FROM learning WHERE active GROUP BY ALL),
-- meetings: latest version of each record
meetings AS (
    SELECT * FROM read_parquet('{events}/meeting/meeting/*.parquet')
    QUALIFY row_number() OVER (PARTITION BY natural_key ORDER BY record_time DESC NULLS LAST, source_file DESC,
        source_position DESC, recorded_at DESC, batch_id DESC) = 1 AND NOT deleted),
attendance AS (
    SELECT a.meeting_id, a.user_id, a.mode, greatest(a.join_time, m.start_time) AS s,
           least(a.leave_time, m.end_time) AS e, datediff('second', m.start_time, m.end_time) AS scheduled
    FROM (SELECT * FROM read_parquet('{events}/meeting/attendance/*.parquet')
          QUALIFY row_number() OVER (PARTITION BY natural_key ORDER BY record_time DESC NULLS LAST,
              source_file DESC, source_position DESC, recorded_at DESC, batch_id DESC) = 1 AND NOT deleted) a
    JOIN meetings m USING (meeting_id)),
presence AS (  -- onsite check-in, or the union of online segments covering half the scheduled time
    SELECT meeting_id, user_id, bool_or(mode = 'onsite')
               OR coalesce(sum(greatest(0, datediff('second', greatest(s, coalesce(before, s)), e))) FILTER (online), 0)
                  >= 0.5 * any_value(scheduled) AS attended
    FROM (SELECT *, mode = 'online' AND e > s AS online,
                 max(e) OVER (PARTITION BY meeting_id, user_id, mode = 'online' AND e > s ORDER BY s, e
                              ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
          FROM attendance)
    GROUP BY ALL),
leaves AS (
    SELECT DISTINCT meeting_id, user_id FROM read_parquet('{events}/meeting/leave/*.parquet')
    QUALIFY row_number() OVER (PARTITION BY natural_key ORDER BY record_time DESC NULLS LAST, source_file DESC,
        source_position DESC, recorded_at DESC, batch_id DESC) = 1 AND NOT deleted AND approved),
required AS (
    SELECT a.member_id, date_trunc('month', m.start_time)::DATE AS month_start,
           count(*) AS due, count(l.meeting_id) AS excused,
           count(*) FILTER (l.meeting_id IS NULL AND coalesce(p.attended, false)) AS attended
    FROM (SELECT DISTINCT meeting_id, start_time, unnest(due_user_ids) AS user_id FROM meetings
          WHERE status = 'held' AND type IN ('branch_general', 'committee', 'group', 'lecture', 'theme_day')) m
    JOIN active a ON a.employee_no = m.user_id AND m.start_time::DATE BETWEEN a.valid_from AND a.valid_to
    LEFT JOIN leaves l ON l.meeting_id = m.meeting_id AND l.user_id = m.user_id
    LEFT JOIN presence p ON p.meeting_id = m.meeting_id AND p.user_id = m.user_id
    WHERE m.user_id IS NOT NULL
    GROUP BY ALL),
services AS (
    SELECT a.member_id, date_trunc('month', s.start_time)::DATE AS month_start,
           sum(datediff('second', s.start_time, s.end_time)) AS seconds
    FROM (SELECT * FROM read_parquet('{events}/meeting/service_record/*.parquet')
          QUALIFY row_number() OVER (PARTITION BY natural_key ORDER BY record_time DESC NULLS LAST,
              source_file DESC, source_position DESC, recorded_at DESC, batch_id DESC) = 1 AND NOT deleted) s
    JOIN active a ON a.employee_no = s.user_id AND s.start_time::DATE BETWEEN a.valid_from AND a.valid_to
    WHERE s.verified AND s.end_time > s.start_time
    GROUP BY ALL),
kpi AS (
    SELECT employee_no, period, kpi_score FROM read_parquet('{events}/performance/kpi/*.parquet')
    QUALIFY row_number() OVER (PARTITION BY employee_no, period ORDER BY record_time DESC NULLS LAST,
        source_file DESC, source_position DESC, recorded_at DESC, batch_id DESC) = 1 AND NOT deleted),
admin AS (
    SELECT employee_no, month,
           sum(coalesce(points, 0)) FILTER (kind = 'bonus') AS bonus,
           sum(coalesce(points, 0)) FILTER (kind = 'deduction') AS deduction, bool_or(kind = 'veto') AS veto
    FROM (SELECT * FROM read_parquet('{events}/admin/item/*.parquet')
          QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY record_time DESC NULLS LAST,
              source_file DESC, source_position DESC, recorded_at DESC, batch_id DESC) = 1 AND NOT deleted)
    WHERE status = 'approved'
    GROUP BY ALL),
parts AS (
    SELECT mm.member_id, strftime(mm.month_start, '%Y-%m') AS month,
           CASE WHEN coalesce(r.due, 0) = coalesce(r.excused, 0) THEN 25
                ELSE round(25.0 * r.attended / (r.due - r.excused), 6) END::DECIMAL(18, 6)
         + CASE WHEN coalesce(l.points, 0) * mm.days_in_month >= 300 * mm.active_days THEN 20
                ELSE round(20 * coalesce(l.points, 0)::DOUBLE * mm.days_in_month / (300 * mm.active_days), 6)
           END::DECIMAL(18, 6)
         + CASE WHEN k.kpi_score IS NULL THEN 0 WHEN k.kpi_score >= 100 THEN 25
                ELSE round(25 * k.kpi_score::DOUBLE / 100, 6) END::DECIMAL(18, 6)
         + CASE WHEN coalesce(s.seconds, 0) >= 8 * 3600 THEN 10
                ELSE round(10.0 * coalesce(s.seconds, 0) / (8 * 3600), 6) END::DECIMAL(18, 6) AS base,
           least(20, 3 * coalesce(l.lectures, 0) + least(5, coalesce(l.completed, 0))
                     + least(4, 0.5 * greatest(0, floor((coalesce(s.seconds, 0) - 8 * 3600) / 3600)))
                     + coalesce(ad.bonus, 0))::DECIMAL(18, 6) AS bonus,
           least(20, 3 * (coalesce(r.due, 0) - coalesce(r.excused, 0) - coalesce(r.attended, 0))
                     + coalesce(ad.deduction, 0))::DECIMAL(18, 6) AS deductions,
           coalesce(ad.veto, false) AS vetoed
    FROM member_months mm
    LEFT JOIN required r USING (member_id, month_start)
    LEFT JOIN learning_months l USING (member_id, month_start)
    LEFT JOIN services s USING (member_id, month_start)
    LEFT JOIN kpi k ON k.employee_no = mm.employee_no AND k.period = strftime(mm.month_start, '%Y-%m')
    LEFT JOIN admin ad ON ad.employee_no = mm.employee_no AND ad.month = strftime(mm.month_start, '%Y-%m'))
SELECT member_id, month,  -- clamp to 0..100, round half away from zero (values are >= 0), veto
       CASE WHEN vetoed THEN 0 ELSE floor(greatest(0, least(100, base + bonus - deductions)) * 100 + 0.5) / 100
       END::DECIMAL(18, 2) AS index_score
FROM parts
"""
