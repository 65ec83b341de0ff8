"""DAG integrity: every DAG file imports, the nightly DAG is scheduled and wired as specified, and
``airflow dags test pioneer_nightly <date>`` runs ingest → dbt → validate → export in one DAG run."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from airflow_harness import (
    DAGS,
    LOGICAL_DATE,
    REPO,
    airflow_env,
    assert_published,
    dags_test,
    prepare_airflow,
)

from ingest.schema import SOURCES

DAG_IDS = {"pioneer_nightly", "pioneer_ingest", "pioneer_refresh", "pioneer_audit"}


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import BundleDagBag

    return BundleDagBag(dag_folder=DAGS, bundle_path=DAGS)


def test_every_dag_file_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dags) == DAG_IDS


PARSE_CHECK = """
import sys
from airflow.dag_processing.dagbag import BundleDagBag

bag = BundleDagBag(dag_folder=sys.argv[1], bundle_path=sys.argv[1])
assert not bag.import_errors, bag.import_errors
heavy = {"duckdb", "pandas", "pyarrow", "numpy", "great_expectations", "dbt", "altair", "pioneer.pipeline"}
print(sorted(name for name in sys.modules if name in heavy or name.split(".")[0] in heavy))
"""


def test_parsing_the_dag_files_imports_no_pipeline_code():
    """The DAG processor re-parses dags/ every few minutes and before every task: the files name
    the tasks and their wiring only; the stages' modules (DuckDB, pandas, GX, dbt) load in the task."""
    parsed = subprocess.run(
        [sys.executable, "-c", PARSE_CHECK, str(DAGS)],
        env=os.environ | {"PYTHONPATH": f"{REPO}:{DAGS}"}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert parsed.returncode == 0, parsed.stderr[-3000:]
    assert parsed.stdout.strip().splitlines()[-1] == "[]", parsed.stdout


def test_no_cycles_owners_retries_tags(dagbag):
    for dag in dagbag.dags.values():
        dag.check_cycle()
        assert dag.tags and "pioneer" in dag.tags, dag.dag_id
        assert not dag.catchup and dag.max_active_runs == 1, dag.dag_id
        for task in dag.tasks:
            assert task.owner == "pioneer-data", task.task_id
            assert task.retries >= 1, task.task_id


def test_nightly_schedule_is_0130_shanghai(dagbag):
    from airflow.sdk import CronTriggerTimetable

    dag = dagbag.dags["pioneer_nightly"]
    assert isinstance(dag.timetable, CronTriggerTimetable)
    assert dag.timetable.expression == "30 1 * * *"
    assert str(dag.timetable.timezone) == dag.timezone.name == "Asia/Shanghai"
    assert dag.start_date.astimezone(dag.timezone).utcoffset().total_seconds() == 8 * 3600


def test_nightly_wiring(dagbag):
    dag = dagbag.dags["pioneer_nightly"]
    pools = json.loads((DAGS / "pools.json").read_text())
    transform, export, summary = (dag.get_task(t) for t in ("transform", "export", "summary"))
    events = set()
    for source in SOURCES:
        ingest = dag.get_task(f"ingest_{source}")
        assert [a.uri for a in ingest.outlets] == [f"pioneer://events/{source}"]
        assert ingest.execution_timeout and ingest.pool == f"pioneer_ingest_{source}"
        assert ingest.downstream_task_ids == {"transform", "summary"}
        events |= {a.uri for a in ingest.outlets}
    assert {a.uri for a in transform.inlets} == events
    assert transform.pool == export.pool == "pioneer_duckdb"
    assert all(pools[t.pool]["slots"] == 1 for t in dag.tasks if t.pool != "default_pool")
    assert export.upstream_task_ids == {"transform"}
    alerts = dag.get_task(
        "alerts"
    )  # after the exports, also when one failed its gate; not without a warehouse
    assert alerts.upstream_task_ids == {"transform", "export"} and alerts.pool == "pioneer_duckdb"
    assert alerts.trigger_rule == "all_done_min_one_success"
    assert summary.is_teardown and not summary.on_failure_fail_dagrun  # records failures; stages decide
    assert summary.upstream_task_ids == {t.task_id for t in dag.tasks} - {"summary"}


def test_refresh_is_scheduled_on_the_events_assets(dagbag):
    dag = dagbag.dags["pioneer_refresh"]
    uris = {a.uri for a in dag.timetable.asset_condition.objects}
    assert uris == {f"pioneer://events/{s}" for s in SOURCES}
    assert dag.get_task("transform").pool == "pioneer_duckdb"


def test_audit_is_manual_and_fails_on_a_mismatch(dagbag, tmp_path, monkeypatch):
    """``pioneer_audit`` is triggered by hand, runs ``pioneer.replay.audit`` in the DuckDB pool and
    fails its task (no retry) when a published file does not follow from the events."""
    import pioneer_audit
    from airflow.sdk.exceptions import AirflowFailException

    from pioneer import replay

    dag = dagbag.dags["pioneer_audit"]
    assert type(dag.timetable).__name__ == "NullTimetable" and [t.task_id for t in dag.tasks] == ["audit"]
    assert dag.get_task("audit").pool == "pioneer_duckdb"
    monkeypatch.setenv("PIONEER_HOME", str(tmp_path))
    seen = []

    def fake_audit(home, lines):
        seen.append(home)
        return replay.AuditReport(lines)

    ok = [replay.AuditLine(tmp_path / "a.csv", True)]
    monkeypatch.setattr(replay, "audit", lambda home: fake_audit(home, ok))
    assert pioneer_audit.audit.function() == {"files_audited": 1}
    bad = [*ok, replay.AuditLine(tmp_path / "b.csv", False, "line 2: re-derived 'x', published 'y'")]
    monkeypatch.setattr(replay, "audit", lambda home: fake_audit(home, bad))
    with pytest.raises(AirflowFailException, match=r"1 of 2 .*MISMATCH .*b\.csv: line 2"):
        pioneer_audit.audit.function()
    assert seen == [tmp_path, tmp_path]


def test_settings_come_from_airflow_connections(monkeypatch):
    from pioneer_tasks import connection_settings

    monkeypatch.setenv(
        "AIRFLOW_CONN_PIONEER_MEETING_API",
        json.dumps({"conn_type": "http", "host": "meeting.example", "schema": "https", "password": "t1"}),
    )
    monkeypatch.setenv(
        "AIRFLOW_CONN_PIONEER_PERFORMANCE_DB",
        json.dumps(
            {
                "conn_type": "postgres",
                "host": "db",
                "port": 5432,
                "login": "u",
                "password": "p@ss",
                "schema": "kpi",
            }
        ),
    )
    assert connection_settings() == {
        "meeting_api_url": "https://meeting.example",
        "meeting_api_token": "t1",
        "performance_db_url": "postgresql+psycopg2://u:p%40ss@db:5432/kpi",
    }


def night_in_airflow(tmp: Path, landing: Path, **extra: str) -> tuple[subprocess.CompletedProcess, Path]:
    """``airflow dags test pioneer_nightly LOGICAL_DATE`` with its own AIRFLOW_HOME on SQLite."""
    home = tmp / "home"
    env = airflow_env(tmp / "airflow", home, landing, **extra)
    prepare_airflow(env)
    return dags_test(env), home


def last_record(home: Path) -> dict:
    return json.loads(max((home / "runs").glob("run_*.json"), key=lambda p: p.stat().st_mtime_ns).read_text())


@pytest.mark.slow
def test_dags_test_runs_the_whole_night(tmp_path, landing):
    ran, home = night_in_airflow(tmp_path, landing)
    log = ran.stdout[-4000:] + ran.stderr[-4000:]
    assert ran.returncode == 0, log
    assert "state=success" in ran.stdout + ran.stderr, log
    assert_published(home)
    record = last_record(home)
    assert record["status"] == "success"
    assert record["started_at"] == dt.datetime.fromisoformat(LOGICAL_DATE).isoformat()  # clock = logical date
    assert set(record["ingest"]) == set(SOURCES)
    alerts = Path(record["alerts"]["file"])  # the alerts task wrote the day's file (动态预警)
    assert alerts.name == f"{dt.datetime.fromisoformat(LOGICAL_DATE):%Y-%m-%d}.json" and alerts.exists()
    assert set(json.loads(alerts.read_text())) == {"date", "counts", "cadence", "completeness"}


@pytest.mark.slow
def test_a_failed_gate_fails_the_run_and_is_recorded(tmp_path, landing):
    ran, home = night_in_airflow(tmp_path, landing, PIONEER_MIN_KPI_COVERAGE="1")
    assert "state=failed" in ran.stdout + ran.stderr, ran.stdout[-4000:] + ran.stderr[-4000:]
    record = last_record(home)
    assert record["status"] == "validation_failed", record
