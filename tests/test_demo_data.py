"""The demo organisation (pioneer/demo.py): the client's file formats, the client's organisation,
the mess of real extracts, and determinism."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from pioneer.demo import activity_months, generate

END = "2026-03"  # activity: 2025-02 .. 2026-02
HOUR = dt.timedelta(hours=1)
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|\+08:00)$")
MEETING_FIELDS = {
    "meetings": [
        "meeting_id",
        "branch_id",
        "party_group",
        "type",
        "title",
        "start_time",
        "end_time",
        "status",
        "due_user_ids",
        "updated_at",
    ],
    "attendance": ["record_id", "meeting_id", "user_id", "mode", "join_time", "leave_time", "updated_at"],
    "leaves": ["leave_id", "meeting_id", "user_id", "reason", "approved", "updated_at"],
    "service-records": [
        "record_id",
        "user_id",
        "kind",
        "grid_id",
        "start_time",
        "end_time",
        "verified",
        "description",
        "updated_at",
    ],
}
MEETING_TYPES = {"branch_general", "committee", "group", "lecture", "theme_day", "other"}
STATUSES = {"applicant", "activist", "candidate", "probationary", "full", "inactive"}


def decode(path: Path) -> tuple[str, str]:
    """(encoding, text) the way the learning connector must detect it."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", raw.decode("utf-8-sig")
    try:
        return "utf-8", raw.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030", raw.decode("gb18030")


def read_csv(path: Path) -> tuple[str, list[str], list[list[str]]]:
    encoding, text = decode(path)
    assert "\r" not in text, path
    header, *rows = csv.reader(io.StringIO(text))
    return encoding, header, rows


def read_jsonl(path: Path) -> list[dict | None]:
    """Records of a JSONL file; None for a line that is not JSON."""
    records = []
    for line in path.read_text("utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            records.append(None)
    return records


def learning_date(text: str) -> dt.date | None:
    """``2026-03-07`` or ``2026/3/7``; None when not a date."""
    try:
        return dt.date(*map(int, re.split("[-/]", text)))
    except ValueError:
        return None


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict]:
    """The client's default organisation, 13 months."""
    out = tmp_path_factory.mktemp("demo") / "landing"
    return out, generate(out, end=END)


@pytest.fixture(scope="module")
def roster(demo) -> dict[str, list[dict]]:
    """Snapshot date -> rows."""
    out, _ = demo
    snapshots = {}
    for path in sorted((out / "roster").glob("roster_*.csv")):
        _, header, rows = read_csv(path)
        snapshots[path.stem.removeprefix("roster_")] = [dict(zip(header, row, strict=True)) for row in rows]
    return snapshots


@pytest.fixture(scope="module")
def meeting(demo) -> dict[str, list[tuple[str, dict | None]]]:
    """Entity -> (file name, record) in file order."""
    out, _ = demo
    return {
        entity: [
            (path.name, record)
            for path in sorted((out / "meeting" / entity).glob("*.jsonl"))
            for record in read_jsonl(path)
        ]
        for entity in MEETING_FIELDS
    }


def test_layout_and_default_counts(demo, roster):
    out, counts = demo
    for folder in (
        "roster",
        "meeting/meetings",
        "meeting/attendance",
        "meeting/leaves",
        "meeting/service-records",
        "learning",
        "performance",
        "admin",
    ):
        assert any((out / folder).iterdir()), folder
    assert (
        counts
        | {
            "members": 511,
            "applicants": 23,
            "activists": 4,
            "branches": 33,
            "departments": 7,
            "lecturers": 15,
            "courses": 25,
            "service_teams": 33,
            "commando_teams": 3,
            "hospitals": 26,
            "months": 13,
        }
        == counts
    )
    latest = Counter(row["status"] for row in roster[max(roster)])
    assert latest["probationary"] + latest["full"] == 511
    assert (latest["applicant"], latest["activist"]) == (23, 4)
    _, header, branches = read_csv(out / "roster" / f"branches_{max(roster)}.csv")
    assert header == ["branch_id", "branch_name", "department_id", "department_name"]
    assert len(branches) == 33 and len({row[2] for row in branches}) == 7
    assert sorted(p.name for p in (out / "performance").iterdir())[::12] == [
        "kpi_202502.csv",
        "kpi_202602.csv",
    ]


def test_roster_snapshots(demo, roster):
    out, _ = demo
    assert min(roster) == "2025-01-31" and max(roster) == "2026-02-28"  # before the first month; last day
    encodings = set()
    for path in sorted((out / "roster").glob("roster_*.csv")):
        encoding, header, _ = read_csv(path)
        encodings.add(encoding)
        assert header == [
            "member_id",
            "employee_no",
            "name",
            "gender",
            "phone",
            "branch_id",
            "party_group",
            "status",
            "status_since",
        ]
    assert encodings == {"utf-8", "utf-8-sig"}
    shared_phones = []
    for date, rows in roster.items():
        for row in rows:
            assert re.fullmatch(r"M\d{6}", row["member_id"]) and re.fullmatch(r"SG\d{7}", row["employee_no"])
            assert (
                re.fullmatch(r"\d{11}", row["phone"]) and row["gender"] in "MF" and row["status"] in STATUSES
            )
            assert row["party_group"] == "" or row["party_group"].startswith(row["branch_id"] + "-G")
            assert dt.date.fromisoformat(row["status_since"]) <= dt.date.fromisoformat(date)
        phones = Counter(row["phone"] for row in rows)
        shared_phones += [(date, phone) for phone, n in phones.items() if n > 1]
        assert max(phones.values()) <= 2
    assert len({phone for _, phone in shared_phones}) == 1  # one pair of persons, in one snapshot
    party = [row for row in roster[max(roster)] if row["status"] in ("probationary", "full")]
    assert any(row["party_group"] == "" for row in party)
    assert any(re.fullmatch(r"B\d{2}-G2", row["party_group"]) for row in party)


def test_membership_evolves(roster):
    history: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for date in sorted(roster):
        for row in roster[date]:
            history[row["member_id"]].append((date, row))
    transitions, moves = set(), 0
    for rows in history.values():
        transitions |= {(a["status"], b["status"]) for (_, a), (_, b) in itertools.pairwise(rows) if a != b}
        moves += len({row["branch_id"] for _, row in rows}) > 1
    assert {
        ("applicant", "activist"),
        ("activist", "candidate"),
        ("candidate", "probationary"),
        ("probationary", "full"),
        ("full", "inactive"),
    } <= transitions
    assert moves >= 3
    assert {r["member_id"] for r in roster[min(roster)]} - {
        r["member_id"] for r in roster[max(roster)]
    }  # left
    joined_on_25th = [
        m for m, rows in history.items() if rows[0][0].endswith("-25") and rows[0][1]["status"] == "full"
    ]
    assert joined_on_25th


def test_meeting_records(meeting):
    types, statuses, stamps = Counter(), Counter(), Counter()
    for entity, records in meeting.items():
        fields = MEETING_FIELDS[entity]
        for name, record in records:
            assert re.fullmatch(rf"{entity}_\d{{4}}-\d{{2}}(_corrections)?\.jsonl", name)
            if record is None or record.get("deleted"):
                continue
            if list(record) != fields:
                assert name == f"{entity}_2026-02.jsonl"  # the planted missing field
                continue
            for key in fields:
                if key.endswith(("_time", "_at")) and record[key] is not None:
                    stamps[record[key][-1]] += 1
                    assert ISO_TIME.match(record[key]) or name == "attendance_2026-02.jsonl", record
            if entity == "meetings":
                types[record["type"]] += 1
                statuses[record["status"]] += 1
                assert isinstance(record["due_user_ids"], list)
    assert set(types) - MEETING_TYPES == {"研讨会"} and types["研讨会"] == 1
    assert set(statuses) == {"held", "cancelled", "scheduled"}
    assert stamps["Z"] and stamps["0"] > 5 * stamps["Z"]
    corrected = Counter()
    for entity, records in meeting.items():
        id_field = MEETING_FIELDS[entity][0]
        versions = defaultdict(list)
        for name, record in records:
            if record and id_field in record:
                versions[record[id_field]].append((name, record))
        later = [v for v in versions.values() if len(v) > 1]
        assert all(v[-1][0].endswith("_corrections.jsonl") for v in later)
        assert all(instant(v[-1][1]["updated_at"]) > instant(v[0][1]["updated_at"]) for v in later)
        corrected[entity] = (
            sum(not v[-1][1].get("deleted") for v in later),
            sum(bool(v[-1][1].get("deleted")) for v in later),
        )
    assert all(changed and deleted for changed, deleted in corrected.values()), corrected


def test_presence_shapes(meeting):
    meetings = {r["meeting_id"]: r for _, r in meeting["meetings"] if r and "type" in r}
    segments = defaultdict(list)
    onsite = 0
    for _, record in meeting["attendance"]:
        if not record or record.get("deleted") or not ISO_TIME.match(record["join_time"]):
            continue
        if record["mode"] == "onsite":
            assert record["leave_time"] is None
            onsite += 1
        elif record["leave_time"]:
            segments[record["meeting_id"], record["user_id"]].append(
                (instant(record["join_time"]), instant(record["leave_time"]))
            )
    shapes = Counter()
    for (meeting_id, _), spans in segments.items():
        start, end = (instant(meetings[meeting_id][k]) for k in ("start_time", "end_time"))
        spans.sort()
        shapes["duplicated"] += len(set(spans)) < len(spans)
        shapes["overlapping"] += any(b[0] < a[1] for a, b in itertools.pairwise(spans) if a != b)
        shapes["several"] += len(spans) > 1
        covered = sum((min(e, end) - max(s, start)).total_seconds() for s, e in set(spans))
        shapes["under_half"] += covered < 0.5 * (end - start).total_seconds()
    assert all(shapes[k] >= 5 for k in ("duplicated", "overlapping", "several", "under_half")), shapes
    assert onsite > sum(map(len, segments.values()))
    approvals = Counter(r["approved"] for _, r in meeting["leaves"] if r and "approved" in r)
    assert approvals[True] > approvals[False] > 0


def test_service_records(meeting):
    kinds, teams, hours = Counter(), defaultdict(set), Counter()
    for _, r in meeting["service-records"]:
        if not r or r.get("deleted"):
            continue
        kinds[r["kind"]] += 1
        teams[r["kind"]].add(r["grid_id"] or r["description"].split("：")[0])
        if r["verified"]:
            hours[r["user_id"], r["start_time"][:7]] += (
                instant(r["end_time"]) - instant(r["start_time"])
            ) / HOUR
    assert set(kinds) == {"service_team", "commando", "red_grid", "volunteer"}
    assert len(teams["service_team"]) == 33 and len(teams["commando"]) == 3
    assert teams["red_grid"] == {f"HOSP{k:02d}" for k in range(1, 27)}
    assert sum(hours > 8 for hours in hours.values()) >= 10


def test_learning_exports(demo, roster):
    out, _ = demo
    encodings, date_styles, restated = Counter(), Counter(), 0
    reported: dict[tuple[str, str], tuple[str, str]] = {}
    monthly: Counter = Counter()
    for path in sorted((out / "learning").glob("points_*.csv")):
        encoding, header, rows = read_csv(path)
        encodings[encoding] += 1
        assert header == ["姓名", "手机号", "日期", "当日积分", "累计积分"]
        for _, phone, day, points, total in rows:
            if not (points.isdigit() and learning_date(day)):
                continue  # the planted bad rows
            date_styles["/" in day] += 1
            key = (phone, learning_date(day).isoformat())
            restated += key in reported and reported[key] != (points, total)
            reported[key] = (points, total)
            assert 0 <= int(points) <= 60
    assert encodings.keys() == {"gb18030", "utf-8-sig", "utf-8"} and set(date_styles) == {True, False}
    assert restated >= 10
    for (phone, day), (points, _) in reported.items():
        monthly[phone, day[:7]] += int(points)
    reached = sum(points >= 300 for points in monthly.values()) / len(monthly)
    assert 0.4 < reached < 0.9
    lectures, completed = defaultdict(set), 0
    for path in sorted((out / "learning").glob("courses_*.csv")):
        encoding, header, rows = read_csv(path)
        encodings[encoding] += 1
        assert header == ["姓名", "手机号", "课程编号", "课程名称", "类型", "日期"]
        for _, phone, course, _, kind, _ in rows:
            assert kind in ("完成", "授课")
            if kind == "授课":
                lectures[course].add(phone)
            completed += kind == "完成"
    assert len(lectures) == 25 and len(set().union(*lectures.values())) == 15 and completed > 1000
    copies = Counter(hashlib.sha256(p.read_bytes()).digest() for p in (out / "learning").iterdir())
    assert sorted(copies.values())[-2:] == [1, 2]  # exactly one file delivered twice


def test_kpi_and_admin_items(demo, roster):
    out, _ = demo
    employees = {row["employee_no"] for rows in roster.values() for row in rows}
    for month in activity_months(END, 13):
        period = f"{month:%Y%m}"
        encoding, header, rows = read_csv(out / "performance" / f"kpi_{period}.csv")
        assert encoding == "utf-8" and header == [
            "employee_no",
            "period",
            "kpi_score",
            "rating",
            "updated_at",
        ]
        assert any(no not in employees for no, *_ in rows)  # ignored by the pipeline
        scored = {no for no, p, score, rating, at in rows if p == period}
        assert all(
            re.fullmatch(r"\d+\.\d{2}", r[2]) and r[3] in ("", "A", "B", "C", "D")
            for r in rows
            if r[2] != "N/A"
        )
        before = month - dt.timedelta(days=1)
        snapshot = max(d for d in roster if d <= f"{month:%Y-%m}-01")
        party = {r["employee_no"] for r in roster[snapshot] if r["status"] in ("probationary", "full")}
        assert len(party & scored) >= 0.9 * len(party)
        if month > activity_months(END, 13)[0]:
            assert any(p == f"{before:%Y%m}" for _, p, *_ in rows)  # corrections of the previous month
    last = read_csv(out / "performance" / "kpi_202602.csv")[2]
    planted = [r for r in last if r[2] in ("130.00", "N/A")]
    assert len(planted) == 2 and all(r[0] in employees for r in planted)  # quarantined, not ignored
    items = [row for path in sorted((out / "admin").glob("items_*.csv")) for row in read_csv(path)[2]]
    assert read_csv(out / "admin" / "items_2025-02.csv")[1] == [
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
    by_id = defaultdict(list)
    for row in items:
        by_id[row[0]].append(row)
        assert row[3] in ("bonus", "deduction", "veto") and int(row[4]) >= 0 and ISO_TIME.match(row[7])
    assert 1 <= Counter(row[3] for row in items)["veto"] <= 3
    assert any(v[-1][8] == "revoked" for v in by_id.values())
    assert any(v[-1][8] == "approved" and v[-1][4] != v[0][4] and v[-1][7] > v[0][7] for v in by_id.values())


def test_malformed_rows_are_few_and_in_the_latest_files(demo, meeting):
    out, counts = demo
    rows = sum(
        counts[k]
        for k in (
            "roster_rows",
            "meetings",
            "attendance",
            "leaves",
            "service_records",
            "learning_points_rows",
            "learning_course_rows",
            "kpi_rows",
            "admin_items",
        )
    )
    assert 0 < counts["malformed"] < 0.005 * rows
    latest = {
        entity: [r for name, r in records if name == f"{entity}_2026-02.jsonl"]
        for entity, records in meeting.items()
    }
    assert None in latest["meetings"]
    assert any(r and r["user_id"] == "SG0000000" for r in latest["attendance"])
    assert any(r and r["user_id"] == "SG0000000" for r in latest["leaves"])
    assert any(r and r["mode"] == "online" and r["leave_time"] is None for r in latest["attendance"])
    assert any(r and r["end_time"] < r["start_time"] for r in latest["service-records"])
    points = read_csv(out / "learning" / "points_2026-03-01.csv")[2]
    assert {"十五", "-5"} <= {row[3] for row in points} and any(row[1] == "19000000000" for row in points)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    first = generate(tmp_path / "a", members=120, months=2, end=END, seed=7)
    assert first == generate(tmp_path / "b", members=120, months=2, end=END, seed=7)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    generate(tmp_path / "c", members=120, months=2, end=END, seed=8)
    assert tree(tmp_path / "c") != tree(tmp_path / "a")


def test_counts_scale_with_members(tmp_path):
    counts = generate(tmp_path / "big", members=2000, months=1, end=END)
    assert (counts["members"], counts["branches"], counts["departments"]) == (2000, 129, 27)
    assert (counts["applicants"], counts["activists"], counts["hospitals"]) == (90, 16, 102)
    assert counts["courses"] == 98 and counts["lecturers"] == 59


def test_default_end_is_the_latest_month_whose_extracts_are_complete(tmp_path):
    from pioneer.demo import SHANGHAI, default_end

    generate(tmp_path / "now", members=20, months=1)
    previous = activity_months(default_end(dt.datetime.now(SHANGHAI)), 1)[0]
    assert [p.name for p in (tmp_path / "now" / "performance").iterdir()] == [f"kpi_{previous:%Y%m}.csv"]


def test_refuses_a_non_empty_directory(tmp_path):
    (tmp_path / "old.csv").write_text("x")
    with pytest.raises(FileExistsError):
        generate(tmp_path)


def test_the_default_end_never_stamps_a_record_after_the_real_clock():
    """Before day 5 (the extract cut-off) the month's extracts are not complete yet: the default
    end is the month before, so `make run` with the real clock meets no record from the future."""
    from pioneer.demo import SHANGHAI, default_end

    assert default_end(dt.datetime(2026, 12, 2, 8, 0, tzinfo=SHANGHAI)) == "2026-11"
    assert default_end(dt.datetime(2026, 12, 4, 23, 59, tzinfo=SHANGHAI)) == "2026-11"
    assert default_end(dt.datetime(2026, 12, 5, 0, 0, tzinfo=SHANGHAI)) == "2026-12"
    assert default_end(dt.datetime(2027, 1, 1, 0, 0, tzinfo=SHANGHAI)) == "2026-12"


def test_appeals(demo, roster):
    """The office's appeals (docs/sources.md "Appeals"): filed about a scored month from M+1 on, decided
    a few days later; every change of state a row of its own, nothing stamped after the extract
    cutoff (day 5 of END), so the last months still hold open appeals."""
    out, counts = demo
    rows = [row for path in sorted((out / "appeals").glob("appeals_*.csv")) for row in read_csv(path)[2]]
    assert read_csv(out / "appeals" / "appeals_2026-03.csv")[1] == [
        "appeal_id", "employee_no", "month", "component", "points", "reason", "status",
        "decided_by", "decided_at", "updated_at",
    ]  # fmt: skip
    assert counts["appeals"] == len(rows)
    employees = {row["employee_no"] for rows in roster.values() for row in rows}
    latest = {}
    for row in rows:
        appeal_id, employee_no, month, _, points, _, status, by, _, updated_at = row
        assert employee_no in employees and ISO_TIME.match(updated_at) and updated_at < "2026-03-05"
        assert updated_at[:7] > month and status in ("submitted", "accepted", "rejected", "withdrawn")
        if appeal_id != "AP999999":  # the planted malformed row: accepted without points
            assert (points != "") == (status == "accepted") and (by != "") == (
                status in ("accepted", "rejected")
            )
        latest[appeal_id] = max(latest.get(appeal_id, row), row, key=lambda r: r[9])
    final = Counter(row[6] for row in latest.values())
    assert final["rejected"] > final["accepted"] > 0 and final["submitted"]
    assert any(row[6] == "submitted" and row[2] == "2026-02" for row in latest.values())  # open at export


def test_pilot_rules_file(tmp_path):
    """``--pilot N``: the shipped v1 paying the first N departments, v2 everyone from the middle
    month of the activity; a valid rules file. More departments than the organisation has: refused."""
    from core.rules import SHIPPED_RULES, load_rules

    counts = generate(tmp_path / "landing", members=120, months=4, end=END, pilot=1)
    versions = load_rules(tmp_path / "landing" / "pilot_rules.csv")
    shipped = load_rules(SHIPPED_RULES)[0]
    assert [(v.rule_version, v.effective_from.isoformat(), v.hr_scope) for v in versions] == [
        ("v1", "2000-01-01", "D01"),
        ("v2", "2026-01-01", "all"),
    ]
    assert all(
        v.model_dump(exclude={"rule_version", "effective_from", "hr_scope"})
        == shipped.model_dump(exclude={"rule_version", "effective_from", "hr_scope"})
        for v in versions
    )
    assert (counts["pilot_departments"], counts["rollout"]) == (1, "2026-01")
    with pytest.raises(ValueError, match="only 2 departments"):
        generate(tmp_path / "other", members=120, months=4, end=END, pilot=2)
    assert not (tmp_path / "other").exists() or not any((tmp_path / "other").iterdir())


def test_the_open_month_is_done_through_open_until_and_nothing_is_stamped_after_the_next_day(tmp_path):
    """issue 18: the demo's last (open) month is partly done, so a run mid-month sees branches with
    requirements met and others still to go; its records exist before the extract is taken (the
    day after ``open_until``), and the complete months do not change (they are written first)."""
    generate(tmp_path / "plain", members=60, months=2, end=END, seed=4)
    generate(tmp_path / "open", members=60, months=2, end=END, seed=4, open_until=3)
    plain, opened = tree(tmp_path / "plain"), tree(tmp_path / "open")
    added = {path for path in opened if path not in plain}
    assert {path: digest for path, digest in opened.items() if path not in added} == plain
    assert added and all("2026-03" in path for path in added)  # only the open month's meeting files

    generate(tmp_path / "late", members=60, months=2, end=END, seed=4, open_until=20)
    meetings = [
        json.loads(line)
        for line in (tmp_path / "late" / "meeting" / "meetings" / "meetings_2026-03.jsonl")
        .read_text()
        .splitlines()
    ]
    assert {m["type"] for m in meetings} >= {"committee", "theme_day"}
    assert max(dt.datetime.fromisoformat(m["start_time"]).date() for m in meetings) <= dt.date(2026, 3, 20)
    cutoff = dt.datetime(2026, 3, 21, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    for path in (tmp_path / "late" / "meeting").rglob("*_2026-03*.jsonl"):
        for line in path.read_text().splitlines():
            assert dt.datetime.fromisoformat(json.loads(line)["updated_at"]) < cutoff, (path.name, line)
    with pytest.raises(ValueError, match="open_until must be a day of 2026-02"):
        generate(tmp_path / "bad", members=20, months=1, end="2026-02", open_until=30)


def test_scored_demo_has_a_plausible_grade_mix_every_month(tmp_path):
    """Scored by the pipeline, the demo org looks like a real one: every month about a tenth of its
    members are 先锋 (PIONEER) and only a few percent 后进 (LAGGING), the rest WARNING / QUALIFIED."""
    import duckdb
    from pioneer_cli import demo_data, pioneer

    landing, home = tmp_path / "landing", tmp_path / "home"
    demo_data(landing, members=300, months=3, seed=1, end="2026-11")
    ran = pioneer("run", "--sources", str(landing), "--home", str(home), "--now", "2026-11-06T01:30:00+08:00")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select month, count(*), count(*) filter (where grade = 'PIONEER'),"
            " count(*) filter (where grade = 'LAGGING')"
            " from marts.fct_member_index_monthly group by month order by month"
        ).fetchall()
    assert [month for month, *_ in rows] == ["2026-08", "2026-09", "2026-10"]
    for month, scored, pioneers, lagging in rows:
        assert scored >= 280, (month, scored)
        assert 0.05 <= pioneers / scored <= 0.15, (month, pioneers, scored)
        assert 0.01 <= lagging / scored <= 0.06, (month, lagging, scored)
