"""One wrong value for every field of every entity (issue 23), shared by the ingest test
(tests/ingest/test_every_field.py) and the end-to-end build test (tests/test_poison_rows.py).

``ENTITY_CASES``: (source, entity) → (landing file, form, the valid record, the key field, cases);
the form is ``CSV`` (header = the valid record's keys, in order) or ``JSON`` (JSON lines); a case
is (field, value, reason), reason None for "stored as written" (free text has no wrong value).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from pathlib import Path

CSV, JSON = "csv", "jsonl"
FREE = '=HYPERLINK("x"),\'"; DROP TABLE'  # no wrong value: stored as written
BAD_OFFSET = "2026-03-07T09:00:00+25:00"

# (source, entity) → (landing file, how to write it, the valid record, the key field, cases);
# a case is (field, value, reason or None for "stored as written")
ENTITY_CASES = {
    ("roster", "member"): (
        "roster/roster_2026-03-01.csv",
        CSV,
        {
            "member_id": "M1", "employee_no": "SG1", "name": "张三", "gender": "M", "phone": "13800000001",
            "branch_id": "B01", "party_group": "B01-G1", "status": "full", "status_since": "2025-03-01",
        },
        "member_id",
        [
            ("member_id", "", "missing_field"),
            ("employee_no", "", "missing_field"),
            ("name", FREE, None),
            ("gender", "X", "bad_enum"),
            ("phone", "", None),  # a member without a phone: the learning platform cannot name them
            ("branch_id", "", "missing_field"),
            ("party_group", "", None),
            ("status", "", "missing_field"),
            ("status", "member", "bad_enum"),
            ("status_since", "2025-13-01", "bad_date"),
            ("status_since", "long ago", "bad_date"),
        ],
    ),
    ("roster", "branch"): (
        "roster/branches_2026-03-01.csv",
        CSV,
        {"branch_id": "B01", "branch_name": "一支部", "department_id": "D1", "department_name": "运检部"},
        "branch_id",
        [
            ("branch_id", "", "missing_field"),
            ("branch_name", FREE, None),
            ("department_id", "", "missing_field"),
            ("department_name", FREE, None),
        ],
    ),
    ("meeting", "meeting"): (
        "meeting/meetings/m.jsonl",
        JSON,
        {
            "meeting_id": "MT0", "branch_id": "B01", "party_group": None, "type": "committee", "title": "支委会",
            "start_time": "2026-03-07T09:00:00+08:00", "end_time": "2026-03-07T10:00:00+08:00", "status": "held",
            "due_user_ids": ["SG1", "SG2"], "updated_at": "2026-03-07T12:00:00+08:00",
        },
        "meeting_id",
        [
            ("meeting_id", "", "missing_field"),
            ("branch_id", "", "missing_field"),
            ("branch_id", {"id": "B01"}, "bad_json"),
            ("party_group", ["B01-G1"], "bad_json"),
            ("type", "", "missing_field"),
            ("type", "meeting", "bad_enum"),
            ("title", FREE, None),
            ("start_time", "", "missing_field"),
            ("start_time", BAD_OFFSET, "bad_timestamp"),
            ("end_time", "2026-03-07T25:00:00", "bad_timestamp"),
            ("status", "", "missing_field"),
            ("status", "done", "bad_enum"),
            ("due_user_ids", "SG1", "missing_field"),
            ("updated_at", "", "missing_field"),
            ("updated_at", "2026-02-30T12:00:00+08:00", "bad_timestamp"),
        ],
    ),
    ("meeting", "attendance"): (
        "meeting/attendance/a.jsonl",
        JSON,
        {
            "record_id": "A0", "meeting_id": "MT1", "user_id": "SG1", "mode": "online",
            "join_time": "2026-03-07T09:00:00+08:00", "leave_time": "2026-03-07T10:00:00+08:00",
            "updated_at": "2026-03-07T12:00:00+08:00",
        },
        "record_id",
        [
            ("record_id", "", "missing_field"),
            ("meeting_id", "", "missing_field"),
            ("user_id", "", "missing_field"),
            ("user_id", 17, None),  # an id written as a number is the same id as text
            ("mode", "", "missing_field"),
            ("mode", "video", "bad_enum"),
            ("join_time", "", "missing_field"),
            ("join_time", "yesterday", "bad_timestamp"),
            ("leave_time", BAD_OFFSET, "bad_timestamp"),
            ("updated_at", "epoch", "bad_timestamp"),
        ],
    ),
    ("meeting", "leave"): (
        "meeting/leaves/l.jsonl",
        JSON,
        {
            "leave_id": "L0", "meeting_id": "MT1", "user_id": "SG1", "reason": "出差", "approved": True,
            "updated_at": "2026-03-07T12:00:00+08:00",
        },
        "leave_id",
        [
            ("leave_id", "", "missing_field"),
            ("meeting_id", "", "missing_field"),
            ("user_id", "", "missing_field"),
            ("reason", FREE, None),
            ("approved", "yes", "bad_enum"),
            ("approved", None, "missing_field"),
            ("updated_at", "2026-03-07T12:00:00+08:61", "bad_timestamp"),
        ],
    ),
    ("meeting", "service_record"): (
        "meeting/service-records/s.jsonl",
        JSON,
        {
            "record_id": "S0", "user_id": "SG1", "kind": "red_grid", "grid_id": "G1",
            "start_time": "2026-03-07T09:00:00+08:00", "end_time": "2026-03-07T10:00:00+08:00",
            "verified": True, "description": "巡线", "updated_at": "2026-03-07T12:00:00+08:00",
        },
        "record_id",
        [
            ("record_id", "", "missing_field"),
            ("user_id", "", "missing_field"),
            ("kind", "", "missing_field"),
            ("kind", "party", "bad_enum"),
            ("grid_id", FREE, None),
            ("start_time", BAD_OFFSET, "bad_timestamp"),
            ("end_time", "", "missing_field"),
            ("verified", "true", "bad_enum"),
            ("description", FREE, None),
            ("description", {"text": "巡线"}, "bad_json"),
            ("updated_at", "infinity", "bad_timestamp"),
        ],
    ),
    ("learning", "points"): (
        "learning/points_2026-03-08.csv",
        CSV,
        {"姓名": "张三", "手机号": "13800000001", "日期": "2026-03-07", "当日积分": "5", "累计积分": "50"},
        "手机号",
        [
            ("姓名", FREE, None),
            ("手机号", "", "missing_field"),
            ("日期", "", "missing_field"),
            ("日期", "2026-02-30", "bad_date"),
            ("当日积分", "十", "bad_number"),
            ("累计积分", "n/a", "bad_number"),
        ],
    ),
    ("learning", "course"): (
        "learning/courses_2026-03-08.csv",
        CSV,
        {"姓名": "张三", "手机号": "13800000001", "课程编号": "C1", "课程名称": "党史", "类型": "完成", "日期": "2026-03-07"},
        "手机号",
        [
            ("姓名", FREE, None),
            ("手机号", "", "missing_field"),
            ("课程编号", "", "missing_field"),
            ("课程名称", FREE, None),
            ("类型", "旁听", "bad_enum"),
            ("日期", "3月7日", "bad_date"),
        ],
    ),
    ("performance", "kpi"): (
        "performance/kpi_2026-03.csv",
        CSV,
        {"employee_no": "SG1", "period": "202602", "kpi_score": "90", "rating": "A", "updated_at": "2026-03-05T10:00:00+08:00"},
        "employee_no",
        [
            ("employee_no", "", "missing_field"),
            ("period", "202613", "bad_date"),
            ("period", "2026-02", "bad_date"),
            ("kpi_score", "abc", "bad_number"),
            ("kpi_score", "-5", "out_of_range"),
            ("rating", "E", "bad_enum"),
            ("updated_at", BAD_OFFSET, "bad_timestamp"),
        ],
    ),
    ("admin", "item"): (
        "admin/items_2026-03.csv",
        CSV,
        {
            "item_id": "I0", "employee_no": "SG1", "month": "2026-02", "kind": "bonus", "points": "2",
            "reason": "抢修", "approved_by": "王五", "approved_at": "2026-03-05T10:00:00+08:00", "status": "approved",
        },
        "item_id",
        [
            ("item_id", "", "missing_field"),
            ("employee_no", "", "missing_field"),
            ("month", "2026-13", "bad_date"),
            ("kind", "gift", "bad_enum"),
            ("points", "two", "bad_number"),
            ("points", "-1", "negative_points"),
            ("reason", FREE, None),
            ("approved_by", FREE, None),
            ("approved_at", "2026-03-05 上午", "bad_timestamp"),
            ("status", "pending", "bad_enum"),
        ],
    ),
}  # fmt: skip


def records(valid: dict, key: str, cases: list) -> list[dict]:
    """The valid record, then one per case with its own natural key (and phone, for learning)."""
    out = [valid]
    for i, (field, value, _) in enumerate(cases, 1):
        record = dict(valid)
        if key != field:
            record[key] = f"{valid[key]}{i}" if key != "手机号" else f"139{i:08d}"
        record[field] = value
        out.append(record)
    return out


def append_wrong_values(landing: Path) -> Counter:
    """Add every case with a reason (a wrong value; no valid record) to a landing directory: in a
    new file of its feed, or, for a roster snapshot (a state: a new one would say who left),
    appended to the latest snapshot. Returns the quarantine reasons they must bring."""
    from ingest import admin, learning, meeting, performance, roster

    feeds = [
        *learning.feeds("key"), *performance.FEEDS, *admin.FEEDS, *meeting.FEEDS,
        roster.members("key").feed, roster.BRANCHES.feed,
    ]  # fmt: skip
    reasons: Counter = Counter()
    for feed in feeds:
        _, form, valid, key, cases = ENTITY_CASES[(feed.source, feed.entity)]
        wrong = [case for case in cases if case[2]]
        rows = records(valid, key, wrong)[1:]
        delivered = sorted((landing / feed.source).glob(feed.pattern))
        if feed.source == "roster":
            target = delivered[-1]
        elif feed.date_prefix:  # a date no export of the feed has
            first = dt.date.fromisoformat(delivered[0].name.removeprefix(feed.date_prefix)[:10])
            target = delivered[0].with_name(f"{feed.date_prefix}{first - dt.timedelta(days=1)}.csv")
        else:
            target = delivered[-1].with_name("zz_wrong_values" + delivered[-1].suffix)
            if feed.pattern.startswith("kpi_") or feed.pattern.startswith("items_"):
                target = delivered[-1].with_name(feed.pattern.replace("*", "zz_wrong_values"))
        if form == CSV:
            header = next(
                csv.reader(io.StringIO(delivered[-1].read_bytes().decode(_encoding(delivered[-1]))))
            )
            text = io.StringIO()
            body = [[row.get(c, "") for c in header] for row in rows]
            csv.writer(text, lineterminator="\n").writerows(body if target.exists() else [header, *body])
            lines = text.getvalue()
        else:
            lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        if target.exists():  # the roster snapshot, in its own encoding
            ending = "" if target.read_bytes().endswith(b"\n") else "\n"
            with target.open("a", encoding=_encoding(target).replace("-sig", "")) as stream:
                stream.write(ending + lines)
        else:
            target.write_text(lines, encoding="utf-8")
        reasons.update(reason for _, _, reason in wrong)
    return reasons


def _encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) or, as the demo writes some files, GB18030."""
    try:
        path.read_bytes().decode("utf-8-sig")
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "gb18030"
