"""`make run`'s path on a small generated organisation: demo-data → run → status → explain."""

import json

import duckdb
import pytest
from pioneer_cli import demo_data, pioneer

NOW = "2026-11-06T01:30:00+08:00"


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    landing, home = root / "landing", root / "home"
    demo_data(landing, members=80, months=3, seed=7)
    ran = pioneer("run", "--sources", str(landing), "--home", str(home), "--now", NOW)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    return landing, home, ran


def test_run_summary_names_events_quarantine_and_months(first_run):
    _, _, ran = first_run
    assert "events added per source" in ran.stdout
    assert "quarantined rows per source and reason" in ran.stdout
    assert "months rebuilt: 2026-08, 2026-09, 2026-10" in ran.stdout


def test_marts_hold_every_complete_month_with_scores_in_range(first_run):
    _, home, _ = first_run
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        months = [
            r[0]
            for r in con.execute(
                "select distinct month from marts.fct_member_index_monthly order by 1"
            ).fetchall()
        ]
        assert months == ["2026-08", "2026-09", "2026-10"]
        low, high = con.execute(
            "select min(index_score), max(index_score) from marts.fct_member_index_monthly"
        ).fetchone()
        assert 0 <= low <= high <= 100
        assert con.execute("select count(*) from marts.dim_member").fetchone()[0] > 80


def test_status_counts_what_the_run_stored(first_run):
    _, home, _ = first_run
    status = pioneer("status", "--home", str(home), "--json")
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert all(n > 0 for n in report["events"]["by_source"].values()), report["events"]
    assert report["quarantine"]["total"] > 0  # the demo carries a few malformed rows
    assert report["last_run"]["status"] == "success"


def test_second_run_on_the_same_landing_adds_no_events(first_run):
    landing, home, _ = first_run
    again = pioneer(
        "run", "--sources", str(landing), "--home", str(home), "--now", "2026-11-07T01:30:00+08:00"
    )
    assert again.returncode == 0, again.stderr
    report = json.loads(pioneer("status", "--home", str(home), "--json").stdout)
    added = {
        source: sum(done["events_added"].values()) for source, done in report["last_run"]["ingest"].items()
    }
    assert added == {source: 0 for source in report["events"]["by_source"]}


def test_explain_prints_the_ledger_ending_in_index_and_grade(first_run):
    _, home, _ = first_run
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        employee_no, index = con.execute(
            "select employee_no, index_score from marts.fct_member_index_monthly where month = '2026-10' order by employee_no limit 1"
        ).fetchone()
    shown = pioneer("explain", "--home", str(home), "--employee-no", employee_no, "--month", "2026-10")
    assert shown.returncode == 0, shown.stderr
    assert f"index {index}" in shown.stdout and "grade" in shown.stdout
