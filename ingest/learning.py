"""Learning platform (学习平台) exports: daily points and courses, keyed by phone.

Phones are replaced by ``person_key`` (keyed hash) in every typed column; mapping them to
members (unknown_person / ambiguous_person) is a reference check left to the dbt models.
``export_date`` (the file name's date) is the record time: for one (person, day) the
latest export wins.
"""

from __future__ import annotations

from ingest.files import Feed, person_key_sql

DATE = "TRY_CAST(TRY_STRPTIME({}, ['%Y-%m-%d', '%Y/%m/%d']) AS DATE)"
DECIMAL = "TRY_CAST({} AS DECIMAL(12, 2))"
COURSE_KINDS = "CASE {} WHEN '完成' THEN 'completed' WHEN '授课' THEN 'lectured' END"


def _with_person_key(phone_key: str) -> str:
    """``records`` with ``person_key``, hashing each distinct phone once."""
    return f"""records LEFT JOIN (SELECT phone, {person_key_sql("phone", phone_key)} AS person_key
                                  FROM (SELECT DISTINCT phone FROM records WHERE phone IS NOT NULL)) USING (phone)"""


def feeds(phone_key: str) -> list[Feed]:
    points = Feed(
        source="learning",
        entity="points",
        pattern="points_*.csv",
        date_prefix="points_",
        columns={
            "姓名": "name",
            "手机号": "phone",
            "日期": "day",
            "当日积分": "day_points",
            "累计积分": "total",
        },
        parse=f"""
        SELECT source_file, source_position, raw, person_key, points_date, points, cumulative_points, export_date,
            CASE
                WHEN phone IS NULL OR day IS NULL OR day_points IS NULL THEN 'missing_field'
                WHEN points_date IS NULL THEN 'bad_date'
                WHEN points IS NULL OR (total IS NOT NULL AND cumulative_points IS NULL) THEN 'bad_number'
                WHEN points < 0 THEN 'negative_points'
            END AS reject_reason,
            NULL::VARCHAR AS detail,
            concat_ws('|', person_key, points_date) AS natural_key,
            CAST(export_date AS TIMESTAMP) AS record_time,
            false AS deleted
        FROM (SELECT *, {DATE.format("day")} AS points_date, {DECIMAL.format("day_points")} AS points,
                     {DECIMAL.format("total")} AS cumulative_points, file_date AS export_date
              FROM {_with_person_key(phone_key)})
        """,
    )
    courses = Feed(
        source="learning",
        entity="course",
        pattern="courses_*.csv",
        date_prefix="courses_",
        columns={
            "姓名": "name",
            "手机号": "phone",
            "课程编号": "course_id",
            "课程名称": "course_name",
            "类型": "kind",
            "日期": "day",
        },
        parse=f"""
        SELECT source_file, source_position, raw, person_key, course_id, course_name, course_kind, course_date,
            export_date,
            CASE
                WHEN phone IS NULL OR course_id IS NULL OR kind IS NULL OR day IS NULL THEN 'missing_field'
                WHEN course_kind IS NULL THEN 'bad_enum'
                WHEN course_date IS NULL THEN 'bad_date'
            END AS reject_reason,
            NULL::VARCHAR AS detail,
            concat_ws('|', person_key, course_id, course_kind, course_date) AS natural_key,
            CAST(export_date AS TIMESTAMP) AS record_time,
            false AS deleted
        FROM (SELECT *, {COURSE_KINDS.format("kind")} AS course_kind, {DATE.format("day")} AS course_date,
                     file_date AS export_date
              FROM {_with_person_key(phone_key)})
        """,
    )
    return [points, courses]
