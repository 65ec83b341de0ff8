"""Appeals (党员申诉, decisions of the party-building office): ``appeals_*.csv``, one row per
version of an appeal (every change of its state is a new row with a later ``updated_at``).

For one appeal_id the latest ``updated_at`` wins (in the models, ties as for admin items). An
accepted appeal needs ``points`` (signed, |points| ≤ 100); the points of an appeal in any other
state are kept as delivered and never scored.
"""

from __future__ import annotations

from ingest.files import Feed, shanghai_ts
from ingest.schema import APPEAL_POINTS_MAX, sql_set

COLUMNS = (
    "appeal_id",
    "employee_no",
    "month",
    "component",
    "points",
    "reason",
    "status",
    "decided_by",
    "decided_at",
    "updated_at",
)

FEEDS = [
    Feed(
        source="appeals",
        entity="appeal",
        pattern="appeals_*.csv",
        columns={c: c for c in COLUMNS},
        parse=f"""
        SELECT source_file, source_position, raw, appeal_id, employee_no, month, component, points, reason,
            status, decided_by, decided_at, updated_at,
            CASE
                WHEN appeal_id IS NULL OR employee_no IS NULL OR month_text IS NULL OR component IS NULL
                     OR status IS NULL OR updated_text IS NULL OR (status = 'accepted' AND points_text IS NULL)
                    THEN 'missing_field'
                WHEN component NOT IN {sql_set("appeals", "appeal", "component")}
                     OR status NOT IN {sql_set("appeals", "appeal", "status")}
                    THEN 'bad_enum'
                WHEN month IS NULL THEN 'bad_date'
                WHEN updated_at IS NULL OR (decided_text IS NOT NULL AND decided_at IS NULL) THEN 'bad_timestamp'
                WHEN points_text IS NOT NULL AND points IS NULL THEN 'bad_number'
                WHEN abs(points) > {APPEAL_POINTS_MAX} THEN 'out_of_range'
            END AS reject_reason,
            CASE WHEN abs(points) > {APPEAL_POINTS_MAX}
                 THEN 'points ' || points_text || ' outside ±{APPEAL_POINTS_MAX}' END AS detail,
            appeal_id AS natural_key,
            updated_at AS record_time,
            false AS deleted
        FROM (SELECT source_file, source_position, raw, appeal_id, employee_no, component, reason, status,
                     decided_by, month AS month_text, points AS points_text, updated_at AS updated_text,
                     decided_at AS decided_text,
                     CASE WHEN regexp_full_match(month, '\\d{{4}}-\\d{{2}}') AND TRY_STRPTIME(month, '%Y-%m') IS NOT NULL
                          THEN month END AS month,
                     TRY_CAST(points AS DECIMAL(12, 2)) AS points,
                     {shanghai_ts("decided_at")} AS decided_at,
                     {shanghai_ts("updated_at")} AS updated_at
              FROM records)
        """,
    )
]
