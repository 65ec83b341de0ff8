"""A failed source gate sticks (issue 23): the delivery it stopped is held back on the nights after,
until an operator accepts it; through the real CLI on the hand-built landing of
test_gates_by_the_spec.py (35 members, September 2026 exported from 6 October).

Night A publishes September with SG0000035's KPI missing (34 of 35: coverage passes, the manifest
lists SG0000035). Night B delivers a late KPI file with SG0000035's KPI and 25 bad rows of 40:
its gate stops the run (exit 3) and holds it. Night C delivers nothing: it passes (exit 0), but
SG0000035's KPI stays out of the marts and no restatement is published. `pioneer accept` of the
held batch, then night D uses it: September v2 corrects SG0000035.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import duckdb
import pytest
from test_gates_by_the_spec import MEMBERS, cli, employee, landing, write

NIGHT_A = "2026-10-06T02:00:00+08:00"
NIGHT_B = "2026-10-07T02:00:00+08:00"
NIGHT_C = "2026-10-08T02:00:00+08:00"
ACCEPTED_AT = "2026-10-08T09:00:00+08:00"
NIGHT_D = "2026-10-09T02:00:00+08:00"
LATE = "kpi_202609_late.csv"
LATE_EMPLOYEE = employee(MEMBERS)  # SG0000035
KPI_HEADER = "employee_no,period,kpi_score,rating,updated_at"


def kpi_line(i: int) -> str:
    return f"{employee(i)},202609,100,A,2026-10-02T10:00:00+08:00"


def kpi_of(root: Path, employee_no: str, month: str = "2026-09") -> tuple:
    with duckdb.connect(str(root / "home" / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "select kpi_missing, performance from marts.fct_member_index_monthly where employee_no = ? and month = ?",
            [employee_no, month],
        ).fetchone()


def versions(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "home" / "exports" / "hr" / "2026-09").glob("*.csv"))


def status(root: Path) -> dict:
    shown = cli("status", "--home", "home", "--json", cwd=root)
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    """The four nights of the module docstring, with what each printed and the state in between."""
    root = tmp_path_factory.mktemp("held")
    landing(root / "landing")
    write(  # SG0000035's KPI is not in September's file
        root / "landing" / "performance" / "kpi_202609.csv",
        [KPI_HEADER, *(kpi_line(i) for i in range(1, MEMBERS))],
    )
    seen: dict = {}
    run = ("run", "--sources", "landing", "--home", "home")
    seen["A"] = cli(*run, cwd=root, now=NIGHT_A)
    seen["A_kpi"] = kpi_of(root, LATE_EMPLOYEE)
    late = [kpi_line(MEMBERS), *(kpi_line(i) for i in range(1, 15))]  # 14 re-sent rows add nothing
    late += [f"{employee(i)},202609,n/a,A,2026-10-02T10:00:00+08:00" for i in range(1, 26)]
    write(root / "landing" / "performance" / LATE, [KPI_HEADER, *late])
    seen["B"] = cli(*run, cwd=root, now=NIGHT_B)
    seen["B_status"] = status(root)
    seen["B_status_text"] = cli("status", "--home", "home", cwd=root)
    seen["C"] = cli(*run, cwd=root, now=NIGHT_C)
    seen["C_kpi"] = kpi_of(root, LATE_EMPLOYEE)
    seen["C_versions"] = versions(root)
    seen["C_status"] = status(root)
    held = seen["B_status"].get("held") or []  # (no such key before issue 23)
    batch = held[0]["batch_id"] if held else "none"
    seen["accept_unknown"] = cli(
        "accept", "--home", "home", "--batch", "19990101T000000-performance-001", cwd=root
    )
    seen["accept"] = cli("accept", "--home", "home", "--batch", batch, "--now", ACCEPTED_AT, cwd=root)
    seen["accept_again"] = cli("accept", "--home", "home", "--batch", batch, "--now", ACCEPTED_AT, cwd=root)
    seen["D"] = cli(*run, cwd=root, now=NIGHT_D)
    seen["D_kpi"] = kpi_of(root, LATE_EMPLOYEE)
    seen["D_status"] = status(root)
    return root, seen


def test_night_a_publishes_september_without_the_late_kpi(nights):
    root, seen = nights
    assert seen["A"].returncode == 0, seen["A"].stderr
    assert seen["A_kpi"][0] is True
    manifest = json.loads(
        (root / "home/exports/hr/2026-09/pioneer_index_2026-09_v1.manifest.json").read_text()
    )
    assert manifest["kpi_missing_employee_nos"] == [LATE_EMPLOYEE]


def test_a_broken_delivery_stops_the_run_naming_file_count_and_rate(nights):
    _, seen = nights
    stopped = seen["B"]
    assert stopped.returncode == 3, stopped.stdout + stopped.stderr
    message = stopped.stderr
    assert (
        "source gate failed for performance/kpi: 25 of 40 rows quarantined (62.5 % > 5 %) in " + LATE
        in message
    )
    (held,) = seen["B_status"]["held"]
    assert re.fullmatch(r"20261007T020000-performance-\d{3}", held["batch_id"])
    assert f"held batch {held['batch_id']}" in message
    assert f"pioneer accept --batch {held['batch_id']}" in message
    assert (held["source"], held["entity"], held["files"]) == ("performance", "kpi", [LATE])
    assert held["since"] == NIGHT_B and "25 of 40 rows quarantined (62.5 % > 5 %)" in held["reason"]
    assert seen["B_status"]["last_run"]["held"] == [held]  # the run record keeps it too
    for key in ("events", "quarantine", "exports", "last_run"):  # status keeps every key it had
        assert key in seen["B_status"]
    text = seen["B_status_text"].stdout
    assert "held deliveries (not used by the marts or exports): 1" in text
    assert held["batch_id"] in text and LATE in text and "62.5 %" in text


def test_the_night_after_passes_without_the_held_delivery(nights):
    _, seen = nights
    after = seen["C"]
    assert after.returncode == 0, after.stdout + after.stderr
    assert seen["C_kpi"][0] is True  # SG0000035's KPI of the held file is not used
    assert seen["C_versions"] == ["pioneer_index_2026-09_v1.csv"]  # no restatement with it
    assert [h["batch_id"] for h in seen["C_status"]["held"]] == [seen["B_status"]["held"][0]["batch_id"]]
    assert "held deliveries (not used by the marts or exports): 1" in after.stdout
    record = json.loads(Path(after.stdout.split("run record: ")[1].strip()).read_text())
    assert [h["files"] for h in record["held"]] == [[LATE]]


def test_accept_refuses_a_batch_that_is_not_held(nights):
    _, seen = nights
    unknown = seen["accept_unknown"]
    assert unknown.returncode == 2
    assert "batch 19990101T000000-performance-001 is not held" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1
    again = seen["accept_again"]
    assert again.returncode == 2 and "its delivery is accepted" in again.stderr


def test_an_accepted_delivery_is_used_by_the_next_night(nights):
    root, seen = nights
    assert seen["accept"].returncode == 0, seen["accept"].stderr
    assert f"accepted {seen['B_status']['held'][0]['batch_id']}" in seen["accept"].stdout
    night = seen["D"]
    assert night.returncode == 0, night.stdout + night.stderr
    assert seen["D_kpi"][0] is False and seen["D_kpi"][1] > 0
    assert seen["D_status"]["held"] == []
    assert "months rebuilt: 2026-09" in night.stdout
    v2 = root / "home/exports/hr/2026-09/pioneer_index_2026-09_v2.csv"
    manifest = json.loads(v2.with_name("pioneer_index_2026-09_v2.manifest.json").read_text())
    assert manifest["changed_employee_nos"] == [LATE_EMPLOYEE]
    assert manifest["kpi_missing_employee_nos"] == []
    rows = {r["employee_no"]: r for r in csv.DictReader(v2.open())}
    assert len(rows) == MEMBERS
