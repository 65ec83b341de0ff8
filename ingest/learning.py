"""Learning platform (学习平台) exports: daily points and courses, keyed by phone.

Phones are replaced by ``person_key`` (keyed hash) in every typed column; mapping them to
members (unknown_person / ambiguous_person) is a reference check left to the dbt models.
``export_date`` (the file name's date) is the record time: for one (person, day) the
latest export wins.
"""

from __future__ import annotations

from ingest.connectors import Connector
from ingest.files import Feed, person_key_params
from ingest.sql_files import parse_query


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
        parse=parse_query("learning", "points"),
        params=person_key_params(phone_key),
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
        parse=parse_query("learning", "course"),
        params=person_key_params(phone_key),
    )
    return [points, courses]


CONNECTOR = Connector("learning", feeds=lambda settings: feeds(settings.phone_key))
