"""The DAG's export task against an HR endpoint that echoes the request: no token in the task log.

Cheap on purpose: no scheduler and no whole ``airflow dags test`` night (the HR endpoint refusing
would fail that run). A child process configures logging as Airflow's task runner does (its
structlog JSON task log, stdlib logging routed into it, Airflow's secret masker on), writes it
under ``AIRFLOW_HOME/logs`` at the path of a task instance's log, runs the export task's callable
(``pioneer_tasks.export``, whose ``publish_due_exports`` finds nothing new to publish, so only the
pending delivery of an already published version is left) and logs its failure the way
``task_runner`` does (``log.exception("Task failed with exception")``).
"""

from __future__ import annotations

import subprocess
import sys

from airflow_harness import DAGS, LOGICAL_DATE, REPO, airflow_env
from echo_endpoint import EchoingEndpoint, files_holding, pending_delivery

TOKEN = "hr-Af9-echo-3e7c"  # set through PIONEER_HR_ENDPOINT_TOKEN: Airflow's masker does not know it
TASK_LOG = (
    "logs/dag_id=pioneer_nightly/run_id=scheduled__2026-11-05T17:30:00+00:00/task_id=export/attempt=1.log"
)

TASK = """
import sys
from pathlib import Path
from types import SimpleNamespace

import pendulum
import structlog
from airflow.sdk.log import configure_logging

log_file = Path(sys.argv[1])
log_file.parent.mkdir(parents=True, exist_ok=True)
with log_file.open("wb") as out:
    configure_logging(json_output=True, output=out)
    import pioneer.pipeline
    import pioneer_tasks

    nothing_new = SimpleNamespace(months=[], failed=[], data_docs=None, gates=[])
    pioneer.pipeline.publish_due_exports = lambda settings, warehouse: nothing_new
    ti = SimpleNamespace(task_id="export", xcom_push=lambda key, value: None)
    context = {"params": {}, "logical_date": pendulum.parse(sys.argv[2]), "ti": ti}
    pioneer_tasks.get_current_context = lambda: context
    log = structlog.get_logger("task")
    try:
        pioneer_tasks.export.function()
    except BaseException:
        log.exception("Task failed with exception")
        sys.exit(1)
"""


def test_the_export_task_log_holds_the_refusal_but_not_the_token(tmp_path):
    airflow_home, home = tmp_path / "airflow", tmp_path / "home"
    pending_delivery(home)
    (tmp_path / "landing").mkdir()
    with EchoingEndpoint([500, 403], "/hr/pioneer-index") as echo:  # one retry, then refused
        env = airflow_env(
            airflow_home, home, tmp_path / "landing",
            PIONEER_HR_ENDPOINT_URL=echo.url, PIONEER_HR_ENDPOINT_TOKEN=TOKEN,
        ) | {"PYTHONPATH": f"{REPO}:{DAGS}"}  # fmt: skip
        ran = subprocess.run(
            [sys.executable, "-c", TASK, str(airflow_home / TASK_LOG), LOGICAL_DATE],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert [r["headers"]["Authorization"] for r in echo.requests] == [f"Bearer {TOKEN}"] * 2
    log = (airflow_home / TASK_LOG).read_text()
    assert ran.returncode == 1 and "Task failed with exception" in log, ran.stderr[-3000:] + log[-3000:]
    assert "DeliveryError" in log and "HTTP 403" in log and "retrying" in log, log[-3000:]
    assert TOKEN not in ran.stdout + ran.stderr
    assert files_holding(airflow_home / "logs", TOKEN) == []
    assert files_holding(home, TOKEN) == []
