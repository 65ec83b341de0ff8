"""The alert file's two lists (docs/outputs.md, "Alerts (动态预警)") from a hand-made warehouse:
cadence rows at risk or missed, and KPI completeness by department inside its window, judged on
the very rows and figure the export gate judges."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from rule_versions import create_dim_rule_version

from core.config import Settings
from expectations.gates import validate_frame
from exports.alerts import build_alerts, write_alerts
from exports.hr import kpi_coverage_rows

RULES_SEED = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "rules.csv"

CADENCE_COLUMNS = (
    "branch_id varchar, period varchar, requirement varchar, party_group varchar, status varchar, "
    "days_left integer, meeting_ids varchar, requirement_name varchar, needs_quorum boolean, "
    "period_kind varchar, period_start date, period_end date, is_open boolean, alert_days integer, "
    "as_of_date date"
)


def warehouse(path: Path, kpi: dict[str, tuple[int, int]], cadence: list[tuple] = ()) -> Path:
    """Month 2026-11 with, per department, (members in the pay scope, of them without KPI), plus
    one member out of the pay scope without KPI in each; the cadence mart's ``cadence`` rows."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema staging; create schema marts")
        create_dim_rule_version(con, RULES_SEED)
        con.execute(
            "create table marts.dim_branch (branch_id varchar, branch_name varchar, department_id varchar,"
            " department_name varchar)"
        )
        con.execute(
            "create table marts.fct_member_index_monthly (employee_no varchar, month varchar,"
            " department_id varchar, kpi_missing boolean, in_pay_scope boolean)"
        )
        n = 0
        for k, (department, (members, missing)) in enumerate(sorted(kpi.items())):
            con.execute(
                "insert into marts.dim_branch values (?, ?, ?, ?)",
                [f"B{k + 1}", f"第{k + 1}党支部", department, f"{department}部"],
            )
            for i in range(members + 1):
                n += 1
                in_scope = i < members
                con.execute(
                    "insert into marts.fct_member_index_monthly values (?, '2026-11', ?, ?, ?)",
                    [f"SG{n:07d}", department, i < missing or not in_scope, in_scope],
                )
        con.execute(f"create table marts.fct_branch_cadence_status ({CADENCE_COLUMNS})")
        for row in cadence:
            con.execute(
                "insert into marts.fct_branch_cadence_status values "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, 'month', '2026-12-01', '2026-12-31', ?, 7, '2026-12-25')",
                list(row),
            )
    return path


def alerts_on(tmp_path: Path, now: str, **settings) -> dict:
    return build_alerts(Settings(home=tmp_path, now=now, **settings), tmp_path / "warehouse.duckdb")


def test_departments_below_coverage_are_listed_with_their_missing_employees(tmp_path):
    # D1: 8 of 10 have a KPI (80 % < 90 %); D2: 9 of 10 (90 %, enough); out-of-scope members never count
    warehouse(tmp_path / "warehouse.duckdb", {"D1": (10, 2), "D2": (10, 1)})
    alerts = alerts_on(tmp_path, "2026-12-02T01:30:00+08:00")
    assert [a["department_id"] for a in alerts["completeness"]] == ["D1"]
    (d1,) = alerts["completeness"]
    assert d1 | {"message": None} == {
        "code": "completeness.kpi_below_coverage",
        "period": "2026-11",
        "department_id": "D1",
        "department_name": "D1部",
        "members": 10,
        "kpi_missing": 2,
        "coverage": 0.8,
        "min_kpi_coverage": 0.9,
        "export_date": "2026-12-05",
        "missing_employee_nos": ["SG0000001", "SG0000002"],
        "message": None,
    }
    assert d1["message"] == (
        "D1部：2026年11月绩效KPI覆盖率 80.0%，低于要求的 90%，缺 2 人（SG0000001、SG0000002）；"
        "请在 2026-12-05 导出前补报。"
    )
    assert alerts["counts"]["departments_below_kpi_coverage"] == 1


@pytest.mark.parametrize(
    ("now", "settings", "listed"),
    [
        ("2026-12-01T00:10:00+08:00", {}, True),  # day 1 of M+1
        ("2026-12-05T23:00:00+08:00", {}, True),  # M's export day
        ("2026-12-06T01:30:00+08:00", {}, False),  # exported: too late to act
        ("2026-12-06T01:30:00+08:00", {"export_day": 7}, True),  # PIONEER_EXPORT_DAY moves the window
        ("2027-01-02T01:30:00+08:00", {}, False),  # M is 2026-12 then, not in the marts
        ("2026-12-02T01:30:00+08:00", {"min_kpi_coverage": 0.8}, False),  # PIONEER_MIN_KPI_COVERAGE
    ],
)
def test_completeness_is_watched_from_day_1_of_the_next_month_until_the_export_day(
    tmp_path, now, settings, listed
):
    warehouse(tmp_path / "warehouse.duckdb", {"D1": (10, 2)})
    assert bool(alerts_on(tmp_path, now, **settings)["completeness"]) is listed


@pytest.mark.parametrize(("missing", "gate_passes"), [(2, True), (3, False)])
def test_the_alert_and_the_export_gate_judge_the_same_coverage(tmp_path, missing, gate_passes):
    # 20 members: 18 with KPI = 90 % passes the gate and raises no alert; 17 fails and raises one
    warehouse(tmp_path / "warehouse.duckdb", {"D1": (20, missing)})
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        frame = kpi_coverage_rows(con, "2026-11")[["employee_no", "kpi_missing"]]
    gate = validate_frame(tmp_path, "hr_export_kpi_coverage", frame, {"min_kpi_coverage": 0.9}, "t")
    assert gate.passed is gate_passes
    assert bool(alerts_on(tmp_path, "2026-12-03T01:30:00+08:00")["completeness"]) is not gate_passes


def test_cadence_lists_requirements_at_risk_and_missed_in_chinese(tmp_path):
    cadence = [
        ("B1", "2026-12", "committee", None, "at_risk", 7, None, "支委会", True, True),
        ("B1", "2026-12", "group", "B1-G2", "at_risk", 7, None, "党小组会", False, True),
        ("B1", "2026-12", "theme_day", None, "met", 7, "MT9", "主题党日", False, True),
        ("B2", "2026-12", "committee", None, "pending", 8, None, "支委会", True, True),
        ("B2", "2026-11", "lecture", None, "missed", 0, None, "党课", False, False),
    ]
    warehouse(tmp_path / "warehouse.duckdb", {"D1": (10, 0), "D2": (10, 0)}, cadence)
    alerts = alerts_on(tmp_path, "2026-12-25T01:30:00+08:00")
    assert [(a["code"], a["branch_id"], a["requirement"]) for a in alerts["cadence"]] == [
        ("cadence.at_risk", "B1", "committee"),
        ("cadence.at_risk", "B1", "group"),
        ("cadence.missed", "B2", "lecture"),
    ]
    messages = [a["message"] for a in alerts["cadence"]]
    assert messages[0] == (
        "第1党支部：2026年12月尚无有效的支委会（须应到党员过半数出席），距期末（2026-12-31）还剩 7 天，请尽快安排。"
    )
    assert messages[1].startswith("第1党支部：2026年12月尚未召开B1-G2党小组的党小组会")
    assert messages[2] == "第2党支部：2026年11月尚未召开党课，该期已结束，计为未完成。"
    assert alerts["counts"] == {
        "cadence_at_risk": 2,
        "cadence_missed": 1,
        "branches_at_risk": 1,
        "departments_below_kpi_coverage": 0,
    }


def test_a_later_run_the_same_day_replaces_the_file(tmp_path):
    warehouse(tmp_path / "warehouse.duckdb", {"D1": (10, 2)})
    settings = Settings(home=tmp_path, now="2026-12-02T01:30:00+08:00")
    first = write_alerts(settings, build_alerts(settings, tmp_path / "warehouse.duckdb"))
    assert first.name == "2026-12-02.json" and json.loads(first.read_text())["completeness"]
    later = Settings(home=tmp_path, now="2026-12-02T22:00:00+08:00", min_kpi_coverage=0.5)
    assert write_alerts(later, build_alerts(later, tmp_path / "warehouse.duckdb")) == first
    assert json.loads(first.read_text())["completeness"] == []
    assert sorted(p.name for p in first.parent.iterdir()) == ["2026-12-02.json"]  # no temporary left
