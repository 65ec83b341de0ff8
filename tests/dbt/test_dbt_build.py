"""End-to-end: a tiny event store → `dbt build` (every model, data test and unit test) → hand-computed indexes.

January 2026, by hand (rules v1):
- M001 (B01): org_life 25 (MT1 onsite, MT2 excused, MT3 online exactly 50 %), learning 20 (305 points,
  day 5 restated 10 → 5), performance 25 (KPI 110 capped), pioneer_role 10 (10.5 h);
  bonus: 7 courses → 5 (cap), 1 lecture → 3, service 10.5 h → 0.5 × 2 = 1 → 9. Index 89.00.
- M002 (B01): org_life 25 × 1/3 = 8.333333 (MT1 online union 70/120 min, MT2 50/120 min, MT3 absent),
  learning 20 × 150/300 = 10, performance 20 (KPI corrected 90 → 80), pioneer_role 5 (4 h; the
  unverified record does not count); deductions 2 × 3 = 6. Index 37.333333 → 37.33, LAGGING.
- M003 (B02, probationary): base 80, bonus 15 (admin) + 2 × 3 (lectures) = 21 → capped 20. Index 100.
- M004 (applicant until 2026-02-25) and M005 (left on 2026-01-08) are not scored in January.
February: M001 vetoed → 0 / LAGGING; M002's veto was revoked.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
from pioneer_scenario import NOW, build_scenario  # tests/dbt is on sys.path (pytest rootdir-less module)

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "dbt_project"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("pioneer_home")
    build_scenario().write(home)
    env = dict(os.environ)
    env.update(
        PIONEER_HOME=str(home),
        PIONEER_WAREHOUSE_PATH=str(home / "warehouse.duckdb"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    env.pop("PIONEER_DBT_TARGET", None)
    dbt = shutil.which("dbt", path=str(Path(sys.executable).parent)) or "dbt"
    cmd = [
        dbt, "build",
        "--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT),
        "--target", "duckdb",
        "--target-path", str(home / "dbt_target"), "--log-path", str(home / "dbt_logs"),
        "--vars", json.dumps({"now": NOW}),
    ]  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=str(home))
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    return home / "warehouse.duckdb"


def query(warehouse: Path, sql: str, *params):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def member_month(warehouse, member_id, month):
    rows = query(
        warehouse,
        "select index_score, grade, org_life, learning, performance, pioneer_role, base, bonus, deductions,"
        " vetoed, performance_coefficient, kpi_missing, branch_id, appeal_adjustment from marts.fct_member_index_monthly"
        " where member_id = ? and month = ?",
        member_id,
        month,
    )
    assert len(rows) == 1, f"{member_id} {month}: {rows}"
    keys = ["index_score", "grade", "org_life", "learning", "performance", "pioneer_role", "base", "bonus",
            "deductions", "vetoed", "performance_coefficient", "kpi_missing", "branch_id", "appeal_adjustment"]  # fmt: skip
    return dict(zip(keys, rows[0], strict=True))


def test_months_are_complete_months_before_the_clock(warehouse):
    months = [
        r[0] for r in query(warehouse, "select distinct month from marts.fct_member_index_monthly order by 1")
    ]
    assert months == ["2026-01", "2026-02", "2026-03"]


def test_m001_january(warehouse):
    row = member_month(warehouse, "M001", "2026-01")
    assert row["org_life"] == Decimal("25")
    assert row["learning"] == Decimal("20")
    assert row["performance"] == Decimal("25")
    assert row["pioneer_role"] == Decimal("10")
    assert row["bonus"] == Decimal("9")
    assert row["deductions"] == Decimal("0")
    assert row["index_score"] == Decimal("89.00")
    assert row["grade"] == "QUALIFIED"
    assert row["performance_coefficient"] == Decimal("1.00")


def test_m002_january(warehouse):
    row = member_month(warehouse, "M002", "2026-01")
    assert row["org_life"] == Decimal("8.333333")
    assert row["learning"] == Decimal("10")
    assert row["performance"] == Decimal("20")
    assert row["pioneer_role"] == Decimal("5")
    assert row["deductions"] == Decimal("6")
    assert row["index_score"] == Decimal("37.33")
    assert row["grade"] == "LAGGING"


def test_m003_january_bonus_capped(warehouse):
    row = member_month(warehouse, "M003", "2026-01")
    assert row["bonus"] == Decimal("20")
    assert row["index_score"] == Decimal("100.00")
    assert row["branch_id"] == "B02"
    # three scored members: floor(0.1 × 3) = 0 PIONEER slots
    assert row["grade"] == "QUALIFIED"


def test_not_scored_members(warehouse):
    scored = query(
        warehouse,
        "select member_id, month from marts.fct_member_index_monthly where member_id in ('M004', 'M005')",
    )
    assert scored == [("M004", "2026-03")]


def test_veto_and_revoked_veto(warehouse):
    m001 = member_month(warehouse, "M001", "2026-02")
    assert (m001["index_score"], m001["grade"], m001["vetoed"]) == (Decimal("0.00"), "LAGGING", True)
    assert m001["base"] == Decimal("50")  # dimensions keep their values
    m002 = member_month(warehouse, "M002", "2026-02")
    assert m002["vetoed"] is False and m002["kpi_missing"] is True


def test_appeals(warehouse):
    """An accepted appeal adds its points outside the caps (one ledger row, source record = appeal
    id); a veto still wins; withdrawn, rejected and unknown-person appeals change nothing."""
    m002 = member_month(warehouse, "M002", "2026-02")
    assert m002["appeal_adjustment"] == Decimal("5")
    total = m002["base"] + m002["bonus"] - m002["deductions"] + 5
    assert m002["index_score"] == total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    ledger = query(
        warehouse,
        "select member_id, month, points, source_system, source_record_id from marts.fct_member_points_ledger"
        " where component = 'appeal' order by 1, 2",
    )
    assert ledger == [
        ("M001", "2026-02", Decimal("10"), "appeals", "AP2"),
        ("M002", "2026-02", Decimal("5"), "appeals", "AP1"),
    ]
    m001 = member_month(warehouse, "M001", "2026-02")
    assert (m001["index_score"], m001["appeal_adjustment"], m001["vetoed"]) == (
        Decimal("0.00"),
        Decimal("10"),
        True,
    )
    assert member_month(warehouse, "M001", "2026-01")["index_score"] == Decimal("89.00")  # AP3 withdrawn
    appeals = query(
        warehouse, "select appeal_id, status, applied, days_open from marts.fct_member_appeals order by 1"
    )
    assert appeals == [
        ("AP1", "accepted", True, 2),
        ("AP2", "accepted", False, 0),
        ("AP3", "withdrawn", False, 2),
        ("AP4", "rejected", False, 0),
    ]
    assert ("appeals", "appeal", "unknown_person") in query(
        warehouse, "select source, entity, reason from audit.quarantine_references"
    )


def test_ledger_sums_to_index(warehouse):
    rows = query(
        warehouse,
        "select f.member_id, f.month, f.index_score, sum(l.points) from marts.fct_member_index_monthly f"
        " join marts.fct_member_points_ledger l using (member_id, month) group by all",
    )
    assert rows and all(index == total for _, _, index, total in rows)


def test_unknown_phone_quarantined_without_phone(warehouse):
    rows = query(warehouse, "select source, entity, reason from audit.quarantine_references")
    assert ("learning", "points", "unknown_person") in rows
    columns = [
        r[0]
        for r in query(
            warehouse, "select column_name from information_schema.columns where table_schema = 'audit'"
        )
    ]
    assert "raw" not in columns and "person_key" not in columns
