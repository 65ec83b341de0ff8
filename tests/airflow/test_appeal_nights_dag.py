"""Notice and appeal nights through Airflow (``airflow dags test pioneer_nightly`` night after night
on one home, with a rules file whose v1 sets notice_days 3): October goes on notice on its export
day with a submitted appeal listed open; the office accepts it during the notice and HR's v1 three
days later carries it; a late appeal accepted after v1 gives v2 naming its employee. The same
stage functions as ``pioneer run`` (tests/test_notice_nights.py, tests/test_appeal_nights.py)."""

from __future__ import annotations

import csv
import json
import shutil
from decimal import Decimal

import duckdb
import pytest
from airflow_harness import airflow_env, dags_test, prepare_airflow
from pioneer_cli import write_rules

HEADER = "appeal_id,employee_no,month,component,points,reason,status,decided_by,decided_at,updated_at\n"


def night(env: dict, logical_date: str) -> None:
    ran = dags_test(env, logical_date)
    log = ran.stdout[-4000:] + ran.stderr[-4000:]
    assert ran.returncode == 0 and "state=success" in ran.stdout + ran.stderr, log


def rows_of(path) -> dict[str, dict]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return {r["employee_no"]: r for r in csv.DictReader(f)}


def appeal(sources, name: str, line: str) -> None:
    (sources / "appeals").mkdir(exist_ok=True)
    (sources / "appeals" / name).write_text(HEADER + line + "\n", encoding="utf-8-sig")


@pytest.mark.slow
def test_notice_appeal_v1_late_appeal_v2_in_airflow(tmp_path, landing):
    sources, home = tmp_path / "landing", tmp_path / "home"
    shutil.copytree(landing, sources)
    rules = write_rules(tmp_path / "rules.csv", {"notice_days": "3"})
    env = airflow_env(tmp_path / "airflow", home, sources) | {"PIONEER_RULES_FILE": str(rules)}
    prepare_airflow(env)

    night(env, "2026-11-04T01:30:00+08:00")  # before October's export day: marts only
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        employee, late, before = con.execute(
            "select min(employee_no), max(employee_no), min_by(index_score, employee_no)"
            " from (select * from marts.fct_member_index_monthly where month = '2026-10' and not vetoed"
            " and index_score between 40 and 80"
            " and employee_no not in (select employee_no from marts.fct_member_appeals))"
        ).fetchone()
    appeal(
        sources,
        "appeals_dag_1.csv",
        f"APD1,{employee},2026-10,org_life,,会议签到遗漏,submitted,,,2026-11-04T10:00:00+08:00",
    )

    night(env, "2026-11-05T01:30:00+08:00")  # export day: on notice, no HR file yet
    notice = home / "exports" / "notice" / "2026-10"
    manifest = json.loads((notice / "pioneer_notice_2026-10.manifest.json").read_text())
    assert manifest["notice_until"] == "2026-11-08" and employee in manifest["appeals_open_employee_nos"]
    assert Decimal(rows_of(notice / "pioneer_notice_2026-10.csv")[employee]["pioneer_index"]) == before
    hr = home / "exports" / "hr" / "2026-10"
    assert not hr.exists()

    appeal(
        sources, "appeals_dag_2.csv",
        f"APD1,{employee},2026-10,org_life,3,会议签到遗漏,accepted,党建办,2026-11-06T16:00:00+08:00,2026-11-06T16:00:00+08:00",
    )  # fmt: skip
    night(env, "2026-11-08T01:30:00+08:00")  # the notice is over: v1, computed now, carries the appeal
    v1_manifest = json.loads((hr / "pioneer_index_2026-10_v1.manifest.json").read_text())
    assert v1_manifest["supersedes"] is None and employee not in v1_manifest["appeals_open_employee_nos"]
    paid = rows_of(hr / "pioneer_index_2026-10_v1.csv")
    assert Decimal(paid[employee]["pioneer_index"]) == before + 3

    appeal(
        sources, "appeals_dag_3.csv",
        f"APD2,{late},2026-10,performance,2,绩效考核结果更正,accepted,党建办,2026-11-08T15:00:00+08:00,2026-11-08T15:00:00+08:00",
    )  # fmt: skip
    night(env, "2026-11-09T01:30:00+08:00")
    v2 = json.loads((hr / "pioneer_index_2026-10_v2.manifest.json").read_text())
    assert v2["supersedes"] == 1 and v2["changed_employee_nos"] == [late]
    assert (
        Decimal(rows_of(hr / "pioneer_index_2026-10_v2.csv")[late]["pioneer_index"])
        == Decimal(paid[late]["pioneer_index"]) + 2
    )
