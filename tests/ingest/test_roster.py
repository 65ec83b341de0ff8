"""Roster snapshots become change events whose replay gives back every snapshot."""

from __future__ import annotations

import datetime as dt

from conftest import ROSTER_HEADER, at, events, write_lines

from ingest.run import ingest_source

ATTRIBUTES = ("employee_no", "name", "branch_id", "party_group", "status")

SNAPSHOTS = {
    dt.date(2026, 3, 1): ["M1,SG1,张伟,M,13800000001,B01,B01-G1,full,2025-01-01",
                          "M2,SG2,李娜,F,13800000002,B01,,probationary,2025-06-01"],
    dt.date(2026, 3, 5): ["M1,SG1,张伟,M,13800000001,B01,B01-G1,full,2025-01-01",
                          "M2,SG2,李娜,F,13800000002,B01,,full,2026-03-04",
                          "M3,SG3,王五,M,13800000003,B02,,activist,2026-03-04"],
    dt.date(2026, 3, 10): ["M1,SG1,张伟,M,13800000001,B02,B02-G1,full,2025-01-01",
                           "M3,SG3,王五,M,13800000003,B02,,inactive,2026-03-09"],
}  # fmt: skip


def write_snapshot(settings, day: dt.date) -> None:
    write_lines(settings, f"roster/roster_{day.isoformat()}.csv", [ROSTER_HEADER, *SNAPSHOTS[day]])


def snapshot_as_of(day: dt.date) -> dict[str, tuple]:
    """The attributes of the latest snapshot on or before ``day``, straight from the fixture."""
    dates = [d for d in SNAPSHOTS if d <= day]
    if not dates:
        return {}
    rows = [line.split(",") for line in SNAPSHOTS[max(dates)]]
    return {r[0]: (r[1], r[2], r[5], r[6] or None, r[7]) for r in rows}


def replay_as_of(settings, day: dt.date) -> dict[str, tuple]:
    """Latest member event with effective_date ≤ day, per person; absent when not present."""
    latest = {}
    for e in events(settings, "roster", "member", order="effective_date, recorded_at, batch_id"):
        if e["effective_date"] <= day:
            latest[e["member_id"]] = e
    return {m: tuple(e[a] for a in ATTRIBUTES) for m, e in latest.items() if e["present"]}


def days():
    return [dt.date(2026, 2, 28) + dt.timedelta(days=n) for n in range(14)]


def test_snapshots_become_change_events(settings):
    for day in SNAPSHOTS:
        write_snapshot(settings, day)
    summary = ingest_source(settings, "roster")
    assert summary.events_added == {"member": 7, "snapshot": 3}
    kinds = [(e["member_id"], e["effective_date"].day, e["change_kind"], e["present"])
             for e in events(settings, "roster", "member", order="effective_date, member_id")]  # fmt: skip
    assert kinds == [
        ("M1", 1, "joined", True),
        ("M2", 1, "joined", True),
        ("M2", 5, "status_changed", True),
        ("M3", 5, "joined", True),
        ("M1", 10, "transferred", True),
        ("M2", 10, "left", False),
        ("M3", 10, "status_changed", True),  # inactive is a status, not leaving
    ]
    assert [e["persons"] for e in events(settings, "roster", "snapshot", order="snapshot_date")] == [2, 3, 2]
    for day in days():
        assert replay_as_of(settings, day) == snapshot_as_of(day), day


def test_late_middle_snapshot_rederives_the_next_one(settings):
    write_snapshot(settings, dt.date(2026, 3, 1))
    write_snapshot(settings, dt.date(2026, 3, 10))
    ingest_source(settings, "roster")
    write_snapshot(settings, dt.date(2026, 3, 5))
    late = ingest_source(at(settings, dt.datetime(2026, 4, 2)), "roster")
    assert late.files_loaded == 1 and late.files_skipped == 2
    for day in days():
        assert replay_as_of(settings, day) == snapshot_as_of(day), day
    again = ingest_source(at(settings, dt.datetime(2026, 4, 3)), "roster")
    assert again.events_added == {} and again.files_loaded == 0


def test_unchanged_snapshot_adds_only_its_snapshot_event(settings):
    write_snapshot(settings, dt.date(2026, 3, 1))
    ingest_source(settings, "roster")
    same = settings.sources / "roster" / "roster_2026-03-01.csv"
    (settings.sources / "roster" / "roster_2026-03-02.csv").write_bytes(same.read_bytes())
    assert ingest_source(at(settings, dt.datetime(2026, 4, 2)), "roster").events_added == {"snapshot": 1}


def test_branch_snapshots_become_branch_events(settings):
    header = "branch_id,branch_name,department_id,department_name"
    write_lines(
        settings, "roster/branches_2026-03-01.csv", [header, "B01,一支部,D1,机关", "B02,二支部,D1,机关"]
    )
    write_lines(settings, "roster/branches_2026-03-05.csv", [header, "B01,第一支部,D1,机关"])
    assert ingest_source(settings, "roster").events_added == {"branch": 4}
    changes = [(e["branch_id"], e["effective_date"].day, e["present"], e["branch_name"])
               for e in events(settings, "roster", "branch", order="effective_date, branch_id")]  # fmt: skip
    assert changes == [
        ("B01", 1, True, "一支部"),
        ("B02", 1, True, "二支部"),
        ("B01", 5, True, "第一支部"),
        ("B02", 5, False, "二支部"),
    ]


def test_bad_roster_rows_are_quarantined(settings):
    write_lines(
        settings,
        "roster/roster_2026-03-01.csv",
        [
            ROSTER_HEADER,
            "M1,SG1,张伟,M,13800000001,B01,,member,2025-01-01",
            "M2,SG2,李娜,F,13800000002,B01,,full,",
        ],
    )
    summary = ingest_source(settings, "roster")
    assert summary.quarantined == {"bad_enum": 1}
    assert summary.events_added == {"member": 1, "snapshot": 1}


def test_a_person_listed_twice_in_one_snapshot_takes_the_later_line(settings):
    """One row per person is the snapshot's contract; a person listed twice is two versions of one
    record tied on their time (the snapshot date), so the later line wins (docs/sources.md) and the
    earlier line's attributes (here its phone) are not the person's that day. Nothing else is lost."""
    write_lines(settings, "roster/roster_2026-03-01.csv", [
        ROSTER_HEADER,
        "M1,SG1,张伟,M,13800000001,B01,B01-G1,full,2025-01-01",
        "M2,SG2,李娜,F,13800000002,B01,,full,2025-06-01",
        "M1,SG1,张伟,M,13800000009,B02,,full,2025-01-01",
        "M3,SG3,王五,M,13800000003,B02,,probationary,2026-02-01",
    ])  # fmt: skip
    ingest_source(settings, "roster")
    members = {e["member_id"]: e for e in events(settings, "roster", "member")}
    assert sorted(members) == ["M1", "M2", "M3"]
    assert (members["M1"]["branch_id"], members["M1"]["source_position"]) == ("B02", 4)
