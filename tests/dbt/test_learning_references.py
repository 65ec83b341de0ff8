"""Learning rows and their person references, through the real CLI (docs/sources.md, "Learning platform"
and "Bad input"; dbt_project/README.md, "Learning references").

A learning row's phone maps through the latest roster snapshot on or before its date *that lists the
phone*: one person listed there → that member (the row counts on the member's active days only), two or
more → ``ambiguous_person``, no such snapshot → ``unknown_person``. Every points and course row below
is either counted for exactly one member, or listed in ``audit.quarantine_references`` with its reason,
or (one documented case) mapped to a member who is not active on its date, which the rules do not count
and which is not bad input.

The landing is written by hand: roster snapshots of 5, 12 and 20 September 2026, one points row and one
course row per case. A second night brings a snapshot dated before all of them (1 September) and one
dated 24 September: the reference checks are evaluated again, so rows count, or stop counting, as soon
as the snapshot they need arrives.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from pioneer_cli import pioneer

from core.layout import Home

pytestmark = pytest.mark.slow

NIGHTS = ("2026-10-02T02:00:00+08:00", "2026-10-03T02:00:00+08:00")  # September built, no export due yet
HEADER = "member_id,employee_no,name,gender,phone,branch_id,party_group,status,status_since"
UNKNOWN, AMBIGUOUS = "unknown_person", "ambiguous_person"
NOT_COUNTED = (None, None)  # mapped to a member who is not active on the date: neither counted nor held back


def phone(n: int) -> str:
    return f"138{n:08d}"


def member(n: int, phone_number: str, status: str = "full") -> str:
    return f"M{n:02d},E{n:02d},党员{n},M,{phone_number},B01,,{status},2020-01-01"


S1 = [  # 2026-09-05, the first snapshot of night 1
    member(1, phone(1)),
    member(2, phone(2)),
    member(3, phone(2)),  # M02 and M03 share a phone in every snapshot
    member(4, phone(4)),
    member(4, phone(4)),  # the same member listed twice, same phone
    member(5, phone(5)),
    member(6, phone(5)),  # M05 and M06 share a phone here only
    member(7, phone(7)),
    member(8, phone(8)),
    member(10, phone(10)),
    member(11, phone(10)),
    member(13, phone(13), "applicant"),
    member(15, phone(15)),
]
S2 = [  # 2026-09-12: M06, M08, M10 and M11 change phones, M07 is absent, M09 is listed for the first time
    member(1, phone(1)),
    member(2, phone(2)),
    member(3, phone(2)),
    member(4, phone(4)),
    member(4, phone(4)),
    member(5, phone(5)),
    member(6, phone(60)),
    member(8, phone(80)),
    member(9, phone(9)),
    member(10, phone(100)),
    member(11, phone(110)),
    member(13, phone(13), "applicant"),
    member(15, phone(15)),
]
S3 = [*S2, member(7, phone(7)), member(12, phone(8))]  # 2026-09-20: M07 is back, M08's old phone is M12's
S0 = [member(1, phone(1))]  # 2026-09-01, arrives on night 2
S4 = [*S3, member(14, phone(14)), member(16, phone(15))]  # 2026-09-24, arrives on night 2

# case → (phone as exported, date, (reason, member) after night 1, after night 2)
CASES = {
    "phone_no_snapshot_lists": ("13900000000", "2026-09-15", (UNKNOWN, None), (UNKNOWN, None)),
    "phone_listed_for_two_people": (phone(2), "2026-09-15", (AMBIGUOUS, None), (AMBIGUOUS, None)),
    "phone_listed_twice_for_one_member": (phone(4), "2026-09-15", (None, "M04"), (None, "M04")),
    "two_people_in_the_mapping_snapshot": (phone(5), "2026-09-08", (AMBIGUOUS, None), (AMBIGUOUS, None)),
    "two_people_before_one_in_the_mapping_snapshot": (phone(5), "2026-09-15", (None, "M05"), (None, "M05")),
    "before_the_first_snapshot": (phone(1), "2026-09-03", (UNKNOWN, None), (None, "M01")),
    "only_a_later_snapshot_lists_the_phone": (phone(9), "2026-09-08", (UNKNOWN, None), (UNKNOWN, None)),
    "dropped_phone_keeps_its_last_listing": (phone(8), "2026-09-15", (None, "M08"), (None, "M08")),
    "dropped_phone_listed_again_for_another": (phone(8), "2026-09-22", (None, "M12"), (None, "M12")),
    "dropped_after_listing_two_people": (phone(10), "2026-09-15", (AMBIGUOUS, None), (AMBIGUOUS, None)),
    "last_listing_of_a_member_now_absent": (phone(7), "2026-09-15", NOT_COUNTED, NOT_COUNTED),
    "phone_with_spaces": ("138 0000 0001", "2026-09-15", (UNKNOWN, None), (UNKNOWN, None)),
    "phone_with_country_code": ("+8613800000001", "2026-09-15", (UNKNOWN, None), (UNKNOWN, None)),
    "member_not_active_on_the_date": (phone(13), "2026-09-15", NOT_COUNTED, NOT_COUNTED),
    "mapped_member_active": (phone(1), "2026-09-15", (None, "M01"), (None, "M01")),
    "phone_known_from_a_later_delivery": (phone(14), "2026-09-25", (UNKNOWN, None), (None, "M14")),
    "phone_shared_from_a_later_delivery": (phone(15), "2026-09-26", (None, "M15"), (AMBIGUOUS, None)),
}
POSITIONS = {case: line for line, case in enumerate(CASES, start=2)}  # line 1 is the header


def write(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))


def first_night(root: Path) -> None:
    for day, rows in (("2026-09-05", S1), ("2026-09-12", S2), ("2026-09-20", S3)):
        write(root / "roster" / f"roster_{day}.csv", [HEADER, *rows])
    write(
        root / "roster" / "branches_2026-09-05.csv",
        ["branch_id,branch_name,department_id,department_name", "B01,第一党支部,D01,运维检修部"],
    )
    rows = [(number, date) for number, date, _, _ in CASES.values()]
    write(
        root / "learning" / "points_2026-09-30.csv",
        ["姓名,手机号,日期,当日积分,累计积分"] + [f"张三,{p},{d},10,10" for p, d in rows],
    )
    write(
        root / "learning" / "courses_2026-09-30.csv",
        ["姓名,手机号,课程编号,课程名称,类型,日期"]
        + [f"张三,{p},C{i},党史,完成,{d}" for i, (p, d) in enumerate(rows)],
    )


def second_night(root: Path) -> None:
    write(root / "roster" / "roster_2026-09-01.csv", [HEADER, *S0])
    write(root / "roster" / "roster_2026-09-24.csv", [HEADER, *S4])


def outcomes(warehouse: Path) -> dict[tuple[str, int], tuple[str | None, str | None, int]]:
    """(entity, line) → (quarantine reason, member counted, times listed in both) of every learning row."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.sql(
            """
            with learning as (
                select 'points' as entity, event_id, source_position from staging.stg_learning__points
                union all
                select 'course', event_id, source_position from staging.stg_learning__course
            ),
            counted as (  -- a learning day is keyed by its report's key in staging, a course by its event
                select p.event_id, d.member_id
                from intermediate.int_member_learning_days as d
                inner join staging.stg_learning__points as p using (person_key, points_date)
                union all
                select event_id, member_id from intermediate.int_member_courses
            )
            select l.entity, l.source_position, min(q.reason), min(c.member_id),
                   count(q.event_id) + count(c.event_id)
            from learning as l
            left join audit.quarantine_references as q on q.event_id = l.event_id
            left join counted as c on c.event_id = l.event_id
            group by all
            """
        ).fetchall()
    return {(entity, line): (reason, member_id, n) for entity, line, reason, member_id, n in rows}


@pytest.fixture(scope="module")
def nights(tmp_path_factory) -> list[dict]:
    root = tmp_path_factory.mktemp("learning_references")
    landing, home = root / "landing", root / "home"
    seen = []
    for night, add in zip(NIGHTS, (first_night, second_night), strict=True):
        add(landing)
        ran = pioneer("run", "--sources", str(landing), "--home", str(home), "--now", night)
        assert ran.returncode == 0, ran.stdout[-4000:] + ran.stderr[-4000:]
        seen.append(outcomes(Home(home).work_warehouse))  # the learning tables are work-only
    return seen


@pytest.mark.parametrize("night", [0, 1], ids=["first_night", "second_night"])
@pytest.mark.parametrize("entity", ["points", "course"])
@pytest.mark.parametrize("case", list(CASES))
def test_learning_row_counted_once_or_held_back_with_its_reason(nights, night, entity, case):
    reason, member_id, listed = nights[night][(entity, POSITIONS[case])]
    assert (reason, member_id) == CASES[case][2 + night]
    assert listed == (0 if (reason, member_id) == NOT_COUNTED else 1)  # never both, never twice


def test_every_learning_row_is_a_case(nights):
    for seen in nights:
        assert sorted(seen) == sorted((e, line) for e in ("points", "course") for line in POSITIONS.values())
