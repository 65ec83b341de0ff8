"""Incremental builds (dbt_project/README.md, "Incremental builds"): rule versions, late roster
snapshots and references that resolve or break, each played as real nights (test_incremental.py's
helpers: ingest every source, `pioneer.transform.build`, publish) on a small generated organisation.

The nights run with their own rules file, as a deployment does (`PIONEER_RULES_FILE`: a copy of the
shipped one, to which night 2 adds a version; the full refreshes read it too).
Demo data: roster snapshots from 2026-06-30 (the spine starts in 2026-06, a month without scored
members) to 2026-10-31; the clock stays in November, so 2026-06 .. 2026-10 are reported.

- night 1 (2026-11-06) builds everything;
- night 2, a rule version: `v2` effective from 2026-09-01 (another KPI full score and learning
  target) → 2026-09 and 2026-10 (rules; 2026-10 also as 2026-09's M+1), not 2026-07 or 2026-08;
- night 3, a late roster snapshot dated 2026-08-20 (between those of 08-16 and 09-01): a member
  transferred, another one inactive → 2026-08 and every later month (the 09-01 snapshot is
  re-derived against it: both changes end there), not 2026-07;
- night 4, records that fail their reference check: a late branch_general meeting of 2026-08 of a
  branch that held no valid one in Q3, whose attendance names an employee no roster knows (the
  meeting stays short of its quorum), and learning points of that person's phone (2026-10-20 ..
  10-30), which nobody lists: both quarantined (unknown_person);
- night 5, they resolve: a late snapshot of 2026-10-20 lists the person (who leaves again on
  10-31). The attendance now counts (quorum reached: the branch meets its Q3 branch_general
  requirement in 2026-09) and so do the points: 2026-08 is rebuilt only because its attendance's
  reference check changed, 2026-09 as the rest of its quarter, 2026-10 for the roster;
- night 6, the reverse: a late snapshot of 2026-10-25 gives another member the same phone, so the
  person's points from 10-25 on are ambiguous_person again → only 2026-10.

After nights 2, 3, 5 and 6 the published marts equal a full refresh of the same event store.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from pioneer_cli import demo_data
from test_incremental import assert_same_marts, full_refresh, nightly, read_csv, write_csv

from core.layout import Home
from core.rules import SHIPPED_RULES

pytestmark = pytest.mark.slow

NIGHTS = {
    1: "2026-11-06T01:30:00+08:00",
    2: "2026-11-07T01:30:00+08:00",
    3: "2026-11-08T01:30:00+08:00",
    4: "2026-11-09T01:30:00+08:00",
    5: "2026-11-10T01:30:00+08:00",
    6: "2026-11-11T01:30:00+08:00",
}
NEWCOMER = {  # a person no roster snapshot of the demo lists
    "member_id": "M990001",
    "employee_no": "SG9990001",
    "name": "新同志",
    "gender": "F",
    "phone": "13999990001",
    "status": "full",
    "status_since": "2026-10-20",
}
LATE_MEETING = "MT990001"
NEWCOMER_POINTS_DAYS = [f"2026-10-{day}" for day in range(20, 31)]  # 11 days: a scored member of 2026-10
NEWCOMER_DAILY_POINTS = 5  # far below the prorated target: every counted day shows in the learning score


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def dirty_months(warehouse: Path) -> dict[str, set[str]]:
    """intermediate.int_dirty_months of a build: every reported month it recomputed, with its reasons."""
    rows = query(warehouse, "select month, reasons from intermediate.int_dirty_months where is_reported")
    return {month: set(reasons.split(", ")) for month, reasons in rows}


def member_month(warehouse: Path, employee_no: str, month: str) -> dict | None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(
            "select * from marts.fct_member_index_monthly where employee_no = ? and month = ?",
            [employee_no, month],
        )
        row = cursor.fetchone()
        return dict(zip([c[0] for c in cursor.description], row, strict=True)) if row else None


def member_rows(warehouse: Path, months: list[str]) -> list[tuple]:
    return query(
        warehouse,
        f"select * exclude (mom_delta, yoy_delta) from marts.fct_member_index_monthly"
        f" where month in ({', '.join('?' for _ in months)}) order by all",
        months,
    )


def quarantined(warehouse: Path, file_part: str) -> set[tuple[str, str]]:
    """(entity, reason) of the records of files named like `file_part` that audit.quarantine_references holds."""
    rows = query(
        warehouse,
        "select entity, reason from audit.quarantine_references where source_file like ?",
        [f"%{file_part}%"],
    )
    return set(rows)


def roster_rows(landing: Path, day: str) -> tuple[list[str], list[dict[str, str]]]:
    return roster_file(landing / "roster" / f"roster_{day}.csv")


def roster_file(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    header, rows = read_csv(path)
    return header, [dict(zip(header, row, strict=True)) for row in rows]


def write_roster(landing: Path, day: str, header: list[str], rows: list[dict[str, str]]) -> None:
    write_csv(landing / "roster" / f"roster_{day}.csv", header, [[row[c] for c in header] for row in rows])


def write_jsonl(path: Path, records: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental_cases")
    landing, home = root / "landing", root / "home"
    demo_data(landing, members=60, months=4, seed=3)
    rules = root / "rules.csv"
    shutil.copyfile(SHIPPED_RULES, rules)
    return root, landing, home, rules


@pytest.fixture(scope="module")
def nights(org):
    """Play nights 1-6 under the rules file; what each night rebuilt and what the tests compare.

    dbt's unit tests do not depend on the data: test_dbt_build.py runs them; here they are skipped.
    """
    root, landing, home, rules = org
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_EXCLUDE_RESOURCE_TYPES", "unit_test")
        patch.delenv("PIONEER_DBT_TARGET", raising=False)
        patch.setenv("PIONEER_RULES_FILE", str(rules))
        return play_nights(root, landing, home, rules)


def play_nights(root: Path, landing: Path, home: Path, rules: Path) -> dict:
    played: dict = {"root": root, "rebuilt": {}, "warehouse": {}, "full": {}}

    def night(n: int, compare: bool = False) -> None:
        played["rebuilt"][n] = nightly(home, landing, NIGHTS[n])
        played["warehouse"][n] = root / f"night{n}.duckdb"
        shutil.copyfile(Home(home).warehouse, played["warehouse"][n])
        if compare:
            played["full"][n] = full_refresh(home, NIGHTS[n], root, f"night{n}_full")

    night(1)

    # night 2: rule version v2 from 2026-09-01
    with rules.open(encoding="utf-8", newline="") as f:
        versions = list(csv.DictReader(f))
    assert [v["rule_version"] for v in versions] == ["v1"], "the demo is scored under v1 only"
    v2 = dict(versions[0], rule_version="v2", effective_from="2026-09-01")
    v2.update(kpi_full_score="80", learning_monthly_target="240")
    with rules.open("a", encoding="utf-8", newline="") as f:
        csv.DictWriter(f, fieldnames=list(v2), lineterminator="\n").writerow(v2)
    night(2, compare=True)

    # night 3: a late snapshot of 2026-08-20: one member transferred, another inactive (both only until 09-01)
    header, august = roster_rows(landing, "2026-08-16")
    steady = [  # full members listed alike by every snapshot from 08-01 to 10-01
        row
        for row in august
        if row["status"] == "full"
        and all(
            row in roster_rows(landing, day)[1]
            for day in ("2026-08-01", "2026-09-01", "2026-09-16", "2026-10-01")
        )
    ]
    transferred, leaving = steady[0], next(r for r in steady if r["branch_id"] != steady[0]["branch_id"])
    to_branch = next(r["branch_id"] for r in august if r["branch_id"] != transferred["branch_id"])
    changed = {
        transferred["member_id"]: dict(transferred, branch_id=to_branch, party_group=f"{to_branch}-G1"),
        leaving["member_id"]: dict(leaving, status="inactive", status_since="2026-08-20"),
    }
    write_roster(landing, "2026-08-20", header, [changed.get(row["member_id"], row) for row in august])
    played["late snapshot"] = {"transferred": transferred, "to_branch": to_branch, "leaving": leaving}
    night(3, compare=True)

    # night 4: a late branch_general meeting of 2026-08 whose quorum needs an unknown person's attendance,
    # and learning points of that person's phone
    everybody = [row for path in (landing / "roster").glob("roster_*.csv") for row in roster_file(path)[1]]
    assert NEWCOMER["phone"] not in {row["phone"] for row in everybody}
    assert NEWCOMER["employee_no"] not in {row["employee_no"] for row in everybody}
    unmet = query(
        played["warehouse"][3],
        "select branch_id from marts.fct_branch_compliance_monthly where month = '2026-09'"
        " and requirement = 'branch_general' and is_due and not is_met order by branch_id",
    )
    assert unmet, "the demo needs a branch without a valid branch_general meeting in 2026-Q3"
    branch = unmet[0][0]
    members = [
        row["employee_no"]
        for row in august
        if row["branch_id"] == branch and row["status"] in ("full", "probationary")
    ]
    due = [NEWCOMER["employee_no"], *members[:3]]  # valid when 3 of 4 attend, not 2 of 4
    updated = "2026-11-08T20:00:00+08:00"
    write_jsonl(
        landing / "meeting" / "meetings" / "meetings_late_2026-08.jsonl",
        [{"meeting_id": LATE_MEETING, "branch_id": branch, "party_group": None, "type": "branch_general",
          "title": "迟报的支部党员大会", "start_time": "2026-08-20T14:00:00+08:00",
          "end_time": "2026-08-20T16:00:00+08:00", "status": "held", "due_user_ids": due, "updated_at": updated}],
    )  # fmt: skip
    write_jsonl(
        landing / "meeting" / "attendance" / "attendance_late_2026-08.jsonl",
        [
            {"record_id": f"AT99000{i}", "meeting_id": LATE_MEETING, "user_id": user, "mode": "onsite",
             "join_time": "2026-08-20T13:55:00+08:00", "leave_time": None, "updated_at": updated}
            for i, user in enumerate(due[:3], 1)
        ],
    )  # fmt: skip
    write_csv(
        landing / "learning" / "points_2026-11-09.csv",
        ["姓名", "手机号", "日期", "当日积分", "累计积分"],
        [
            [
                NEWCOMER["name"],
                NEWCOMER["phone"],
                day,
                str(NEWCOMER_DAILY_POINTS),
                str(NEWCOMER_DAILY_POINTS * i),
            ]
            for i, day in enumerate(NEWCOMER_POINTS_DAYS, 1)
        ],
    )
    played["branch"] = branch
    night(4)

    # night 5: a late snapshot of 2026-10-20 lists the newcomer (who is gone again from 10-31's)
    header, october = roster_rows(landing, "2026-10-16")
    newcomer = dict(NEWCOMER, branch_id=branch, party_group=f"{branch}-G1")
    write_roster(landing, "2026-10-20", header, [*october, newcomer])
    night(5, compare=True)

    # night 6: a late snapshot of 2026-10-25 lists the newcomer's phone for a second person too
    other = next(row for row in october if row["status"] == "full")
    twin = dict(other, phone=NEWCOMER["phone"])
    write_roster(
        landing,
        "2026-10-25",
        header,
        [twin if row["member_id"] == other["member_id"] else row for row in october] + [newcomer],
    )
    night(6, compare=True)
    return played


# --- a rule version ---------------------------------------------------------------------------


def test_rule_version_rebuilds_the_months_from_its_effective_date(nights):
    assert nights["rebuilt"][2] == ["2026-09", "2026-10"]
    assert dirty_months(nights["warehouse"][2]) == {
        "2026-09": {"new month or rules"},
        "2026-10": {"new month or rules", "mom"},
    }


def test_rule_version_scores_its_months_only(nights):
    before, after = nights["warehouse"][1], nights["warehouse"][2]
    versions = dict(query(after, "select distinct month, rule_version from marts.fct_member_index_monthly"))
    assert versions == {"2026-07": "v1", "2026-08": "v1", "2026-09": "v2", "2026-10": "v2"}
    assert member_rows(after, ["2026-07", "2026-08"]) == member_rows(before, ["2026-07", "2026-08"])
    sql = "select employee_no, performance, learning from marts.fct_member_index_monthly where month = ?"
    for month in ("2026-09", "2026-10"):  # the new KPI full score and learning target count
        old = {r[0]: r[1:] for r in query(before, sql, [month])}
        new = {r[0]: r[1:] for r in query(after, sql, [month])}
        assert old.keys() == new.keys()
        assert sum(1 for e in old if old[e] != new[e]) > len(old) // 2


def test_rule_version_equals_full_refresh(nights):
    assert_same_marts(nights["warehouse"][2], nights["full"][2])


# --- a late roster snapshot -------------------------------------------------------------------


def test_late_roster_snapshot_rebuilds_its_month_and_every_later_month(nights):
    assert nights["rebuilt"][3] == ["2026-08", "2026-09", "2026-10"]
    assert dirty_months(nights["warehouse"][3]) == {
        "2026-08": {"roster"},
        "2026-09": {"roster", "quarter", "mom"},
        "2026-10": {"roster", "mom"},
    }


def test_late_roster_snapshot_changes_count_from_its_date(nights):
    before, after = nights["warehouse"][2], nights["warehouse"][3]
    late = nights["late snapshot"]
    transferred, leaving = late["transferred"]["employee_no"], late["leaving"]["employee_no"]
    # branch of record: the branch on the last active day of the month
    assert member_month(before, transferred, "2026-08")["branch_id"] == late["transferred"]["branch_id"]
    assert member_month(after, transferred, "2026-08")["branch_id"] == late["to_branch"]
    assert member_month(after, transferred, "2026-09")["branch_id"] == late["transferred"]["branch_id"]
    # inactive from 08-20 to 08-31: 19 active days in August, all of September again
    assert member_month(before, leaving, "2026-08")["active_days"] == 31
    assert member_month(after, leaving, "2026-08")["active_days"] == 19
    assert member_month(after, leaving, "2026-09")["active_days"] == 30
    assert member_rows(after, ["2026-07"]) == member_rows(before, ["2026-07"])


def test_late_roster_snapshot_equals_full_refresh(nights):
    assert_same_marts(nights["warehouse"][3], nights["full"][3])


# --- quarantine status flips ------------------------------------------------------------------


def branch_general_q3(warehouse: Path, branch: str) -> tuple:
    return query(
        warehouse,
        "select is_met, meeting_ids from marts.fct_branch_compliance_monthly"
        " where branch_id = ? and month = '2026-09' and requirement = 'branch_general'",
        [branch],
    )[0]


def test_records_failing_their_reference_check_are_quarantined(nights):
    warehouse = nights["warehouse"][4]
    assert quarantined(warehouse, "attendance_late_2026-08") == {("attendance", "unknown_person")}
    assert quarantined(warehouse, "points_2026-11-09") == {("points", "unknown_person")}
    # the meeting arrived (2026-08; the rest of its quarter; M+1) and the points (2026-10)
    assert nights["rebuilt"][4] == ["2026-08", "2026-09", "2026-10"]
    assert dirty_months(warehouse) == {
        "2026-08": {"meeting", "attendance"},
        "2026-09": {"quarter", "mom"},
        "2026-10": {"learning", "mom"},
    }
    # 2 of 4 due members attended: not valid, the branch still misses its Q3 branch_general
    assert query(
        warehouse, "select attended_members, due_members, is_valid from intermediate.int_meeting_validity"
        " where meeting_id = ?", [LATE_MEETING],
    ) == [(2, 4, False)]  # fmt: skip
    assert branch_general_q3(warehouse, nights["branch"]) == (False, None)
    assert member_month(warehouse, NEWCOMER["employee_no"], "2026-10") is None


def test_resolved_references_rebuild_the_months_they_count_in(nights):
    warehouse = nights["warehouse"][5]
    assert quarantined(warehouse, "attendance_late_2026-08") == set()
    assert quarantined(warehouse, "points_2026-11-09") == set()
    assert nights["rebuilt"][5] == ["2026-08", "2026-09", "2026-10"]
    # 2026-08 only because its attendance's reference check changed: the roster touches 2026-10 on
    assert dirty_months(warehouse) == {
        "2026-08": {"attendance"},
        "2026-09": {"quarter", "mom"},
        "2026-10": {"roster", "learning", "mom"},
    }


def test_resolved_references_now_count(nights):
    warehouse = nights["warehouse"][5]
    # the attendance now counts for the quorum: the late meeting is valid and meets Q3's requirement
    assert query(
        warehouse, "select attended_members, due_members, is_valid from intermediate.int_meeting_validity"
        " where meeting_id = ?", [LATE_MEETING],
    ) == [(3, 4, True)]  # fmt: skip
    assert branch_general_q3(warehouse, nights["branch"]) == (True, LATE_MEETING)
    compliance = (
        "select compliance_met from marts.fct_branch_index_monthly where branch_id = ? and month = '2026-09'"
    )
    assert (
        query(warehouse, compliance, [nights["branch"]])[0][0]
        == query(nights["warehouse"][4], compliance, [nights["branch"]])[0][0] + 1
    )
    # the points now count: a scored member of 2026-10 (10-20 .. 10-30) with all 11 days of learning
    newcomer = member_month(warehouse, NEWCOMER["employee_no"], "2026-10")
    assert newcomer["active_days"] == len(NEWCOMER_POINTS_DAYS)
    assert newcomer["learning"] > 0
    learning_points = query(
        warehouse,
        "select learning_points from intermediate.int_member_dimension_scores where member_id = ? and month = '2026-10'",
        [NEWCOMER["member_id"]],
    )
    assert learning_points == [(NEWCOMER_DAILY_POINTS * len(NEWCOMER_POINTS_DAYS),)]


def test_resolved_references_equal_full_refresh(nights):
    assert_same_marts(nights["warehouse"][5], nights["full"][5])


def test_newly_ambiguous_points_rebuild_their_month_and_stop_counting(nights):
    before, after = nights["warehouse"][5], nights["warehouse"][6]
    assert quarantined(after, "points_2026-11-09") == {("points", "ambiguous_person")}
    assert query(
        after, "select count(*) from audit.quarantine_references where source_file like '%points_2026-11-09%'"
    ) == [(6,)]  # 10-25 .. 10-30
    assert nights["rebuilt"][6] == ["2026-10"]
    assert dirty_months(after) == {"2026-10": {"roster", "learning"}}
    newcomer_before = member_month(before, NEWCOMER["employee_no"], "2026-10")
    newcomer_after = member_month(after, NEWCOMER["employee_no"], "2026-10")
    assert newcomer_after["learning"] < newcomer_before["learning"]
    assert member_rows(after, ["2026-07", "2026-08", "2026-09"]) == member_rows(
        before, ["2026-07", "2026-08", "2026-09"]
    )


def test_newly_ambiguous_points_equal_full_refresh(nights):
    assert_same_marts(nights["warehouse"][6], nights["full"][6])
