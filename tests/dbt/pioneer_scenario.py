"""A tiny company over January–March 2026, with hand-computed indexes (see test_dbt_build.py)."""

from __future__ import annotations

from pioneer_eventstore import EventStore

NOW = "2026-04-10T08:00:00"  # marts hold 2026-01 .. 2026-03


def build_scenario() -> EventStore:
    s = EventStore()
    # roster: first snapshot 2026-01-01; M004 applicant → probationary on 2026-02-25; M005 leaves 2026-01-08
    s.snapshot("2026-01-01", 5)
    s.branch("B01", "2026-01-01", department_id="D1", department_name="Dept 1")
    s.branch("B02", "2026-01-01", department_id="D2", department_name="Dept 2")
    s.member("M001", "2026-01-01", branch_id="B01", party_group="B01-G1")
    s.member("M002", "2026-01-01", branch_id="B01", party_group="B01-G2")
    s.member("M003", "2026-01-01", branch_id="B02", party_group="", status="probationary")
    s.member("M004", "2026-01-01", branch_id="B01", party_group="B01-G1", status="applicant")
    s.member("M005", "2026-01-01", branch_id="B02", party_group="")
    s.snapshot("2026-01-08", 4)
    s.member("M005", "2026-01-08", branch_id="B02", party_group="", present=False, change_kind="left")
    s.snapshot("2026-02-25", 4)
    s.member(
        "M004",
        "2026-02-25",
        branch_id="B01",
        party_group="B01-G1",
        status="probationary",
        change_kind="status_changed",
    )

    # --- January -----------------------------------------------------------------------
    s.meeting(
        "MT1", "2026-01-10 09:00", "2026-01-10 11:00", type="branch_general", due=["E001", "E002", "E004"]
    )
    s.attendance("A1", "MT1", "E001", mode="onsite")
    s.attendance("A2", "MT1", "E002", mode="online", join="2026-01-10 09:00", leave="2026-01-10 09:40")
    s.attendance("A3", "MT1", "E002", mode="online", join="2026-01-10 09:30", leave="2026-01-10 10:10")
    s.meeting("MT2", "2026-01-20 14:00", "2026-01-20 16:00", type="committee", due=["E001", "E002"])
    s.leave("L1", "MT2", "E001", approved=True)
    s.attendance("A4", "MT2", "E002", mode="online", join="2026-01-20 14:00", leave="2026-01-20 14:50")
    s.meeting("MT3", "2026-01-25 09:00", "2026-01-25 11:00", type="theme_day", due=["E001", "E002"])
    s.attendance("A5", "MT3", "E001", mode="online", join="2026-01-25 09:00", leave="2026-01-25 10:00")
    # a cancelled meeting and a tombstoned one never count
    s.meeting("MT4", "2026-01-26 09:00", "2026-01-26 11:00", type="group", due=["E001"], status="cancelled")
    s.meeting("MT5", "2026-01-27 09:00", "2026-01-27 11:00", type="group", due=["E001"])
    s.meeting(
        "MT5",
        "2026-01-27 09:00",
        "2026-01-27 11:00",
        type="group",
        due=["E001"],
        updated_at="2026-01-28 00:00",
        deleted=True,
    )
    # learning: M001 10/day all month (day 5 restated 10 → 5 by a later export) = 305; M002 150
    for day in range(1, 32):
        s.points("pk-M001", f"2026-01-{day:02d}", 10, export_date="2026-01-31")
    s.points("pk-M001", "2026-01-05", 10, export_date="2026-01-10")
    s.points("pk-M001", "2026-01-05", 5, export_date="2026-02-01")
    for day in range(1, 16):
        s.points("pk-M002", f"2026-01-{day:02d}", 10, export_date="2026-01-31")
    for day in range(1, 31):
        s.points("pk-M003", f"2026-01-{day:02d}", 10, export_date="2026-01-31")
    s.points("pk-NOBODY", "2026-01-03", 10, export_date="2026-01-31")  # unknown_person
    for i in range(7):
        s.course("pk-M001", f"C{i}", "2026-01-12", kind="completed")
    s.course("pk-M001", "LX1", "2026-01-15", kind="lectured")
    s.course("pk-M003", "LX2", "2026-01-15", kind="lectured")
    s.course("pk-M003", "LX3", "2026-01-16", kind="lectured")
    s.kpi("E001", "2026-01", 110)
    s.kpi("E002", "2026-01", 90)
    s.kpi("E002", "2026-01", 80, updated_at="2026-02-02 00:00")  # correction wins
    s.kpi("E003", "2026-01", 100)
    s.kpi("E999", "2026-01", 100)  # not in the roster: ignored
    s.service("S1", "E001", "2026-01-06 08:00", "2026-01-06 18:30")  # 10.5 h
    s.service("S2", "E002", "2026-01-07 08:00", "2026-01-07 12:00")  # 4 h
    s.service("S3", "E003", "2026-01-07 08:00", "2026-01-07 16:00")  # 8 h
    s.service("S4", "E002", "2026-01-08 08:00", "2026-01-08 12:00", verified=False)
    s.admin("I1", "E003", "2026-01", "bonus", 15)

    # --- February ----------------------------------------------------------------------
    s.admin("I2", "E001", "2026-02", "veto")
    s.admin("I3", "E002", "2026-02", "veto")
    s.admin("I3", "E002", "2026-02", "veto", status="revoked", approved_at="2026-02-20 00:00")
    s.kpi("E001", "2026-02", 100)
    s.kpi("E003", "2026-02", 100)
    # appeals: M002's February +5 (submitted, then accepted); M001's vetoed February +10 (still 0);
    # M001's January +2 accepted then withdrawn (no effect); M002's January rejected; E999 unknown
    s.appeal("AP1", "E002", "2026-02", "submitted", component="performance", updated_at="2026-03-06 09:00")
    s.appeal("AP1", "E002", "2026-02", "accepted", 5, component="performance", updated_at="2026-03-08 09:00",
             decided_at="2026-03-08 09:00")  # fmt: skip
    s.appeal(
        "AP2", "E001", "2026-02", "accepted", 10, updated_at="2026-03-07 09:00", decided_at="2026-03-07 09:00"
    )
    s.appeal(
        "AP3", "E001", "2026-01", "accepted", 2, updated_at="2026-02-07 09:00", decided_at="2026-02-07 09:00"
    )
    s.appeal("AP3", "E001", "2026-01", "withdrawn", updated_at="2026-02-09 09:00")
    s.appeal(
        "AP4", "E002", "2026-01", "rejected", updated_at="2026-02-07 09:00", decided_at="2026-02-07 09:00"
    )
    s.appeal(
        "AP5", "E999", "2026-01", "accepted", 3, updated_at="2026-02-07 09:00", decided_at="2026-02-07 09:00"
    )

    # --- March -------------------------------------------------------------------------
    s.kpi("E004", "2026-03", 100)
    return s
