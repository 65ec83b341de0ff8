"""Appeals over several nights of the real CLI: a submitted appeal holds the member's HR row open
(appeals_open_employee_nos), the office accepts it after v1 and the next night publishes v2 with
that employee changed by exactly the appeal's points, traced in the ledger by the appeal id."""

import csv
import json
from decimal import Decimal

import duckdb
from pioneer_cli import demo_data, pioneer, run_night

HEADER = "appeal_id,employee_no,month,component,points,reason,status,decided_by,decided_at,updated_at\n"


def rows(path) -> dict[str, dict]:
    with open(path, newline="") as f:
        return {r["employee_no"]: r for r in csv.DictReader(f)}


def test_an_appeal_accepted_after_v1_restates_the_month(tmp_path):
    landing, home = tmp_path / "landing", tmp_path / "home"
    demo_data(landing, members=40, months=2, seed=13)
    hr = home / "exports" / "hr" / "2026-10"
    appeals = landing / "appeals"
    appeals.mkdir(exist_ok=True)

    # night 1 (export day of October): v1, with an appeal still submitted
    run_night(landing, home, "2026-11-04T01:30:00+08:00")
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        employee, before = con.execute(
            "select employee_no, index_score from marts.fct_member_index_monthly"
            " where month = '2026-10' and not vetoed and index_score between 40 and 80"
            " and employee_no not in (select employee_no from marts.fct_member_appeals)"
            " order by employee_no limit 1"
        ).fetchone()
    (appeals / "appeals_test_1.csv").write_text(
        HEADER + f"APX1,{employee},2026-10,performance,,KPI 录入错误,submitted,,,2026-11-04T09:00:00+08:00\n",
        encoding="utf-8-sig",  # as Excel saves it
    )
    run_night(landing, home, "2026-11-05T01:30:00+08:00")
    v1 = json.loads((hr / "pioneer_index_2026-10_v1.manifest.json").read_text())
    assert employee in v1["appeals_open_employee_nos"]
    assert v1["appeals_open_employee_nos"] == sorted(v1["appeals_open_employee_nos"])
    assert Decimal(rows(hr / "pioneer_index_2026-10_v1.csv")[employee]["pioneer_index"]) == before

    # the office accepts it (+5.5): the next night restates October
    (appeals / "appeals_test_2.csv").write_text(
        HEADER + f"APX1,{employee},2026-10,performance,5.5,KPI 录入错误,accepted,党建办,"
        "2026-11-05T15:00:00+08:00,2026-11-05T15:00:00+08:00\n",
        encoding="utf-8",
    )
    run_night(landing, home, "2026-11-06T01:30:00+08:00")
    v2 = json.loads((hr / "pioneer_index_2026-10_v2.manifest.json").read_text())
    assert v2["supersedes"] == 1 and employee in v2["changed_employee_nos"]
    assert employee not in v2["appeals_open_employee_nos"]
    assert Decimal(rows(hr / "pioneer_index_2026-10_v2.csv")[employee]["pioneer_index"]) == before + Decimal(
        "5.5"
    )
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        ledger = con.execute(
            "select l.points, l.source_system, l.source_record_id from marts.fct_member_points_ledger l"
            " join marts.dim_member d using (member_id) where d.employee_no = ? and l.month = '2026-10'"
            " and l.component = 'appeal'",
            [employee],
        ).fetchall()
        appeal = con.execute(
            "select status, applied, days_open from marts.fct_member_appeals where appeal_id = 'APX1'"
        ).fetchone()
    assert ledger == [(Decimal("5.5"), "appeals", "APX1")]
    assert appeal == ("accepted", True, 1)

    # explain, explain --diff and the statement show the appeal row: its id, decision and decider
    explained = pioneer("explain", "--home", str(home), "--employee-no", employee, "--month", "2026-10")
    assert explained.returncode == 0, explained.stderr
    assert any(
        "appeal" in line and "APX1" in line and "accepted by 党建办" in line
        for line in explained.stdout.splitlines()
    ), explained.stdout
    diff = pioneer(
        "explain", "--home", str(home), "--employee-no", employee, "--month", "2026-10", "--diff", "v1", "v2"
    )
    assert diff.returncode == 0, diff.stderr
    assert "APX1" in diff.stdout and "appeals_test_2.csv" in diff.stdout, diff.stdout
    statement = pioneer(
        "statement", "--home", str(home), "--month", "2026-10", "--employee-no", employee,
        "--out", str(tmp_path / "statement.csv"),
    )  # fmt: skip
    assert statement.returncode == 0, statement.stderr
    text = (tmp_path / "statement.csv").read_text(encoding="utf-8-sig")
    assert "申诉 APX1（业绩贡献）经 党建办 于 2026-11-05 核准：KPI 录入错误，更正 +5.5" in text, text

    # a quiet night after: nothing new is published
    run_night(landing, home, "2026-11-07T01:30:00+08:00")
    assert not (hr / "pioneer_index_2026-10_v3.csv").exists()
