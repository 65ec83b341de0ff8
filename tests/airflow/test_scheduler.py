"""The real thing: ``airflow api-server``, ``dag-processor`` and ``scheduler`` (LocalExecutor) on a
PostgreSQL metadata database run ``pioneer_nightly``; a scheduler killed mid-transform recovers
and the run ends with the same warehouse and exports as an undisturbed one.

Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth); each stack creates its own
database ``pioneer_airflow_<random>`` and drops only that one.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import psutil
import psycopg2
import pytest
from airflow_harness import (
    AIRFLOW,
    DAGS,
    LOGICAL_DATE,
    airflow_env,
    assert_published,
    export_files,
    member_index,
)

from ingest.schema import SOURCES

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "postgres"}
PASSWORD = secrets.token_hex(8)
RUN_TIMEOUT = 900  # seconds; one run takes about a minute and a half on two cores


def postgres(sql: str) -> None:
    con = psycopg2.connect(**PG)
    con.autocommit = True
    try:
        con.cursor().execute(sql)
    finally:
        con.close()


def postgres_available() -> bool:
    try:
        postgres("select 1")
    except psycopg2.OperationalError:
        return False
    return True


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not postgres_available(), reason="needs PostgreSQL at 127.0.0.1:5432"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check, timeout: float, every: float = 1.0):
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if result := check():
                return result
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class AirflowStack:
    """api-server + dag-processor + scheduler on a fresh PostgreSQL database; processes in own groups."""

    def __init__(self, root: Path, landing: Path) -> None:
        self.root, self.home = root, root / "home"
        self.database = f"pioneer_airflow_{secrets.token_hex(4)}"
        self.port = free_port()
        self.procs: dict[str, subprocess.Popen] = {}
        self.api = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)
        airflow_home = root / "airflow"
        airflow_home.mkdir(parents=True)
        (airflow_home / "simple_auth_manager_passwords.json.generated").write_text(
            json.dumps({"admin": PASSWORD})
        )
        self.env = airflow_env(
            airflow_home,
            self.home,
            landing,
            AIRFLOW__CORE__EXECUTOR="LocalExecutor",
            AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"postgresql+psycopg2://postgres@127.0.0.1:5432/{self.database}",
            AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{self.port}/execution/",
            AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="admin:admin",
            AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE="False",  # only triggered runs (no cron, no assets)
            # a killed scheduler's tasks are reset (and re-run) within ~half a minute, not 5 minutes
            AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_THRESHOLD="20",
            AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL="10",
        )

    def up(self, *dag_ids: str) -> AirflowStack:
        """Create and migrate the database, start the components, wait for the DAGs, unpause them."""
        postgres(f"create database {self.database}")
        for cmd in (["db", "migrate"], ["pools", "import", str(DAGS / "pools.json")]):
            done = subprocess.run([AIRFLOW, *cmd], env=self.env, capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        for component in ("api-server", "dag-processor", "scheduler"):
            self.start(component)
        wait_for("the api-server", lambda: self.api.get("/api/v2/monitor/health").status_code == 200, 180)
        token = self.api.post("/auth/token", json={"username": "admin", "password": PASSWORD})
        token.raise_for_status()
        self.api.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        for dag_id in dag_ids or ("pioneer_nightly",):
            wait_for(
                f"{dag_id} to be parsed", lambda d=dag_id: self.api.get(f"/api/v2/dags/{d}").is_success, 180
            )
            self.pause(dag_id, False)
        return self

    def pause(self, dag_id: str, paused: bool = True) -> None:
        self.api.patch(f"/api/v2/dags/{dag_id}", json={"is_paused": paused}).raise_for_status()

    def start(self, component: str, **env: str) -> None:
        cmd = [AIRFLOW, component] + (["--port", str(self.port)] if component == "api-server" else [])
        with open(self.root / f"{component}.log", "ab") as log:
            self.procs[component] = subprocess.Popen(
                cmd, env=self.env | env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def kill(self, component: str) -> None:
        """SIGKILL a component and every process it started (as when its container dies)."""
        proc = self.procs.pop(component)
        with contextlib.suppress(psutil.NoSuchProcess):
            tree = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
            for p in tree:
                with contextlib.suppress(psutil.NoSuchProcess):
                    p.send_signal(signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def close(self) -> None:
        for component in list(self.procs):
            self.kill(component)
        self.api.close()
        postgres(f"drop database if exists {self.database} with (force)")

    def trigger(self, logical_date: str | None, dag_id: str = "pioneer_nightly", **conf) -> str:
        run_id = f"test_{secrets.token_hex(4)}"
        body = {"dag_run_id": run_id, "logical_date": logical_date, "conf": conf}
        self.api.post(f"/api/v2/dags/{dag_id}/dagRuns", json=body).raise_for_status()
        return run_id

    def runs(self, dag_id: str) -> list[dict]:
        return self.api.get(f"/api/v2/dags/{dag_id}/dagRuns").json()["dag_runs"]

    def task_instances(self, run_id: str, dag_id: str = "pioneer_nightly") -> dict[str, dict]:
        found = self.api.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances").json()
        return {ti["task_id"]: ti for ti in found["task_instances"]}

    def wait_finished(self, run_id: str, dag_id: str = "pioneer_nightly") -> str:
        def finished():
            state = self.api.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}").json()["state"]
            return state in ("success", "failed") and state

        return wait_for(f"{dag_id} run {run_id} to finish", finished, RUN_TIMEOUT, every=3)

    def diagnosis(self, run_id: str, dag_id: str = "pioneer_nightly") -> str:
        """Task states and the tail of every log, for assertion messages."""
        states = {t: ti["state"] for t, ti in self.task_instances(run_id, dag_id).items()}
        logs = sorted(self.root.glob("airflow/logs/**/*.log")) + sorted(self.root.glob("*.log"))
        tails = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-1500:]}" for p in logs)
        return f"{states}\n{tails}"


def dbt_running(pid: int) -> bool:
    """Whether a dbt process runs below ``pid`` (the transform task is building the candidate)."""

    def command(process: psutil.Process) -> str:
        try:
            return " ".join(process.cmdline())
        except psutil.Error:  # exited meanwhile, or a zombie
            return ""

    try:
        return any("dbt" in command(p) for p in psutil.Process(pid).children(recursive=True))
    except psutil.Error:
        return False


@pytest.fixture
def stack(tmp_path, landing):
    """A stack of its own (started by the test), always torn down."""
    stack = AirflowStack(tmp_path, landing)
    try:
        yield stack
    finally:
        stack.close()


@pytest.fixture(scope="module")
def nightly(tmp_path_factory, landing):
    """A stack after one undisturbed night; yields it with the member index and exports of that night.

    pioneer_refresh is unpaused from the start so that the night's asset events are queued for it.
    """
    stack = AirflowStack(tmp_path_factory.mktemp("undisturbed"), landing)
    try:
        run_id = stack.up("pioneer_nightly", "pioneer_refresh").trigger(LOGICAL_DATE)
        assert stack.wait_finished(run_id) == "success", stack.diagnosis(run_id)
        yield stack, member_index(stack.home), export_files(stack.home)
    finally:
        stack.close()


def test_scheduler_runs_the_nightly_dag(nightly):
    stack, _, _ = nightly
    assert_published(stack.home)
    record = json.loads(next((stack.home / "runs").glob("run_*.json")).read_text())
    assert record["status"] == "success"


def test_out_of_band_ingest_refreshes_but_the_nightly_events_do_not(nightly):
    stack, _, _ = nightly
    # restart the scheduler so that it also creates asset-triggered runs (and cron runs, hence the pause)
    stack.pause("pioneer_nightly")
    stack.kill("scheduler")
    # its refresh runs with the real clock: from the export day of 2026-11 on (Dec 2026) that month
    # is due, and the landing (activity before 2026-11) has no KPI of it; KPI coverage is not what
    # this test is about (tests/exports judge it), so the refresh does not hold the month for it
    stack.start("scheduler", AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE="True", PIONEER_MIN_KPI_COVERAGE="0")
    stack.pause("pioneer_ingest", False)
    queued = wait_for(
        "pioneer_refresh to run on the nightly's events", lambda: stack.runs("pioneer_refresh"), 120
    )
    for run in queued:  # triggered by the nightly's own events only: the transform is skipped
        assert stack.wait_finished(run["dag_run_id"], "pioneer_refresh") == "success"
        assert stack.task_instances(run["dag_run_id"], "pioneer_refresh")["transform"]["state"] == "skipped"
    before = {run["dag_run_id"] for run in stack.runs("pioneer_refresh")}
    ingest = stack.trigger(None, "pioneer_ingest", sources=["performance"])
    assert stack.wait_finished(ingest, "pioneer_ingest") == "success", stack.diagnosis(
        ingest, "pioneer_ingest"
    )
    states = {t: ti["state"] for t, ti in stack.task_instances(ingest, "pioneer_ingest").items()}
    assert states == {f"ingest_{s}": "success" if s == "performance" else "skipped" for s in SOURCES}
    refresh = wait_for(
        "pioneer_refresh to be triggered by the performance events",
        lambda: [r["dag_run_id"] for r in stack.runs("pioneer_refresh") if r["dag_run_id"] not in before],
        120,
    )[0]
    assert stack.wait_finished(refresh, "pioneer_refresh") == "success", stack.diagnosis(
        refresh, "pioneer_refresh"
    )
    assert stack.task_instances(refresh, "pioneer_refresh")["transform"]["state"] == "success"
    records = sorted((stack.home / "runs").glob("run_*.json"), key=lambda p: p.stat().st_mtime_ns)
    assert len(records) == 2 and json.loads(records[-1].read_text())["status"] == "success"


def test_a_killed_scheduler_resumes_to_the_same_results(stack, nightly):
    _, index, exports = nightly
    run_id = stack.up().trigger(LOGICAL_DATE)
    scheduler = stack.procs["scheduler"].pid
    wait_for("dbt to run inside the transform task", lambda: dbt_running(scheduler), RUN_TIMEOUT, every=0.5)
    assert stack.task_instances(run_id)["transform"]["state"] == "running"
    stack.kill("scheduler")
    time.sleep(2)
    stack.start("scheduler")
    assert stack.wait_finished(run_id) == "success", stack.diagnosis(run_id)
    assert stack.task_instances(run_id)["transform"]["try_number"] >= 2  # it was run again
    assert member_index(stack.home) == index
    assert export_files(stack.home) == exports
