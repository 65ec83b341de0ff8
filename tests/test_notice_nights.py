"""Notice before pay (公示, docs/outputs.md) over nights of the real CLI, with a rules file whose v1 sets
notice_days 3: October goes on notice on its export day, an appeal filed and accepted during the
notice is in HR's v1 three days later, a late appeal accepted after v1 gives v2 naming its
employee; status, doctor and audit know the notice."""

import csv
import json
from decimal import Decimal

import duckdb
from pioneer_cli import demo_data, pioneer, run_night, write_rules

HEADER = "appeal_id,employee_no,month,component,points,reason,status,decided_by,decided_at,updated_at\n"


def test_notice_then_pay(tmp_path):
    landing, home = tmp_path / "landing", tmp_path / "home"
    demo_data(landing, members=40, months=2, seed=17)
    env = {"PIONEER_RULES_FILE": str(write_rules(tmp_path / "rules.csv", {"notice_days": "3"}))}
    notice = home / "exports" / "notice" / "2026-10" / "pioneer_notice_2026-10.csv"
    hr = home / "exports" / "hr"

    first = run_night(landing, home, "2026-11-05T01:30:00+08:00", **env)
    assert "notices published (公示): 1" in first.stdout
    assert (hr / "2026-09" / "pioneer_index_2026-09_v1.csv").exists()  # its notice ended long ago
    assert not (hr / "2026-10").exists() and notice.exists()
    with notice.open(encoding="utf-8-sig", newline="") as f:
        shown = {r["employee_no"]: r for r in csv.DictReader(f)}
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        employee, before, name = con.execute(
            "select f.employee_no, f.index_score, d.name from marts.fct_member_index_monthly f"
            " join marts.dim_member d using (member_id) where f.month = '2026-10' and not f.vetoed"
            " and f.index_score between 40 and 80"
            " and f.employee_no not in (select employee_no from marts.fct_member_appeals) order by 1 limit 1"
        ).fetchone()
    assert shown[employee]["name"] == name and Decimal(shown[employee]["pioneer_index"]) == before
    assert {r["notice_until"] for r in shown.values()} == {"2026-11-08"}

    # the member appeals during the notice; the office accepts it before the notice ends
    (landing / "appeals" / "appeals_notice.csv").write_text(
        HEADER
        + f"APN1,{employee},2026-10,org_life,,视频参会未计入出勤,submitted,,,2026-11-05T10:00:00+08:00\n"
        + f"APN1,{employee},2026-10,org_life,2,视频参会未计入出勤,accepted,党建办,"
        "2026-11-06T16:00:00+08:00,2026-11-06T16:00:00+08:00\n",
        encoding="utf-8",
    )
    quiet = run_night(landing, home, "2026-11-07T01:30:00+08:00", **env)
    assert "notices published" not in quiet.stdout and not (hr / "2026-10").exists()
    run_night(landing, home, "2026-11-08T01:30:00+08:00", **env)
    with (hr / "2026-10" / "pioneer_index_2026-10_v1.csv").open(newline="") as f:
        paid = {r["employee_no"]: r for r in csv.DictReader(f)}
    assert Decimal(paid[employee]["pioneer_index"]) == before + 2  # the appeal is in v1
    assert paid.keys() == shown.keys()
    v1 = json.loads((hr / "2026-10" / "pioneer_index_2026-10_v1.manifest.json").read_text())
    assert v1["supersedes"] is None and employee not in v1["appeals_open_employee_nos"]

    # a late appeal, accepted after v1: v2 names the employee
    late = sorted(e for e in paid if e != employee and paid[e]["grade"] == "QUALIFIED")[0]
    (landing / "appeals" / "appeals_late.csv").write_text(
        HEADER + f"APN2,{late},2026-10,learning,-1.5,学习积分重复计算,accepted,党建办,"
        "2026-11-09T11:00:00+08:00,2026-11-09T11:00:00+08:00\n",
        encoding="utf-8",
    )
    run_night(landing, home, "2026-11-10T01:30:00+08:00", **env)
    v2 = json.loads((hr / "2026-10" / "pioneer_index_2026-10_v2.manifest.json").read_text())
    assert v2["supersedes"] == 1 and v2["changed_employee_nos"] == [late]

    status = json.loads(pioneer("status", "--home", str(home), "--json").stdout)
    assert [(n["period"], n["notice_until"], n["path"]) for n in status["notices"]] == [
        ("2026-10", "2026-11-08", str(notice))
    ]
    doctor = pioneer("doctor", "--home", str(home))
    assert doctor.returncode == 0 and "home is healthy" in doctor.stdout, doctor.stdout + doctor.stderr
    audited = pioneer("audit", "--home", str(home))
    assert audited.returncode == 0, audited.stdout + audited.stderr
    assert f"ok {notice}" in audited.stdout and audited.stdout.count("ok ") == 4
