"""In-month warnings (动态预警) night by night through December, with the real CLI and a local
alert endpoint (docs/outputs.md, "Alerts"): the demo's open month is done through the 20th; a
branch's 主题党日 and 支部党员大会 are still pending on the 21st, at risk from the 25th (7 days
left), met the night after their meetings arrive, and missed on 1 January when the theme day was
cancelled and a 支部党员大会 attendee's check-in deleted (no quorum). The alert file is written
on a night whose export gate fails (KPI missing), a refused delivery fails the run and the next
run delivers the file under its idempotency key."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest
from echo_endpoint import EchoingEndpoint
from pioneer_cli import pioneer

OPEN_UNTIL = 20


def alert_file(home: Path, day: str) -> dict:
    return json.loads((home / "exports" / "alerts" / f"{day}.json").read_text(encoding="utf-8"))


def cadence(alerts: dict) -> set[tuple]:
    return {
        (a["code"], a["branch_id"], a["period"], a["requirement"], a["days_left"]) for a in alerts["cadence"]
    }


def mart(home: Path, sql: str, *params) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def night(landing: Path, home: Path, now: str, **env: str):
    return pioneer("run", "--sources", str(landing), "--home", str(home), "--now", now, **env)


def jsonl(path: Path, records: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


@pytest.fixture(scope="module")
def december(tmp_path_factory):
    """The demo (Oct–Nov complete, December through the 20th) with a third of November's KPI
    rows held back until the second night."""
    root = tmp_path_factory.mktemp("alerts")
    landing, home = root / "landing", root / "home"
    made = pioneer(
        "demo-data", "--out", str(landing), "--members", "60", "--months", "2", "--end", "2026-12",
        "--open-until", str(OPEN_UNTIL), "--seed", "3",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    kpi = landing / "performance" / "kpi_202611.csv"
    header, *lines = kpi.read_text(encoding="utf-8").splitlines(keepends=True)
    kpi.write_text(header + "".join(lines[1::3] + lines[2::3]), encoding="utf-8")
    late = header + "".join(lines[0::3])
    behind(landing, BRANCH)
    return landing, home, late


BRANCH = "B01"  # the branch behind on its cadence


def behind(landing: Path, branch: str) -> None:
    """``branch`` has held no 主题党日 and no 支部党员大会 this quarter: their records (every
    version) and their check-ins are taken out of the demo's landing zone, whose branches otherwise
    keep their cadence."""

    def rewrite(folder: Path, drop) -> list[dict]:
        dropped = []
        for path in sorted(folder.glob("*.jsonl")):
            kept = []
            for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
                try:
                    record = json.loads(line)
                except ValueError:  # the demo's malformed rows stay as they are
                    record = None
                if isinstance(record, dict) and drop(record):
                    dropped.append(record)
                else:
                    kept.append(line)
            path.write_text("".join(kept), encoding="utf-8")
        return dropped

    meeting = landing / "meeting"
    kinds = {(branch, "theme_day"), (branch, "branch_general")}
    ids = {
        r["meeting_id"]
        for r in rewrite(meeting / "meetings", lambda r: (r.get("branch_id"), r.get("type")) in kinds)
    }
    assert ids, f"the demo has no 主题党日 or 支部党员大会 of {branch}"
    rewrite(meeting / "meetings", lambda r: r.get("meeting_id") in ids)
    check_ins = {
        r["record_id"] for r in rewrite(meeting / "attendance", lambda r: r.get("meeting_id") in ids)
    }
    rewrite(meeting / "attendance", lambda r: r.get("record_id") in check_ins)


def test_a_month_of_alert_files(december):
    landing, home, late_kpi = december

    # 21 December: November's export fails its KPI coverage gate (exit 3); the alert file is still
    # written, from the warehouse the run published: November's misses, nothing at risk yet
    first = night(landing, home, "2026-12-21T01:30:00+08:00")
    assert first.returncode == 3, first.stdout + first.stderr
    alerts = alert_file(home, "2026-12-21")
    missed = mart(
        home,
        "select branch_id, period, requirement from marts.fct_branch_cadence_status where status = 'missed'",
    )
    assert {(b, p, r) for _, b, p, r, _ in cadence(alerts)} == set(missed)
    assert all(a["code"] == "cadence.missed" and a["period"] == "2026-11" for a in alerts["cadence"])
    assert alerts["completeness"] == []  # the 21st is past November's export day: too late to warn
    pending = mart(
        home,
        "select branch_id from marts.fct_branch_cadence_status where requirement = 'theme_day'"
        " and status = 'pending' intersect select branch_id from marts.fct_branch_cadence_status"
        " where requirement = 'branch_general' and status = 'pending' order by 1",
    )
    assert (BRANCH,) in pending, pending
    branch = BRANCH
    members = [
        e
        for (e,) in mart(
            home,
            "select employee_no from marts.fct_member_index_monthly where month = '2026-11'"
            " and branch_id = ? order by employee_no",
            branch,
        )
    ]

    # 25 December, 7 days left: every requirement still open is at risk; the endpoint refuses the
    # file (exit 1), the file is kept and the next run delivers it under its idempotency key
    (landing / "performance" / "kpi_202611_late.csv").write_text(late_kpi, encoding="utf-8")
    with EchoingEndpoint([400]) as refusing:
        refused = night(landing, home, "2026-12-25T01:30:00+08:00", PIONEER_ALERT_ENDPOINT_URL=refusing.url)
    assert refused.returncode == 1 and "delivery of alerts 2026-12-25.json failed" in refused.stderr
    alerts = alert_file(home, "2026-12-25")
    at_risk = {
        (a["branch_id"], a["requirement"]) for a in alerts["cadence"] if a["code"] == "cadence.at_risk"
    }
    still_open = mart(
        home, "select branch_id, requirement from marts.fct_branch_cadence_status where status = 'at_risk'"
    )
    assert at_risk == set(still_open) and {(branch, "theme_day"), (branch, "branch_general")} <= at_risk
    (theme_day,) = [
        a
        for a in alerts["cadence"]
        if (a["code"], a["branch_id"], a["requirement"]) == ("cadence.at_risk", branch, "theme_day")
    ]
    assert (
        theme_day["days_left"] == 7
        and "主题党日" in theme_day["message"]
        and "还剩 7 天" in theme_day["message"]
    )
    assert mart(home, "select count(*) from marts.fct_branch_cadence_status where status = 'pending'") == [
        (0,)
    ]
    with EchoingEndpoint([201]) as endpoint:
        delivered = night(
            landing, home, "2026-12-25T03:00:00+08:00",
            PIONEER_ALERT_ENDPOINT_URL=endpoint.url, PIONEER_ALERT_ENDPOINT_TOKEN="alert-token",
        )  # fmt: skip
    assert delivered.returncode == 0, delivered.stdout + delivered.stderr  # November exported now
    body = (home / "exports" / "alerts" / "2026-12-25.json").read_bytes()
    (post,) = endpoint.requests
    assert post["headers"]["Idempotency-Key"] == f"alerts-2026-12-25-{hashlib.sha256(body).hexdigest()}"
    assert post["headers"]["Authorization"] == "Bearer alert-token"

    # the branch holds its theme day and a quorate 支部党员大会 (3 of 4 due members) on the 25th
    meetings, attendance = landing / "meeting" / "meetings", landing / "meeting" / "attendance"
    meeting = {
        "branch_id": branch, "party_group": None, "title": "12月", "status": "held",
        "updated_at": "2026-12-25T18:00:00+08:00",
    }  # fmt: skip
    theme = meeting | {
        "meeting_id": "MTX1", "type": "theme_day", "due_user_ids": members,
        "start_time": "2026-12-25T09:00:00+08:00", "end_time": "2026-12-25T11:00:00+08:00",
    }  # fmt: skip
    general = meeting | {
        "meeting_id": "MTX2", "type": "branch_general", "due_user_ids": members[:4],
        "start_time": "2026-12-25T14:00:00+08:00", "end_time": "2026-12-25T16:00:00+08:00",
    }  # fmt: skip
    jsonl(meetings / "meetings_2026-12-25.jsonl", [theme, general])
    check_ins = [
        {"record_id": f"ATX{i}", "meeting_id": "MTX2", "user_id": e, "mode": "onsite",
         "join_time": "2026-12-25T13:55:00+08:00", "leave_time": None, "updated_at": "2026-12-25T13:55:00+08:00"}
        for i, e in enumerate(members[:3])
    ]  # fmt: skip
    jsonl(attendance / "attendance_2026-12-25.jsonl", check_ins)

    assert night(landing, home, "2026-12-26T01:30:00+08:00").returncode == 0
    alerts = alert_file(home, "2026-12-26")
    assert {(branch, "theme_day"), (branch, "branch_general")}.isdisjoint(
        (a["branch_id"], a["requirement"]) for a in alerts["cadence"] if a["period"] != "2026-11"
    )
    assert mart(
        home,
        "select requirement, status, meeting_ids from marts.fct_branch_cadence_status where branch_id = ?"
        " and requirement in ('theme_day', 'branch_general') and is_open order by 1",
        branch,
    ) == [("branch_general", "met", "MTX2"), ("theme_day", "met", "MTX1")]

    # then the theme day is cancelled and one check-in is deleted: 2 of 4 is no quorum
    jsonl(
        meetings / "meetings_2026-12-27.jsonl",
        [theme | {"status": "cancelled", "updated_at": "2026-12-27T10:00:00+08:00"}],
    )
    jsonl(
        attendance / "attendance_2026-12-27.jsonl",
        [{"record_id": "ATX0", "updated_at": "2026-12-27T10:00:00+08:00", "deleted": True}],
    )

    # 1 January: December and the fourth quarter have ended: both requirements are missed
    assert night(landing, home, "2027-01-01T01:30:00+08:00").returncode == 0
    alerts = alert_file(home, "2027-01-01")
    assert {
        ("cadence.missed", branch, "2026-12", "theme_day", 0),
        ("cadence.missed", branch, "2026-Q4", "branch_general", 0),
    } <= cadence(alerts)
    assert {a["period"] for a in alerts["cadence"]} <= {"2026-12", "2026-Q4"}  # November's are gone
    assert sorted(p.name for p in (home / "exports" / "alerts").glob("*.json")) == [
        "2026-12-21.json", "2026-12-25.json", "2026-12-26.json", "2027-01-01.json",
    ]  # fmt: skip
    record = json.loads(sorted((home / "runs").glob("run_*.json"))[-1].read_text())
    assert record["alerts"]["file"].endswith("2027-01-01.json") and record["alerts"]["cadence_missed"] >= 2
