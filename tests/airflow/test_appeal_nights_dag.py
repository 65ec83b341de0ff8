"""The appeal nights through Airflow (``airflow dags test pioneer_nightly`` night after night on one
home): a submitted appeal is listed open in v1's manifest, its acceptance after v1 gives v2 naming
that employee — the same stage functions as ``pioneer run`` (tests/test_appeal_nights.py)."""

from __future__ import annotations

import csv
import json
import shutil
from decimal import Decimal

import duckdb
import pytest
from airflow_harness import airflow_env, dags_test, prepare_airflow

HEADER = "appeal_id,employee_no,month,component,points,reason,status,decided_by,decided_at,updated_at\n"


def night(env: dict, logical_date: str) -> None:
    ran = dags_test(env, logical_date)
    log = ran.stdout[-4000:] + ran.stderr[-4000:]
    assert ran.returncode == 0 and "state=success" in ran.stdout + ran.stderr, log


def index_of(path, employee: str) -> Decimal:
    with open(path, newline="") as f:
        return next(Decimal(r["pioneer_index"]) for r in csv.DictReader(f) if r["employee_no"] == employee)


@pytest.mark.slow
def test_appeal_nights_in_airflow(tmp_path, landing):
    sources, home = tmp_path / "landing", tmp_path / "home"
    shutil.copytree(landing, sources)
    env = airflow_env(tmp_path / "airflow", home, sources)
    prepare_airflow(env)

    night(env, "2026-11-04T01:30:00+08:00")  # before October's export day: marts only
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        employee, before = con.execute(
            "select employee_no, index_score from marts.fct_member_index_monthly"
            " where month = '2026-10' and not vetoed and index_score between 40 and 80"
            " and employee_no not in (select employee_no from marts.fct_member_appeals) order by 1 limit 1"
        ).fetchone()
    (sources / "appeals").mkdir(exist_ok=True)
    (sources / "appeals" / "appeals_dag_1.csv").write_text(
        HEADER + f"APD1,{employee},2026-10,org_life,,会议签到遗漏,submitted,,,2026-11-04T10:00:00+08:00\n",
        encoding="utf-8-sig",
    )
    night(env, "2026-11-05T01:30:00+08:00")
    hr = home / "exports" / "hr" / "2026-10"
    v1 = json.loads((hr / "pioneer_index_2026-10_v1.manifest.json").read_text())
    assert employee in v1["appeals_open_employee_nos"]
    assert index_of(hr / "pioneer_index_2026-10_v1.csv", employee) == before

    (sources / "appeals" / "appeals_dag_2.csv").write_text(
        HEADER + f"APD1,{employee},2026-10,org_life,3,会议签到遗漏,accepted,党建办,"
        "2026-11-05T16:00:00+08:00,2026-11-05T16:00:00+08:00\n"
    )
    night(env, "2026-11-06T01:30:00+08:00")
    v2 = json.loads((hr / "pioneer_index_2026-10_v2.manifest.json").read_text())
    assert v2["supersedes"] == 1 and employee in v2["changed_employee_nos"]
    assert employee not in v2["appeals_open_employee_nos"]
    assert index_of(hr / "pioneer_index_2026-10_v2.csv", employee) == before + 3
