"""File connectors: idempotence, versions, encodings, quarantine reasons, header errors, phones."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import shutil

import duckdb
import pytest
from conftest import (
    COURSES_HEADER,
    ITEMS_HEADER,
    KPI_HEADER,
    POINTS_HEADER,
    at,
    events,
    meeting_record,
    quarantine,
    write_jsonl,
    write_lines,
)

from ingest.errors import IngestError
from ingest.run import ingest_source


def test_same_file_again_or_renamed_copy_adds_no_events(settings):
    path = write_lines(
        settings, "learning/points_2026-03-08.csv", [POINTS_HEADER, "张伟,13800000001,2026-03-07,10,100"]
    )
    first = ingest_source(settings, "learning")
    assert first.events_added == {"points": 1} and first.files_loaded == 1
    shutil.copy(path, path.with_name("points_2026-03-09.csv"))
    again = ingest_source(at(settings, dt.datetime(2026, 4, 2)), "learning")
    assert again.events_added == {} and again.files_loaded == 0 and again.files_skipped == 2
    assert [e["export_date"] for e in events(settings, "learning", "points")] == [dt.date(2026, 3, 8)]


def test_same_record_version_in_another_file_gets_the_same_event_id(settings):
    write_jsonl(settings, "meeting/meetings/a.jsonl", [meeting_record()])
    write_jsonl(settings, "meeting/meetings/b.jsonl", [meeting_record(), meeting_record("MT2")])
    assert ingest_source(settings, "meeting").events_added == {"meeting": 2}
    assert [e["source_file"] for e in events(settings, "meeting", "meeting")] == [
        "meetings/a.jsonl",
        "meetings/b.jsonl",
    ]


def test_corrections_and_tombstones_are_new_events(settings):
    write_jsonl(settings, "meeting/meetings/1.jsonl", [meeting_record()])
    ingest_source(settings, "meeting")
    write_jsonl(
        settings,
        "meeting/meetings/2.jsonl",
        [
            meeting_record(updated_at="2026-03-08T09:00:00+08:00", status="cancelled"),
            {"meeting_id": "MT1", "updated_at": "2026-03-09T09:00:00+08:00", "deleted": True},
        ],
    )
    summary = ingest_source(at(settings, dt.datetime(2026, 4, 2)), "meeting")
    assert summary.events_added == {"meeting": 2}
    stored = events(settings, "meeting", "meeting", order="updated_at")
    assert [(e["status"], e["deleted"]) for e in stored] == [
        ("held", False),
        ("cancelled", False),
        (None, True),
    ]
    assert len({e["event_id"] for e in stored}) == 3
    assert {e["natural_key"] for e in stored} == {"MT1"}


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8", "utf-8-sig"])
def test_encodings_and_both_date_styles(settings, encoding):
    lines = [POINTS_HEADER, "张伟,13800000001,2026-03-07,10,100", "李娜,13800000002,2026/3/7,12.5,200"]
    write_lines(settings, "learning/points_2026-03-08.csv", lines, encoding)
    write_lines(
        settings,
        "learning/courses_2026-03-08.csv",
        [COURSES_HEADER, "张伟,13800000001,C1,党史,授课,2026/3/6"],
        encoding,
    )
    assert ingest_source(settings, "learning").events_added == {"points": 2, "course": 1}
    points = events(settings, "learning", "points")
    assert [(e["points_date"], float(e["points"])) for e in points] == [
        (dt.date(2026, 3, 7), 10),
        (dt.date(2026, 3, 7), 12.5),
    ]
    assert points[0]["raw"] == "张伟,13800000001,2026-03-07,10,100"
    (course,) = events(settings, "learning", "course")
    assert (course["course_kind"], course["course_date"], course["course_name"]) == (
        "lectured",
        dt.date(2026, 3, 6),
        "党史",
    )


def test_undecodable_file_fails_its_source(settings):
    path = settings.sources / "learning" / "points_2026-03-08.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(POINTS_HEADER.encode() + b"\n\xff\xfe\x80,1\n")
    with pytest.raises(IngestError, match=r"points_2026-03-08\.csv: cannot decode"):
        ingest_source(settings, "learning")


def test_header_lacking_a_listed_column_fails_naming_file_and_column(settings):
    write_lines(
        settings,
        "performance/kpi_2026-03.csv",
        ["employee_no,period,rating,updated_at,extra", "SG1,202603,A,x,y"],
    )
    with pytest.raises(IngestError, match=r"kpi_2026-03\.csv: header lacks column\(s\) kpi_score"):
        ingest_source(settings, "performance")


def test_columns_are_matched_by_name_and_extra_columns_ignored(settings):
    write_lines(
        settings,
        "performance/kpi_2026-03.csv",
        [
            "note,updated_at,rating,kpi_score,period,employee_no",
            '"a, b",2026-04-01T10:00:00Z,A,95.5,202603,SG1',
        ],
    )
    assert ingest_source(settings, "performance").events_added == {"kpi": 1}
    (kpi,) = events(settings, "performance", "kpi")
    assert (kpi["employee_no"], kpi["period"], float(kpi["kpi_score"]), kpi["rating"]) == (
        "SG1",
        "2026-03",
        95.5,
        "A",
    )
    assert kpi["updated_at"] == dt.datetime(2026, 4, 1, 18, 0)  # Z converted to Shanghai


def test_timestamps_with_offset_z_or_none_are_shanghai_local(settings):
    write_lines(
        settings,
        "admin/items_1.csv",
        [
            ITEMS_HEADER,
            "I1,SG1,2026-03,bonus,2,honour,admin,2026-03-31T09:00:00+08:00,approved",
            "I2,SG1,2026-03,bonus,2,honour,admin,2026-03-31T01:00:00Z,approved",
            "I3,SG1,2026-03,veto,,violation,admin,2026-03-31T09:00:00,approved",
        ],
    )
    assert ingest_source(settings, "admin").events_added == {"item": 3}
    stored = events(settings, "admin", "item")
    assert {e["approved_at"] for e in stored} == {dt.datetime(2026, 3, 31, 9, 0)}
    assert stored[2]["points"] is None


BAD_ROWS = [
    ("meeting", "meeting/meetings/a.jsonl", None, '{"meeting_id": "MT9", ', "bad_json"),
    ("meeting", "meeting/meetings/a.jsonl", None, '{"meeting_id": "MT9", "updated_at": "2026-03-07T12:00:00"}', "missing_field"),
    ("meeting", "meeting/attendance/a.jsonl", None,
     '{"record_id":"A1","meeting_id":"MT1","user_id":"SG1","mode":"online","join_time":"2026-03-07T09:00:00+08:00",'
     '"leave_time":null,"updated_at":"2026-03-07T12:00:00+08:00"}', "missing_field"),
    ("meeting", "meeting/meetings/a.jsonl", None,
     '{"meeting_id":"MT9","branch_id":"B01","type":"party","start_time":"2026-03-07T09:00:00","end_time":"2026-03-07T10:00:00",'
     '"status":"held","due_user_ids":[],"updated_at":"2026-03-07T12:00:00"}', "bad_enum"),
    ("meeting", "meeting/leaves/a.jsonl", None,
     '{"leave_id":"L1","meeting_id":"MT1","user_id":"SG1","approved":"yes","updated_at":"2026-03-07T12:00:00+08:00"}', "bad_enum"),
    ("meeting", "meeting/service-records/a.jsonl", None,
     '{"record_id":"S1","user_id":"SG1","kind":"service_team","start_time":"2026-03-07 上午","end_time":"2026-03-07T12:00:00",'
     '"verified":true,"updated_at":"2026-03-07T12:00:00+08:00"}', "bad_timestamp"),
    ("meeting", "meeting/service-records/a.jsonl", None,
     '{"record_id":"S1","user_id":"SG1","kind":"service_team","start_time":"2026-03-07T12:00:00","end_time":"2026-03-07T09:00:00",'
     '"verified":true,"updated_at":"2026-03-07T12:00:00+08:00"}', "end_before_start"),
    ("meeting", "meeting/attendance/a.jsonl", None,
     '{"record_id":"A1","meeting_id":"MT1","user_id":"SG1","mode":"online","join_time":"2026-03-07T10:00:00+08:00",'
     '"leave_time":"2026-03-07T09:00:00+08:00","updated_at":"2026-03-07T12:00:00+08:00"}', "end_before_start"),
    ("learning", "learning/points_2026-03-08.csv", POINTS_HEADER, "张伟,13800000001,2026/13/7,10,100", "bad_date"),
    ("learning", "learning/points_2026-03-08.csv", POINTS_HEADER, "张伟,13800000001,2026-03-07,十,100", "bad_number"),
    ("learning", "learning/points_2026-03-08.csv", POINTS_HEADER, "张伟,13800000001,2026-03-07,-3,100", "negative_points"),
    ("learning", "learning/points_2026-03-08.csv", POINTS_HEADER, "张伟,,2026-03-07,3,100", "missing_field"),
    ("learning", "learning/courses_2026-03-08.csv", COURSES_HEADER, "张伟,13800000001,C1,党史,旁听,2026-03-07", "bad_enum"),
    ("performance", "performance/kpi_1.csv", KPI_HEADER, "SG1,202603,121,A,2026-04-01T10:00:00+08:00", "out_of_range"),
    ("performance", "performance/kpi_1.csv", KPI_HEADER, "SG1,202603,n/a,A,2026-04-01T10:00:00+08:00", "bad_number"),
    ("performance", "performance/kpi_1.csv", KPI_HEADER, "SG1,2026-3,90,A,2026-04-01T10:00:00+08:00", "bad_date"),
    ("admin", "admin/items_1.csv", ITEMS_HEADER, "I1,SG1,2026-03,bonus,-2,honour,admin,2026-03-31T09:00:00+08:00,approved", "negative_points"),
    ("admin", "admin/items_1.csv", ITEMS_HEADER, "I1,SG1,2026-03,bonus,2,honour,admin,2026-03-31T09:00:00+08:00,pending", "bad_enum"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "relative", "header", "bad", "reason"), BAD_ROWS)
def test_quarantine_keeps_file_line_reason_and_raw_while_good_rows_load(
    settings, source, relative, header, bad, reason
):
    good = {
        "meeting/meetings/a.jsonl": '{"meeting_id":"MT1","updated_at":"2026-03-09T09:00:00+08:00","deleted":true}',
        "meeting/attendance/a.jsonl": '{"record_id":"A0","meeting_id":"MT1","user_id":"SG1","mode":"onsite",'
        '"join_time":"2026-03-07T09:00:00+08:00","updated_at":"2026-03-07T12:00:00+08:00"}',
        "meeting/leaves/a.jsonl": '{"leave_id":"L0","meeting_id":"MT1","user_id":"SG1","reason":"病假","approved":true,'
        '"updated_at":"2026-03-07T12:00:00+08:00"}',
        "meeting/service-records/a.jsonl": '{"record_id":"S0","user_id":"SG1","kind":"red_grid","grid_id":"H1",'
        '"start_time":"2026-03-07T09:00:00","end_time":"2026-03-07T12:00:00","verified":true,"description":"",'
        '"updated_at":"2026-03-07T12:00:00+08:00"}',
        "learning/points_2026-03-08.csv": "李娜,13800000002,2026-03-07,10,100",
        "learning/courses_2026-03-08.csv": "李娜,13800000002,C1,党史,完成,2026-03-07",
        "performance/kpi_1.csv": "SG2,202603,88,B,2026-04-01T10:00:00+08:00",
        "admin/items_1.csv": "I0,SG2,2026-03,deduction,1,late,admin,2026-03-31T09:00:00+08:00,revoked",
    }[relative]
    lines = [header] if header else []
    write_lines(settings, relative, [*lines, good, "", bad])
    summary = ingest_source(settings, source)
    assert summary.quarantined == {reason: 1}
    assert sum(summary.events_added.values()) == 1
    (row,) = quarantine(settings, source)
    name = relative.split("/", 1)[1]
    assert (row["source_file"], row["source_position"], row["reason"], row["raw"]) == (
        name,
        len(lines) + 3,
        reason,
        bad,
    )


def test_learning_rows_of_unknown_phones_are_stored_and_phones_appear_only_in_raw(settings):
    phone = "13912345678"
    write_lines(
        settings, "learning/points_2026-03-08.csv", [POINTS_HEADER, f"无名,{phone},2026-03-07,10,100"]
    )
    write_lines(
        settings, "learning/courses_2026-03-08.csv", [COURSES_HEADER, f"无名,{phone},C1,党史,完成,2026-03-07"]
    )
    write_lines(settings, "roster/roster_2026-03-01.csv", [
        "member_id,employee_no,name,gender,phone,branch_id,party_group,status,status_since",
        f"M1,SG1,张伟,M,{phone},B01,,full,2025-01-01",
    ])  # fmt: skip
    ingest_source(settings, "learning")
    ingest_source(settings, "roster")
    expected_key = hmac.new(settings.phone_key.encode(), phone.encode(), hashlib.sha256).hexdigest()
    for source, entity in [("learning", "points"), ("learning", "course"), ("roster", "member")]:
        (event,) = events(settings, source, entity)
        assert event["person_key"] == expected_key
        assert phone in event["raw"]
        assert not [k for k, v in event.items() if k != "raw" and phone in str(v)]
    glob = settings.home / "events" / "*" / "*" / "*.parquet"
    typed = duckdb.sql(f"SELECT * EXCLUDE (raw) FROM read_parquet('{glob}', union_by_name=true)")
    assert not [row for row in typed.fetchall() if phone in str(row)]


def test_json_that_only_a_lenient_reader_takes_is_bad_json(settings):
    """Trailing commas and NaN are not JSON (RFC 8259): DuckDB's reader takes them, the spec does not.
    A comma-brace inside a string value is fine."""
    good = json.dumps(meeting_record("MT1", title="会议,}纪要"), ensure_ascii=False)
    trailing = json.dumps(meeting_record("MT2"))[:-1] + ", }"
    in_list = json.dumps(meeting_record("MT3")).replace('"SG2"]', '"SG2",]')
    nan = json.dumps(meeting_record("MT4"), ensure_ascii=False).replace('"title": "支委会"', '"title": NaN')
    write_jsonl(settings, "meeting/meetings/a.jsonl", [good, trailing, in_list, nan])
    ingest_source(settings, "meeting")
    assert [e["meeting_id"] for e in events(settings, "meeting", "meeting")] == ["MT1"]
    assert [(q["source_position"], q["reason"]) for q in quarantine(settings, "meeting")] == [
        (2, "bad_json"),
        (3, "bad_json"),
        (4, "bad_json"),
    ]
