"""Admin items (党建管理员 approved items): ``items_*.csv``, one row per item version.

For one item_id the latest ``approved_at`` wins (in the models); points of a veto are ignored.
"""

from __future__ import annotations

from ingest.files import Feed, shanghai_ts
from ingest.schema import sql_set

COLUMNS = (
    "item_id",
    "employee_no",
    "month",
    "kind",
    "points",
    "reason",
    "approved_by",
    "approved_at",
    "status",
)

FEEDS = [
    Feed(
        source="admin",
        entity="item",
        pattern="items_*.csv",
        columns={c: c for c in COLUMNS},
        parse=f"""
        SELECT source_file, source_position, raw, item_id, employee_no, month, kind, points, reason, approved_by,
            approved_at, status,
            CASE
                WHEN item_id IS NULL OR employee_no IS NULL OR month_text IS NULL OR kind IS NULL
                     OR (points_text IS NULL AND kind <> 'veto') OR approved_text IS NULL OR status IS NULL
                    THEN 'missing_field'
                WHEN kind NOT IN {sql_set("admin", "item", "kind")} OR status NOT IN {sql_set("admin", "item", "status")}
                    THEN 'bad_enum'
                WHEN month IS NULL THEN 'bad_date'
                WHEN approved_at IS NULL THEN 'bad_timestamp'
                WHEN points_text IS NOT NULL AND points IS NULL THEN 'bad_number'
                WHEN points < 0 THEN 'negative_points'
            END AS reject_reason,
            NULL::VARCHAR AS detail,
            item_id AS natural_key,
            approved_at AS record_time,
            false AS deleted
        FROM (SELECT source_file, source_position, raw, item_id, employee_no, kind, reason, approved_by, status,
                     month AS month_text, points AS points_text, approved_at AS approved_text,
                     CASE WHEN regexp_full_match(month, '\\d{{4}}-\\d{{2}}') AND TRY_STRPTIME(month, '%Y-%m') IS NOT NULL
                          THEN month END AS month,
                     TRY_CAST(points AS DECIMAL(12, 2)) AS points,
                     {shanghai_ts("approved_at")} AS approved_at
              FROM records)
        """,
    )
]
