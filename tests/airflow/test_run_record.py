"""One run record for the same stage results, whether ``pioneer run`` or the DAG ran the stages.

Both paths leave their record through ``pioneer.records.record_run``. Here the stage functions are
replaced by fakes that return (or raise) the same results; the CLI runs them in-process through
``pioneer run``, the DAG's tasks run them as Airflow would (each task's function, a failed gate
pushed to XCom, downstream tasks not run after a failure), then the DAG's summary task writes its
record. The two records must be identical and readable by ``pioneer status``.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace

import pendulum
import pioneer_tasks
import pytest
from airflow_harness import LOGICAL_DATE
from typer.testing import CliRunner

from core.config import Settings
from exports.delivery import DeliveryError
from exports.hr import MonthOutcome
from ingest.schema import SOURCES
from pioneer import pipeline
from pioneer.cli import app
from pioneer.records import RunSummary, record_run
from pioneer.results import AlertsResult, ExportResult, IngestResult, TransformResult

# what the export stage reports of a month (exports.hr.MonthOutcome), as the record keeps it
EXPORTED = asdict(
    MonthOutcome(period="2026-10", version=1, rows=3, path="2026-10/x_v1.csv", action="published")
)
REJECTED = asdict(MonthOutcome(period="2026-10", version=None, rows=3, path="", action="failed"))


class Stages:
    """Fake stage functions: each returns a fixed result, or raises what ``fails`` names for it."""

    def __init__(self, scenario: str, home: Path) -> None:
        self.scenario, self.home = scenario, home
        self.fails, self.status, self.exit_code = SCENARIOS[scenario]

    def _result(self, stage: str, result):
        if stage in self.fails:
            raise self.fails[stage]
        return result

    def ingest(self, settings, source: str) -> IngestResult:
        added = {"events_added": {f"{source}_entity": 2}, "quarantined": {"bad_date": 1}}
        return self._result(source, IngestResult(source=source, files_loaded=1, **added))

    def transform(self, settings, full_refresh: bool = False) -> TransformResult:
        warehouse = str(self.home / "warehouse.duckdb")
        return self._result(
            "transform",
            TransformResult(months_rebuilt=["2026-10"], warehouse=warehouse, data_docs="gx/marts.html"),
        )

    def export(self, settings) -> ExportResult:
        return self._result("export", ExportResult(exports=[EXPORTED], deliveries=[], data_docs="gx/hr.html"))

    def alerts(self, settings) -> AlertsResult:
        file = str(self.home / "exports" / "alerts" / "2026-11-05.json")
        return self._result(
            "alerts",
            AlertsResult(
                file=file,
                cadence_at_risk=2,
                cadence_missed=1,
                branches_at_risk=1,
                departments_below_kpi_coverage=0,
            ),
        )


SCENARIOS = {  # name → ({failing stage: what it raises}, the record's status, the CLI's exit status)
    "success": ({}, "success", 0),
    "export_gate": (
        {
            "export": pipeline.GateFailed(
                "export validation failed for 2026-10",
                detail={"exports": [REJECTED], "deliveries": [], "data_docs": "gx/hr_failed.html"},
            )
        },
        "validation_failed",
        3,
    ),
    "source_gate": (
        {SOURCES[-1]: pipeline.GateFailed(f"source gate failed for {SOURCES[-1]}")},
        "validation_failed",
        3,
    ),
    "mart_gate": (
        {"transform": pipeline.GateFailed("mart gate failed, warehouse not published")},
        "validation_failed",
        3,
    ),
    "crash": ({"transform": RuntimeError("dbt build failed")}, "failed", 1),
    "alert_delivery": ({"alerts": DeliveryError("delivery of alerts 2026-11-05.json failed")}, "failed", 1),
    "export_gate_and_alert_delivery": (  # the export's gate decides the exit status
        {
            "export": pipeline.GateFailed(
                "export validation failed for 2026-10", detail={"exports": [REJECTED]}
            ),
            "alerts": DeliveryError("delivery of alerts 2026-11-05.json failed"),
        },
        "validation_failed",
        3,
    ),
}


@pytest.fixture
def stages(request, tmp_path, monkeypatch) -> Stages:
    """The scenario's fake stages, patched in ``pioneer.pipeline``: where ``nightly`` looks them up, and
    where the DAG tasks import them from when they run."""
    fake = Stages(request.param, tmp_path / "home")
    monkeypatch.setattr(pipeline, "ingest_stage", fake.ingest)
    monkeypatch.setattr(pipeline, "transform_stage", fake.transform)
    monkeypatch.setattr(pipeline, "export_stage", fake.export)
    monkeypatch.setattr(pipeline, "alerts_stage", fake.alerts)
    for name in ("PIONEER_NOW", "PIONEER_SOURCES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIONEER_HOME", str(fake.home))
    (tmp_path / "landing").mkdir()
    return fake


def cli_run(home: Path) -> tuple[int, dict]:
    """``pioneer run`` in-process: its exit status and the record it left."""
    landing = home.parent / "landing"
    ran = CliRunner().invoke(
        app, ["run", "--sources", str(landing), "--home", str(home), "--now", LOGICAL_DATE]
    )
    (record,) = (home / "runs").glob("run_*.json")
    return ran.exit_code, json.loads(record.read_text())


class TaskInstance:
    """What the tasks use of Airflow's task instance: XComs and the states of the run's tasks."""

    dag_id, run_id = "pioneer_nightly", "scheduled__" + LOGICAL_DATE

    def __init__(self) -> None:
        self.task_id, self.xcoms, self.states = "", {}, {}

    def xcom_push(self, key: str, value) -> None:
        self.xcoms[self.task_id, key] = value

    def xcom_pull(self, task_ids: str, key: str):
        return self.xcoms.get((task_ids, key))

    def get_task_states(self, dag_id, task_ids, run_ids) -> dict:
        return {self.run_id: {t: self.states.get(t) for t in task_ids}}


def dag_run(monkeypatch) -> Path:
    """The nightly DAG's tasks in dependency order, each as Airflow runs it; returns the summary's record."""
    ti = TaskInstance()
    upstream = {f"ingest_{s}" for s in SOURCES} | {"transform", "export", "alerts"}
    context = {
        "ti": ti,
        "params": {},
        "logical_date": pendulum.parse(LOGICAL_DATE),
        "task": SimpleNamespace(upstream_task_ids=upstream),
    }
    monkeypatch.setattr(pioneer_tasks, "get_current_context", lambda: context)

    def task(task_id: str, function, *args, runs: bool = True):
        ti.task_id = task_id
        if not runs:  # trigger rule all_success: an upstream task failed
            ti.states[task_id] = "upstream_failed"
            return None
        try:
            result = function(*args)
        except Exception:  # AirflowFailException on a gate, the stage's own error otherwise
            ti.states[task_id] = "failed"
            return None
        ti.states[task_id] = "success"
        return result

    ingested = {s: task(f"ingest_{s}", pioneer_tasks.ingest.function, s) for s in SOURCES}
    transformed = task("transform", pioneer_tasks.transform.function, runs=None not in ingested.values())
    exported = task("export", pioneer_tasks.export.function, runs=transformed is not None)
    # trigger rule all_done_min_one_success over transform and export: it runs once transform did
    alerted = task("alerts", pioneer_tasks.alerts.function, runs=transformed is not None)
    ti.task_id = "summary"
    return Path(pioneer_tasks._summary.function(ingested, transformed, exported, alerted))


@pytest.mark.parametrize("stages", list(SCENARIOS), indirect=True)
def test_cli_and_dag_leave_the_same_record(stages, monkeypatch):
    code, from_cli = cli_run(stages.home)
    assert code == stages.exit_code
    for record in (stages.home / "runs").glob("run_*.json"):
        record.unlink()
    from_dag = json.loads(dag_run(monkeypatch).read_text())

    assert from_dag == from_cli
    assert set(from_cli) == set(RunSummary.model_fields)
    assert from_cli["status"] == stages.status
    assert from_cli["started_at"] == from_cli["finished_at"] == pendulum.parse(LOGICAL_DATE).isoformat()
    assert list(from_cli["ingest"]) == list(SOURCES)
    assert from_cli["exports_dir"] == str(stages.home / "exports" / "hr")
    exports = {
        "success": [EXPORTED],
        "alert_delivery": [EXPORTED],
        "export_gate": [REJECTED],
        "export_gate_and_alert_delivery": [REJECTED],
    }.get(stages.scenario, [])
    assert from_cli["exports"] == exports  # a failed export gate still names what it tried
    alerted = stages.scenario in ("success", "export_gate")  # written after a failed export gate too
    assert bool(from_cli["alerts"]) is alerted

    shown = CliRunner().invoke(app, ["status", "--home", str(stages.home), "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["last_run"] == from_dag


@pytest.mark.parametrize("stages", ["success"], indirect=True)
def test_a_refresh_records_no_ingest(stages):
    """``pioneer_refresh`` has no ingest tasks: its summary passes no sources."""
    record, path = record_run(Settings(now=LOGICAL_DATE), {}, stages.transform(None), stages.export(None))
    assert record.status == "success" and record.ingest == {}
    assert json.loads(path.read_text())["exports"] == [EXPORTED]
