"""Property tests of every file feed's parser: roster members and branches, learning points and
courses, performance KPI, admin items and the four meeting JSON-lines entities.

Each test writes one file holding any mix of valid rows, malformed rows (one defect each, so one
expected reason) and blank lines, ingests it, and requires: exactly the valid rows become events
(each with its own natural key, so the store's dedupe keeps them all), every malformed row is in
quarantine with its reason, its position (the line it starts on, header = 1) and its raw text,
and events + quarantine = rows written. CSV cells hold commas, quotes and line breaks; the
header comes in any column order, sometimes with an extra column. Reference checks
(unknown_person, …) belong to dbt, not to ingestion, so no row here depends on other data.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import hypothesis
from conftest import (
    ITEMS_HEADER,
    KPI_HEADER,
    ROSTER_HEADER,
    events,
    meeting_record,
    quarantine,
    write_jsonl,
    write_lines,
)
from hypothesis import given
from hypothesis import strategies as st

from core.config import Settings
from ingest.run import ingest_source
from ingest.schema import ENUMS

PROPERTY = hypothesis.settings(max_examples=25, deadline=None)

# what people type into a cell or a form: commas, quotes, line breaks, any script
FREE_TEXT = st.text(st.one_of(st.sampled_from(",\"\n\r '张"), st.characters(codec="utf-8")), max_size=8)
ID = st.from_regex(r"[A-Z]{1,2}[0-9]{1,4}", fullmatch=True)
CLOCK = dt.datetime(2027, 1, 1, 2)  # after every generated time: none is from the future
OUT_OF_RANGE_TIMES = st.sampled_from(
    ["2999-01-01T00:00:00+08:00", "2027-01-03T00:00:00+08:00", "1999-12-31T23:59:59+08:00"]
)
DATES = st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31))
MOMENTS = st.datetimes(dt.datetime(2024, 1, 1), dt.datetime(2026, 12, 31)).map(
    lambda m: m.replace(microsecond=0)
)
DURATIONS = st.timedeltas(dt.timedelta(0), dt.timedelta(hours=8)).map(
    lambda d: d - d % dt.timedelta(seconds=1)
)
AMOUNTS = st.decimals(0, 10_000, places=2).map(str)
NEGATIVE = st.decimals(-1_000, Decimal("-0.01"), places=2).map(str)
BAD_NUMBERS = st.sampled_from(["十", "n/a", "abc", "1,5", "1.2.3", "NaN", "--1"])
BAD_DATES = st.sampled_from(["2026/13/7", "2026-02-30", "07.03.2026", "tomorrow", "20260307", "2026-03-07x"])
BAD_TIMESTAMPS = st.sampled_from(
    ["2026-03-07 上午", "yesterday", "2026-13-01T00:00:00", "2026-03-07T25:00:00", "infinity", "epoch"]
)


@st.composite
def day_text(draw) -> str:
    day = draw(DATES)
    return draw(st.sampled_from([day.isoformat(), f"{day.year}/{day.month}/{day.day}"]))


def date_of(text: str) -> dt.date | None:
    return dt.datetime.strptime(text, "%Y/%m/%d" if "/" in text else "%Y-%m-%d").date() if text else None


@st.composite
def iso(draw, moment: dt.datetime) -> str:
    """A Shanghai local time as the sources write it: with ``+08:00``, in UTC with ``Z``, or bare."""
    style = draw(st.sampled_from(["+08:00", "Z", ""]))
    return (moment - dt.timedelta(hours=8)).isoformat() + "Z" if style == "Z" else moment.isoformat() + style


def timestamps() -> st.SearchStrategy[str]:
    return MOMENTS.flatmap(iso)


def enum(source: str, entity: str, column: str) -> st.SearchStrategy[str]:
    return st.sampled_from(ENUMS[(source, entity, column)])


@dataclass
class Row:
    values: Any  # CSV: column → cell; JSON lines: the record (a dict) or the line itself (a str)
    reason: str | None  # None: a valid row


Defect = tuple[str, Callable[[Any], st.SearchStrategy]]  # reason, row → strategy of the broken row


@st.composite
def rows(
    draw, valid: Callable[[int], st.SearchStrategy], broken: Callable[[int], st.SearchStrategy], defects
):
    """Up to 8 rows (None: a blank line): valid ones from ``valid(i)``, malformed ones from
    ``broken(i)`` with one of ``defects``; ``i`` makes every row's natural key its own."""
    out = []
    for i in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["valid", "valid", "malformed", "malformed", "blank"]))
        if kind == "blank":
            out.append(None)
        elif kind == "valid":
            out.append(Row(draw(valid(i)), None))
        else:
            reason, defect = draw(st.sampled_from(defects))
            out.append(Row(draw(defect(draw(broken(i)))), reason))
    return out


def cells(**changes: st.SearchStrategy) -> Callable[[dict], st.SearchStrategy]:
    """A defect of a CSV row: these cells replaced."""
    return lambda values: st.fixed_dictionaries(changes).map(lambda new: values | new)


def missing(*columns: str) -> list[Defect]:
    return [("missing_field", cells(**{c: st.just("")})) for c in columns]


def normalized(cell: str) -> str | None:
    """A cell as the parser gives it back: CRLF read as LF, empty as NULL."""
    return cell.replace("\r\n", "\n") or None


@st.composite
def csv_file(draw, columns: list[str], file_rows) -> tuple[bytes, list[tuple[int, str, Row]]]:
    """The bytes of a CSV file of ``file_rows`` (as Excel or another exporter writes it) and, per
    row, its expected position and raw text."""
    header = draw(st.permutations([*columns, "备注"] if draw(st.booleans()) else columns))
    newline = draw(st.sampled_from(["\r\n", "\n"]))

    def record(fields: list[str]) -> str:
        text = io.StringIO()
        csv.writer(text, lineterminator="\r\n").writerow(fields)
        return text.getvalue().replace("\r\n", newline)

    text, expected, line = record(header), [], 2
    for row in draw(file_rows):
        if row is None:
            text, line = text + newline, line + 1
            continue
        written = record([draw(FREE_TEXT) if c == "备注" else row.values[c] for c in header])
        raw = written.replace("\r\n", "\n").removesuffix("\n")
        expected.append((line, raw, row))
        text, line = text + written, line + raw.count("\n") + 1
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig"]))), expected


@st.composite
def jsonl_file(draw, file_rows) -> tuple[bytes, list[tuple[int, str, Row]]]:
    lines, expected = [], []
    for row in draw(file_rows):
        if row is None:
            lines.append("")
            continue
        line = (
            row.values
            if isinstance(row.values, str)
            else json.dumps(row.values, ensure_ascii=draw(st.booleans()))
        )
        lines.append(line)
        expected.append((len(lines), line, row))
    return (draw(st.sampled_from(["\n", "\r\n"])).join(lines) + "\n").encode(), expected


def ingest(source: str, relative: str, data: bytes, entity: str) -> tuple[list[dict], list[dict]]:
    """Events of ``entity`` and quarantine rows after ingesting ``data`` as the only file."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp, "home"), sources=Path(tmp, "landing"), now=CLOCK)
        path = settings.sources / source / relative
        path.parent.mkdir(parents=True)
        path.write_bytes(data)
        ingest_source(settings, source)
        return events(settings, source, entity), quarantine(settings, source)


def check(
    stored: list[dict], rejected: list[dict], expected: list[tuple[int, str, Row]]
) -> list[tuple[dict, Row]]:
    """Exactly the valid rows are events and the malformed ones quarantined with their reasons,
    each at its position with its raw text; returns (event, row) pairs for further checks."""
    valid = [(position, raw, row) for position, raw, row in expected if row.reason is None]
    assert [(e["source_position"], e["raw"]) for e in stored] == [(p, raw) for p, raw, _ in valid]
    assert [(q["source_position"], q["reason"], q["raw"]) for q in rejected] == [
        (p, row.reason, raw) for p, raw, row in expected if row.reason is not None
    ]
    assert len(stored) + len(rejected) == len(expected)
    return [(event, row) for event, (_, _, row) in zip(stored, valid, strict=True)]


# --- CSV feeds --------------------------------------------------------------------------------

ROSTER_COLUMNS = ["member_id", "employee_no", "name", "gender", "phone", "branch_id", "party_group", "status",
                  "status_since"]  # fmt: skip


def member(i: int) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {
            "member_id": st.just(f"M{i}"),
            "employee_no": ID,
            "name": FREE_TEXT,
            "gender": st.sampled_from(["M", "F", ""]),
            "phone": st.sampled_from([f"138{i:08d}", ""]),
            "branch_id": ID,
            "party_group": st.one_of(ID, st.just("")),
            "status": enum("roster", "member", "status"),
            "status_since": st.one_of(day_text(), st.just("")),
        }
    )


MEMBER_DEFECTS = [
    *missing("member_id", "employee_no", "branch_id", "status"),
    ("bad_enum", cells(status=st.sampled_from(["member", "FULL", "full "]))),
    ("bad_enum", cells(gender=st.sampled_from(["X", "男", "m"]))),
    ("bad_date", cells(status_since=BAD_DATES)),
]


@PROPERTY
@given(csv_file(ROSTER_COLUMNS, rows(member, member, MEMBER_DEFECTS)))
def test_roster_members(case):
    data, expected = case
    stored, rejected = ingest("roster", "roster_2026-03-01.csv", data, "member")
    for event, row in check(stored, rejected, expected):  # one snapshot: every valid row joins
        assert (event["member_id"], event["change_kind"], event["present"]) == (
            row.values["member_id"],
            "joined",
            True,
        )
        assert event["name"] == normalized(row.values["name"])
        assert event["status_since"] == date_of(row.values["status_since"])


def branch(i: int) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {
            "branch_id": st.just(f"B{i}"),
            "branch_name": FREE_TEXT,
            "department_id": ID,
            "department_name": FREE_TEXT,
        }
    )


@PROPERTY
@given(csv_file(["branch_id", "branch_name", "department_id", "department_name"],
                rows(branch, branch, missing("branch_id", "department_id"))))  # fmt: skip
def test_roster_branches(case):
    data, expected = case
    stored, rejected = ingest("roster", "branches_2026-03-01.csv", data, "branch")
    for event, row in check(stored, rejected, expected):
        assert (event["branch_id"], event["present"]) == (row.values["branch_id"], True)
        assert event["branch_name"] == normalized(row.values["branch_name"])
        assert event["department_name"] == normalized(row.values["department_name"])


def points(i: int) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {
            "姓名": FREE_TEXT,
            "手机号": st.just(f"139{i:08d}"),  # the natural key: phone and day
            "日期": day_text(),
            "当日积分": AMOUNTS,
            "累计积分": st.one_of(AMOUNTS, st.just("")),
        }
    )


POINTS_DEFECTS = [
    *missing("手机号", "日期", "当日积分"),
    ("bad_date", cells(日期=BAD_DATES)),
    ("bad_number", cells(当日积分=BAD_NUMBERS)),
    ("bad_number", cells(累计积分=BAD_NUMBERS)),
    ("negative_points", cells(当日积分=NEGATIVE)),
]


@PROPERTY
@given(csv_file(["姓名", "手机号", "日期", "当日积分", "累计积分"], rows(points, points, POINTS_DEFECTS)))
def test_learning_points(case):
    data, expected = case
    stored, rejected = ingest("learning", "points_2026-03-08.csv", data, "points")
    for event, row in check(stored, rejected, expected):
        assert event["points"] == Decimal(row.values["当日积分"])


def course(i: int) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {
            "姓名": FREE_TEXT,
            "手机号": st.just(f"139{i:08d}"),
            "课程编号": ID,
            "课程名称": FREE_TEXT,
            "类型": st.sampled_from(["完成", "授课"]),
            "日期": day_text(),
        }
    )


COURSE_DEFECTS = [
    *missing("手机号", "课程编号", "类型", "日期"),
    ("bad_enum", cells(类型=st.sampled_from(["旁听", "completed", "完成 "]))),
    ("bad_date", cells(日期=BAD_DATES)),
]


@PROPERTY
@given(
    csv_file(["姓名", "手机号", "课程编号", "课程名称", "类型", "日期"], rows(course, course, COURSE_DEFECTS))
)
def test_learning_courses(case):
    data, expected = case
    stored, rejected = ingest("learning", "courses_2026-03-08.csv", data, "course")
    for event, row in check(stored, rejected, expected):
        assert (event["course_id"], event["course_name"]) == (
            row.values["课程编号"],
            normalized(row.values["课程名称"]),
        )


def kpi(i: int) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {
            "employee_no": st.just(f"E{i}"),  # the natural key: employee and period
            "period": DATES.map(lambda d: f"{d:%Y%m}"),
            "kpi_score": st.decimals(0, 120, places=2).map(str),
            "rating": st.one_of(enum("performance", "kpi", "rating"), st.just("")),
            "updated_at": timestamps(),
        }
    )


KPI_DEFECTS = [
    *missing("employee_no", "period", "kpi_score", "updated_at"),
    ("bad_enum", cells(rating=st.sampled_from(["E", "a", "A+"]))),
    ("bad_date", cells(period=st.sampled_from(["2026-3", "202613", "202600", "2026031", "March"]))),
    ("bad_timestamp", cells(updated_at=BAD_TIMESTAMPS)),
    ("bad_number", cells(kpi_score=BAD_NUMBERS)),
    ("out_of_range", cells(updated_at=OUT_OF_RANGE_TIMES)),  # outside 2000-01-01 .. the clock plus a day
    ("out_of_range", cells(kpi_score=st.one_of(st.decimals(Decimal("120.01"), 10_000, places=2), st.decimals(-100, Decimal("-0.01"), places=2)).map(str))),
]  # fmt: skip


@PROPERTY
@given(csv_file(["employee_no", "period", "kpi_score", "rating", "updated_at"], rows(kpi, kpi, KPI_DEFECTS)))
def test_performance_kpi(case):
    data, expected = case
    stored, rejected = ingest("performance", "kpi_2026-03.csv", data, "kpi")
    for event, row in check(stored, rejected, expected):
        assert (event["employee_no"], event["kpi_score"]) == (
            row.values["employee_no"],
            Decimal(row.values["kpi_score"]),
        )


ITEM_COLUMNS = [
    "item_id",
    "employee_no",
    "month",
    "kind",
    "points",
    "reason",
    "approved_by",
    "approved_at",
    "status",
]


@st.composite
def item(draw, i: int) -> dict:
    kind = draw(enum("admin", "item", "kind"))
    return {
        "item_id": f"I{i}",
        "employee_no": draw(ID),
        "month": f"{draw(DATES):%Y-%m}",
        "kind": kind,
        "points": draw(st.one_of(AMOUNTS, st.just("")) if kind == "veto" else AMOUNTS),  # ignored for veto
        "reason": draw(FREE_TEXT),
        "approved_by": draw(FREE_TEXT),
        "approved_at": draw(timestamps()),
        "status": draw(enum("admin", "item", "status")),
    }


ITEM_DEFECTS = [
    *missing("item_id", "employee_no", "month", "kind", "approved_at", "status"),
    ("missing_field", cells(kind=st.sampled_from(["bonus", "deduction"]), points=st.just(""))),
    ("bad_enum", cells(kind=st.sampled_from(["penalty", "Bonus"]), points=AMOUNTS)),  # a veto may lack points
    ("bad_enum", cells(status=st.sampled_from(["pending", "approved "]))),
    ("bad_date", cells(month=st.sampled_from(["2026-13", "2026/03", "2026-3", "202603", "March"]))),
    ("bad_timestamp", cells(approved_at=BAD_TIMESTAMPS)),
    ("bad_number", cells(points=BAD_NUMBERS)),
    ("negative_points", cells(points=NEGATIVE)),
]


@PROPERTY
@given(csv_file(ITEM_COLUMNS, rows(item, item, ITEM_DEFECTS)))
def test_admin_items(case):
    data, expected = case
    stored, rejected = ingest("admin", "items_2026-03.csv", data, "item")
    for event, row in check(stored, rejected, expected):
        assert (event["item_id"], event["reason"], event["approved_by"]) == (
            row.values["item_id"],
            normalized(row.values["reason"]),
            normalized(row.values["approved_by"]),
        )


# --- meeting JSON lines -----------------------------------------------------------------------


def fields(**changes: st.SearchStrategy) -> Callable[[dict], st.SearchStrategy]:
    """A defect of a JSON record: these fields replaced."""
    return lambda record: st.fixed_dictionaries(changes).map(lambda new: record | new)


def absent(*names: str) -> list[Defect]:
    """A required field left out, null or empty."""

    def defect(name: str) -> Callable[[dict], st.SearchStrategy]:
        def broken(record: dict) -> st.SearchStrategy[dict]:
            left_out = {k: v for k, v in record.items() if k != name}
            return st.sampled_from([left_out, record | {name: None}, record | {name: ""}])

        return broken

    return [("missing_field", defect(name)) for name in names]


def not_json(record: dict) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [json.dumps(record)[:-1], "not json", "[1, 2]", '"text"', "null", "42", "{'a': 1}"]
    )


def reversed_times(start: str, end: str, **more) -> Callable[[dict], st.SearchStrategy]:
    """A defect: ``end`` before ``start``."""
    times = st.tuples(MOMENTS, DURATIONS.filter(bool)).flatmap(
        lambda t: st.tuples(iso(t[0]), iso(t[0] - t[1]))
    )
    return lambda record: times.map(lambda t: record | {start: t[0], end: t[1]} | more)


def span(start: str, end: str) -> st.SearchStrategy[dict]:
    return st.tuples(MOMENTS, DURATIONS).flatmap(
        lambda t: st.fixed_dictionaries({start: iso(t[0]), end: iso(t[0] + t[1])})
    )


def json_defects(key: str) -> list[Defect]:
    """What every entity shares: not a JSON object, no id, no or a bad ``updated_at``."""
    return [
        ("bad_json", not_json),
        *absent(key, "updated_at"),
        ("bad_timestamp", fields(updated_at=BAD_TIMESTAMPS)),
    ]


def tombstone(key: str, i: int) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {key: st.just(f"X{i}"), "updated_at": timestamps(), "deleted": st.just(True)}
    )


def full(key: str, i: int, strategies: dict, times: st.SearchStrategy[dict]) -> st.SearchStrategy[dict]:
    return st.tuples(
        st.fixed_dictionaries({key: st.just(f"X{i}"), **strategies, "updated_at": timestamps()}), times
    ).map(lambda parts: parts[0] | parts[1])


def meeting(i: int) -> st.SearchStrategy[dict]:
    return full(
        "meeting_id",
        i,
        {
            "branch_id": ID,
            "party_group": st.one_of(st.none(), ID),
            "type": enum("meeting", "meeting", "type"),
            "title": FREE_TEXT,
            "status": enum("meeting", "meeting", "status"),
            "due_user_ids": st.lists(ID, max_size=3),
        },
        span("start_time", "end_time"),
    )


MEETING_DEFECTS = [
    *json_defects("meeting_id"),
    *absent("branch_id", "type", "start_time", "end_time", "status", "due_user_ids"),
    ("bad_enum", fields(type=st.sampled_from(["party", "Committee", 5]))),
    ("bad_enum", fields(status=st.sampled_from(["done", "held "]))),
    ("missing_field", fields(due_user_ids=st.sampled_from(["SG1", 3, {"a": 1}]))),  # not a list
    ("bad_timestamp", fields(start_time=BAD_TIMESTAMPS)),
    ("bad_timestamp", fields(end_time=BAD_TIMESTAMPS)),
    ("end_before_start", reversed_times("start_time", "end_time")),
]


def json_case(key: str, record: Callable[[int], st.SearchStrategy], defects: list[Defect]):
    """A JSON-lines file: valid rows full records or tombstones, malformed ones broken full records."""

    def valid(i: int) -> st.SearchStrategy[dict]:
        return st.one_of(record(i), tombstone(key, i))

    return jsonl_file(rows(valid, record, defects))


@PROPERTY
@given(json_case("meeting_id", meeting, MEETING_DEFECTS))
def test_meeting_meetings(case):
    data, expected = case
    stored, rejected = ingest("meeting", "meetings/a.jsonl", data, "meeting")
    for event, row in check(stored, rejected, expected):
        assert (event["meeting_id"], event["deleted"]) == (row.values["meeting_id"], "deleted" in row.values)
        assert event["title"] == row.values.get("title")
        assert event["due_user_ids"] == row.values.get("due_user_ids")


@st.composite
def attendance(draw, i: int) -> dict:
    record = draw(full("record_id", i, {"meeting_id": ID, "user_id": ID, "mode": st.just("online")},
                       span("join_time", "leave_time")))  # fmt: skip
    if draw(st.booleans()):  # onsite: no leave time
        record = record | {"mode": "onsite", "leave_time": None}
    return record


ATTENDANCE_DEFECTS = [
    *json_defects("record_id"),
    *absent("meeting_id", "user_id", "mode", "join_time"),
    ("bad_enum", fields(mode=st.sampled_from(["video", "Online", 1]))),
    *[(reason, lambda r, d=defect: d(r | {"mode": "online"})) for reason, defect in absent("leave_time")],
    ("bad_timestamp", fields(join_time=BAD_TIMESTAMPS)),
    ("bad_timestamp", fields(leave_time=BAD_TIMESTAMPS)),
    ("end_before_start", reversed_times("join_time", "leave_time", mode="online")),
]


@PROPERTY
@given(json_case("record_id", attendance, ATTENDANCE_DEFECTS))
def test_meeting_attendance(case):
    data, expected = case
    stored, rejected = ingest("meeting", "attendance/a.jsonl", data, "attendance")
    for event, row in check(stored, rejected, expected):
        assert (event["record_id"], event["mode"]) == (row.values["record_id"], row.values.get("mode"))


def leave(i: int) -> st.SearchStrategy[dict]:
    return full(
        "leave_id",
        i,
        {"meeting_id": ID, "user_id": ID, "reason": FREE_TEXT, "approved": st.booleans()},
        st.just({}),
    )


LEAVE_DEFECTS = [
    *json_defects("leave_id"),
    *absent("meeting_id", "user_id", "approved"),
    ("bad_enum", fields(approved=st.sampled_from(["yes", "true", 1, 0]))),
]


@PROPERTY
@given(json_case("leave_id", leave, LEAVE_DEFECTS))
def test_meeting_leaves(case):
    data, expected = case
    stored, rejected = ingest("meeting", "leaves/a.jsonl", data, "leave")
    for event, row in check(stored, rejected, expected):
        assert (event["leave_id"], event["reason"], event["approved"]) == (
            row.values["leave_id"],
            row.values.get("reason"),
            row.values.get("approved"),
        )


def service_record(i: int) -> st.SearchStrategy[dict]:
    return full(
        "record_id",
        i,
        {
            "user_id": ID,
            "kind": enum("meeting", "service_record", "kind"),
            "grid_id": st.one_of(st.none(), ID),
            "verified": st.booleans(),
            "description": FREE_TEXT,
        },
        span("start_time", "end_time"),
    )


SERVICE_DEFECTS = [
    *json_defects("record_id"),
    *absent("user_id", "kind", "start_time", "end_time", "verified"),
    ("bad_enum", fields(kind=st.sampled_from(["party", "Volunteer"]))),
    ("bad_enum", fields(verified=st.sampled_from(["yes", 1]))),
    ("bad_timestamp", fields(start_time=BAD_TIMESTAMPS)),
    ("bad_timestamp", fields(end_time=BAD_TIMESTAMPS)),
    ("end_before_start", reversed_times("start_time", "end_time")),
]


@PROPERTY
@given(json_case("record_id", service_record, SERVICE_DEFECTS))
def test_meeting_service_records(case):
    data, expected = case
    stored, rejected = ingest("meeting", "service-records/a.jsonl", data, "service_record")
    for event, row in check(stored, rejected, expected):
        assert (event["record_id"], event["description"]) == (
            row.values["record_id"],
            row.values.get("description"),
        )


# --- bugs the properties found ----------------------------------------------------------------


def test_an_empty_string_in_a_required_meeting_field_is_a_missing_field(settings):
    """It was taken as present: the record loaded with a NULL branch, user or start time."""
    common = {"updated_at": "2026-03-07T12:00:00+08:00"}
    write_jsonl(
        settings, "meeting/meetings/a.jsonl", [meeting_record(branch_id=""), meeting_record("MT2", type="")]
    )
    write_jsonl(settings, "meeting/attendance/a.jsonl", [
        {"record_id": "A1", "meeting_id": "MT1", "user_id": "", "mode": "onsite", "join_time": "2026-03-07T09:00:00", **common}
    ])  # fmt: skip
    write_jsonl(settings, "meeting/leaves/a.jsonl", [
        {"leave_id": "L1", "meeting_id": "MT1", "user_id": "SG1", "reason": "病假", "approved": "", **common}
    ])  # fmt: skip
    write_jsonl(settings, "meeting/service-records/a.jsonl", [
        {"record_id": "S1", "user_id": "SG1", "kind": "volunteer", "start_time": "", "end_time": "2026-03-07T12:00:00",
         "verified": True, **common}
    ])  # fmt: skip
    summary = ingest_source(settings, "meeting")
    assert summary.events_added == {} and summary.quarantined == {"missing_field": 5}


def test_a_timestamp_must_start_with_its_date(settings):
    """DuckDB reads 'infinity', '-infinity' and 'epoch' as times: such a version would win forever."""
    write_lines(
        settings, "performance/kpi_1.csv", [KPI_HEADER, "SG1,202603,90,A,infinity", "SG2,202603,90,A,epoch"]
    )
    write_lines(
        settings, "admin/items_1.csv", [ITEMS_HEADER, "I1,SG1,2026-03,bonus,2,x,admin,-infinity,approved"]
    )
    write_jsonl(settings, "meeting/meetings/a.jsonl", [meeting_record(updated_at="infinity")])
    for source in ("performance", "admin", "meeting"):
        summary = ingest_source(settings, source)
        assert summary.events_added == {} and set(summary.quarantined) == {"bad_timestamp"}, source


def test_roster_status_since_is_typed_and_a_bad_one_quarantined(settings):
    """The typed column was the text as written, so a bad date loaded (and broke dbt's cast)."""
    write_lines(settings, "roster/roster_2026-03-01.csv", [
        ROSTER_HEADER, "M1,SG1,张伟,M,,B01,,full,2025/4/30", "M2,SG2,李娜,F,,B01,,full,tomorrow"
    ])  # fmt: skip
    assert ingest_source(settings, "roster").quarantined == {"bad_date": 1}
    (member,) = events(settings, "roster", "member")
    assert (member["member_id"], member["status_since"]) == ("M1", dt.date(2025, 4, 30))
