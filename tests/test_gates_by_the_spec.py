"""The gates judge by the spec, through the real CLI (docs/outputs.md, "One clock per run" and "Gates
judge by the spec"): a tie at the PIONEER cut-off publishes, a few bad rows publish with a
warning, a broken delivery stops the run with or without ``--now``, a clock wound back is
refused, and a relative ``--home`` means its absolute path.

The landing is written by hand so that every score is known: 35 full members of one branch,
each with a full month of learning points (20), 8 verified service hours (10), KPI 100 (25) and
no meeting due (25): base 80 each. Admin bonus items lift five of them to 95, 92, 91, 91 and 89,
so with floor(0.10 x 35) = 3 the ranks are 1, 2, 3, 3, 5: four PIONEERs (docs/scoring.md, RANK()).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path

import pytest
from pioneer_cli import PIONEER

MEMBERS = 35
NIGHT = "2026-10-06T02:00:00+08:00"  # September's export day (5 October) has begun
BONUSES = {1: 15, 2: 12, 3: 11, 4: 11, 5: 9}  # member number → admin bonus points
BROKEN_DELIVERY_RULE = (
    "a delivery is broken when at least gate_min_rows of its rows, and more than max_quarantine_rate "
    "of them, were quarantined"
)


def employee(i: int) -> str:
    return f"SG{i:07d}"


def write(path: Path, lines: list[str], encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))


def landing(root: Path, *, bad_admin_rows: int = 0, bad_kpi_rows: int = 0) -> Path:
    """The hand-built landing of the module docstring, with bad rows added on request."""
    members = range(1, MEMBERS + 1)
    write(
        root / "roster" / "roster_2026-09-01.csv",
        ["member_id,employee_no,name,gender,phone,branch_id,party_group,status,status_since"]
        + [f"M{i:06d},{employee(i)},党员{i},M,1380000{i:04d},B01,,full,2020-01-01" for i in members],
    )
    write(
        root / "roster" / "branches_2026-09-01.csv",
        ["branch_id,branch_name,department_id,department_name", "B01,第一党支部,D01,运维检修部"],
    )
    write(
        root / "learning" / "points_2026-09-30.csv",
        ["姓名,手机号,日期,当日积分,累计积分"]
        + [f"党员{i},1380000{i:04d},2026-09-15,300,300" for i in members],
    )
    write(
        root / "meeting" / "service-records" / "2026-09.jsonl",
        [
            json.dumps(
                {
                    "record_id": f"SR{i:04d}",
                    "user_id": employee(i),
                    "kind": "red_grid",
                    "grid_id": None,
                    "start_time": "2026-09-10T08:00:00+08:00",
                    "end_time": "2026-09-10T16:00:00+08:00",
                    "verified": True,
                    "description": "红色网格值守",
                    "updated_at": "2026-09-11T09:00:00+08:00",
                }
            )
            for i in members
        ],
    )
    kpi = [f"{employee(i)},202609,100,A,2026-10-02T10:00:00+08:00" for i in members]
    kpi += [f"{employee(i)},202609,not-a-number,A,2026-10-02T10:00:00+08:00" for i in range(bad_kpi_rows)]
    write(root / "performance" / "kpi_202609.csv", ["employee_no,period,kpi_score,rating,updated_at", *kpi])
    items = [
        f"AI{i:04d},{employee(i)},2026-09,bonus,{points},先进事迹,党建办,2026-09-28T10:00:00+08:00,approved"
        for i, points in BONUSES.items()
    ]
    items += [  # revoked: no effect, but rows of the delivery
        f"AR{i:04d},{employee(6 + i % 30)},2026-09,bonus,1,撤销,党建办,2026-09-28T10:00:00+08:00,revoked"
        for i in range(40 - len(BONUSES) - bad_admin_rows)
    ]
    items += [
        f"AX{i:04d},{employee(i)},2026-09,bonus,lots,无效,党建办,2026-09-28T10:00:00+08:00,approved"
        for i in range(1, bad_admin_rows + 1)
    ]
    write(
        root / "admin" / "items_2026-09.csv",
        ["item_id,employee_no,month,kind,points,reason,approved_by,approved_at,status", *items],
    )
    return root


def cli(*args: str, cwd: Path, now: str | None = NIGHT) -> subprocess.CompletedProcess:
    """``pioneer`` in a subprocess from ``cwd`` (relative paths), with the real clock when ``now`` is None."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIONEER_")}
    clock = ["--now", now] if now and args[0] == "run" else []
    return subprocess.run([*PIONEER, *args, *clock], cwd=cwd, capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    """One night on the hand-built landing (3 bad rows of a 40-row admin file), relative paths."""
    root = tmp_path_factory.mktemp("gates")
    landing(root / "landing", bad_admin_rows=3)
    done = cli("run", "--sources", "landing", "--home", "home", cwd=root)
    return root, done


def test_a_tie_at_the_pioneer_cut_off_publishes(night):
    root, done = night
    assert done.returncode == 0, done.stderr
    exported = root / "home" / "exports" / "hr" / "2026-09" / "pioneer_index_2026-09_v1.csv"
    rows = {r["employee_no"]: r for r in csv.DictReader(exported.open())}
    assert len(rows) == MEMBERS
    scores = {employee(i): f"{80 + points:.2f}" for i, points in BONUSES.items()}
    assert {e: rows[e]["pioneer_index"] for e in scores} == scores
    pioneers = sorted(e for e, r in rows.items() if r["grade"] == "PIONEER")
    assert pioneers == [employee(i) for i in (1, 2, 3, 4)]  # ranks 1, 2, 3, 3 of 35 (limit 3)
    assert rows[employee(5)]["grade"] == "QUALIFIED"  # 89: below the PIONEER cut-off
    assert rows[employee(6)]["grade"] == "QUALIFIED" and rows[employee(6)]["pioneer_index"] == "80.00"


def test_a_few_bad_rows_publish_with_a_warning(night):
    root, done = night
    assert done.returncode == 0, done.stderr
    assert "warning: rows of the delivery were quarantined and loaded around" in done.stdout
    assert '"entity": "item", "rows": 40, "quarantined": 3' in done.stdout
    record = json.loads(Path(done.stdout.split("run record: ")[1].strip()).read_text())
    admin = [v for v in record["gates"] if v["gate"] == "source:admin" and v["suite"] == "source_quarantine"]
    assert admin and admin[0]["passed"] and admin[0]["warnings"][0]["unexpected_count"] == 1  # one delivery
    assert record["status"] == "success" and record["failed_gate"] is None
    status = cli("status", "--home", "home", cwd=root)
    assert "rows of the delivery were quarantined and loaded around" in status.stdout


def test_relative_home_means_its_absolute_path(night):
    root, _ = night
    record = json.loads((next((root / "home" / "runs").glob("run_*.json"))).read_text())
    assert record["transform"]["models"] > 0 and record["transform"]["tests"] > 0
    assert record["warehouse"] == str(root / "home" / "warehouse.duckdb")
    assert (root / "home" / "dbt" / "target" / "run_results.json").exists()
    assert not (Path(__file__).parents[1] / "dbt_project" / "home").exists()


def test_a_clock_wound_back_is_refused(night):
    root, _ = night
    before = sorted((root / "home").rglob("*"))
    refused = cli("run", "--sources", "landing", "--home", "home", cwd=root, now="2026-10-05T23:00:00+08:00")
    assert refused.returncode == 2
    assert "2026-10-05T23:00:00+08:00" in refused.stderr and "2026-10-06T02:00:00+08:00" in refused.stderr
    assert sorted((root / "home").rglob("*")) == before  # nothing touched


@pytest.mark.parametrize("now", [NIGHT, None], ids=["with --now", "real clock"])
def test_a_delivery_with_most_rows_bad_stops_the_run(tmp_path, now):
    landing(tmp_path / "landing", bad_kpi_rows=40)  # 40 of 75 KPI rows bad
    stopped = cli("run", "--sources", "landing", "--home", "home", cwd=tmp_path, now=now)
    assert stopped.returncode == 3, stopped.stdout + stopped.stderr
    assert BROKEN_DELIVERY_RULE in stopped.stderr
    assert not (tmp_path / "home" / "warehouse.duckdb").exists()  # stopped before the marts

    shown = cli("status", "--home", "home", "--json", cwd=tmp_path)
    last = json.loads(shown.stdout)["last_run"]
    assert last["status"] == "validation_failed"
    (failure,) = last["failed_gate"]["failures"]
    assert failure["gate"] == "source:performance" and failure["rule"] == BROKEN_DELIVERY_RULE
    assert failure["offending_rows"] == [
        {
            "source": "performance",
            "entity": "kpi",
            "rows": 75,
            "quarantined": 40,
            "quarantine_rate": pytest.approx(40 / 75),
        }
    ]
    text = cli("status", "--home", "home", cwd=tmp_path).stdout
    assert "failed gate: source gate failed for performance" in text and BROKEN_DELIVERY_RULE in text
