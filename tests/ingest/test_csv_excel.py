"""CSV files as Excel writes them, read as RFC 4180: a BOM, CRLF record ends, quoted fields
holding commas, doubled quotes and line breaks (Alt+Enter in a cell). A record's position is
the line it starts on (header = line 1), its raw text all of its lines."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import COURSES_HEADER, ITEMS_HEADER, KPI_HEADER, POINTS_HEADER, events, quarantine, write_csv

from ingest.errors import IngestError
from ingest.run import ingest_source

APPROVED_AT = "2026-03-31T09:00:00+08:00"


def item(
    item_id: str, reason: str, kind: str = "bonus", points: str = "2", status: str = "approved"
) -> list[str]:
    return [item_id, "SG1", "2026-03", kind, points, reason, "admin", APPROVED_AT, status]


def test_a_line_break_inside_a_quoted_reason_keeps_the_item_and_the_real_line_numbers(settings):
    write_csv(
        settings,
        "admin/items_2026-03.csv",
        [
            ITEMS_HEADER.split(","),
            item("I1", "迟到\n两次"),  # lines 2-3
            item("I2", '表彰, "一等"'),  # line 4: quoted comma, doubled quotes
            item("I3", "ok", status="pending"),  # line 5: bad_enum
            item("I4", "第一行\n第二行\n第三行", kind="penalty"),  # lines 6-8: bad_enum
            item("I5", "plain"),  # line 9
            item("I6", "负分", points="-1"),  # line 10: negative_points
        ],
    )
    summary = ingest_source(settings, "admin")
    assert summary.events_added == {"item": 3}
    stored = events(settings, "admin", "item")
    assert [(e["item_id"], e["reason"], e["source_position"]) for e in stored] == [
        ("I1", "迟到\n两次", 2),
        ("I2", '表彰, "一等"', 4),
        ("I5", "plain", 9),
    ]
    assert stored[0]["raw"] == f'I1,SG1,2026-03,bonus,2,"迟到\n两次",admin,{APPROVED_AT},approved'
    assert stored[1]["raw"] == f'I2,SG1,2026-03,bonus,2,"表彰, ""一等""",admin,{APPROVED_AT},approved'
    rejected = quarantine(settings, "admin")
    assert [(q["source_position"], q["reason"]) for q in rejected] == [
        (5, "bad_enum"),
        (6, "bad_enum"),
        (10, "negative_points"),
    ]
    assert (
        rejected[1]["raw"]
        == f'I4,SG1,2026-03,penalty,2,"第一行\n第二行\n第三行",admin,{APPROVED_AT},approved'
    )


def test_crlf_inside_a_quoted_field_is_a_line_break_of_the_value(settings):
    path = settings.sources / "admin" / "items_2026-03.csv"
    path.parent.mkdir(parents=True)
    rows = [
        ITEMS_HEADER,
        f'I1,SG1,2026-03,bonus,2,"a\r\nb",admin,{APPROVED_AT},approved',
        ",".join(item("I2", "x")),
    ]
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode())
    assert ingest_source(settings, "admin").events_added == {"item": 2}
    stored = events(settings, "admin", "item")
    assert [(e["reason"], e["source_position"]) for e in stored] == [("a\nb", 2), ("x", 4)]


def test_an_extra_multi_line_column_is_ignored_and_the_next_bad_row_reports_its_own_line(settings):
    write_csv(
        settings,
        "performance/kpi_2026-03.csv",
        [
            [*KPI_HEADER.split(","), "备注"],
            [
                "SG1",
                "202603",
                "95.5",
                "A",
                "2026-04-01T10:00:00+08:00",
                "第一行\n第二行, 含逗号",
            ],  # lines 2-3
            ["SG2", "202603", "121", "B", "2026-04-01T10:00:00+08:00", ""],  # line 4: out_of_range
            ["SG3", "202603", "80", "", "2026-04-01T10:00:00+08:00", '"引号"\n'],  # lines 5-6
        ],
    )
    summary = ingest_source(settings, "performance")
    assert summary.events_added == {"kpi": 2} and summary.quarantined == {"out_of_range": 1}
    stored = events(settings, "performance", "kpi")
    assert [(e["employee_no"], float(e["kpi_score"]), e["rating"], e["source_position"]) for e in stored] == [
        ("SG1", 95.5, "A", 2),
        ("SG3", 80.0, None, 5),
    ]
    ((position, raw),) = [(q["source_position"], q["raw"]) for q in quarantine(settings, "performance")]
    assert (position, raw) == (4, "SG2,202603,121,B,2026-04-01T10:00:00+08:00,")


def test_gb18030_learning_export_with_quoted_fields(settings):
    """Excel's plain "CSV" on a Chinese Windows: GB18030 (GBK), no BOM, CRLF."""
    write_csv(
        settings,
        "learning/courses_2026-03-08.csv",
        [
            COURSES_HEADER.split(","),
            ["张伟", "13800000001", "C1", "党史, 第一讲", "授课", "2026/3/6"],  # line 2
            ["李娜", "13800000002", "C2", "党课\n（下）", "完成", "2026-03-07"],  # lines 3-4
            ["王五", "13800000003", "C3", "旁听课", "旁听", "2026-03-07"],  # line 5: bad_enum
        ],
        encoding="gb18030",
    )
    write_csv(
        settings,
        "learning/points_2026-03-08.csv",
        [POINTS_HEADER.split(","), ['张"三"', "13800000004", "2026/3/7", "12.5", "200"]],
        encoding="gb18030",
    )
    summary = ingest_source(settings, "learning")
    assert summary.events_added == {"course": 2, "points": 1}
    courses = events(settings, "learning", "course")
    assert [
        (c["course_name"], c["course_kind"], c["course_date"], c["source_position"]) for c in courses
    ] == [
        ("党史, 第一讲", "lectured", dt.date(2026, 3, 6), 2),
        ("党课\n（下）", "completed", dt.date(2026, 3, 7), 3),
    ]
    assert courses[1]["raw"] == '李娜,13800000002,C2,"党课\n（下）",完成,2026-03-07'
    ((rejected,),) = [
        [(q["source_file"], q["source_position"], q["reason"]) for q in quarantine(settings, "learning")]
    ]
    assert rejected == ("courses_2026-03-08.csv", 5, "bad_enum")
    (points,) = events(settings, "learning", "points")
    assert (points["raw"], float(points["points"])) == ('"张""三""",13800000004,2026/3/7,12.5,200', 12.5)


def test_a_quote_that_never_closes_makes_the_rest_of_the_file_one_quarantined_record(settings):
    """RFC 4180 reads on to the closing quote; none comes, so lines 3 to the end are one record,
    kept whole in quarantine (nothing dropped silently), while the rows before it load."""
    lines = [
        ITEMS_HEADER,
        ",".join(item("I1", "ok")),
        ",".join(item("I2", '"unclosed')),
        ",".join(item("I3", "ok")),
    ]
    path = settings.sources / "admin" / "items_2026-03.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    assert ingest_source(settings, "admin").events_added == {"item": 1}
    (rejected,) = quarantine(settings, "admin")
    assert (rejected["source_position"], rejected["reason"]) == (3, "missing_field")
    assert rejected["raw"].startswith(lines[2]) and lines[3] in rejected["raw"]


def test_a_cr_alone_outside_quotes_quarantines_only_its_row(settings):
    path = settings.sources / "admin" / "items_2026-03.csv"
    path.parent.mkdir(parents=True)
    bad = ",".join(item("I1", "a\rb"))
    path.write_bytes("\n".join([ITEMS_HEADER, bad, ",".join(item("I2", "ok")), ""]).encode())
    assert ingest_source(settings, "admin").events_added == {"item": 1}
    (rejected,) = quarantine(settings, "admin")
    assert (rejected["source_position"], rejected["reason"], rejected["raw"]) == (2, "missing_field", bad)
    assert [e["item_id"] for e in events(settings, "admin", "item")] == ["I2"]


def test_a_file_with_cr_line_ends_only_fails_naming_the_file(settings):
    """Old Mac "CSV (Macintosh)": CR alone ends each record, so the header cannot be read."""
    path = settings.sources / "admin" / "items_2026-03.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes("\r".join([ITEMS_HEADER, ",".join(item("I1", "ok")), ""]).encode())
    with pytest.raises(IngestError, match=r"items_2026-03\.csv: cannot read the header"):
        ingest_source(settings, "admin")
