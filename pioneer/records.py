"""Run records: one JSON file per nightly run under ``HOME/runs``; ``status`` reads the newest."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, Field, field_serializer

from core.config import Settings
from core.rules import rules_sha256
from exports.delivery import Delivery
from exports.hr import MonthOutcome
from ingest.holds import held
from pioneer.results import AlertsResult, ExportResult, GateVerdict, IngestResult, TransformResult


class ClockWoundBack(ValueError):
    """A run's clock is earlier than the clock of a run already recorded on the home (exit 2)."""


class RunSummary(BaseModel):
    """A run's record (``HOME/runs/run_*.json`` is its JSON); a stage that failed or never ran is
    None here and ``{}`` in the file."""

    started_at: str
    finished_at: str = ""
    clock: str = ""  # the run's one clock, to the microsecond (started_at is it to the second)
    status: str = "running"
    ingest: dict[str, IngestResult | None] = Field(default_factory=dict)
    transform: TransformResult | None = None
    exports: list[MonthOutcome] = Field(default_factory=list)
    deliveries: list[Delivery] = Field(default_factory=list)
    data_docs: str | None = None
    warehouse: str = ""
    exports_dir: str = ""
    alerts: AlertsResult | None = None  # the day's alert file and its counts (exports/alerts.py)
    gates: list[GateVerdict] = Field(default_factory=list)  # every gate's verdict
    failed_gate: dict | None = None  # the gate that stopped the run: message, and each failure
    held: list[dict] = Field(default_factory=list)  # deliveries held when the run ended (ingest/holds.py)
    rules_file: str = ""  # the rules file the run was configured with (Settings.rules_file)
    rules_sha256: str = ""  # sha256 of that file (its copy: HOME/rules/<sha256>/rules.csv, for replay)

    @field_serializer("ingest")
    def _ingest(self, ingest: dict[str, IngestResult | None]) -> dict[str, dict]:
        return {source: result.model_dump(mode="json") if result else {} for source, result in ingest.items()}

    @field_serializer("transform", "alerts")
    def _stage(self, result: BaseModel | None) -> dict:
        return result.model_dump(mode="json") if result else {}


def write_run_record(settings: Settings, summary: RunSummary) -> Path:
    """Keep one JSON file per run under HOME/runs; ``status`` reads the newest."""
    folder = settings.layout.runs
    folder.mkdir(parents=True, exist_ok=True)
    stamp = summary.started_at.replace(":", "").replace("-", "")
    path, n = folder / f"run_{stamp}.json", 1
    while path.exists():  # the same night run twice keeps both records
        n += 1
        path = folder / f"run_{stamp}_{n}.json"
    path.write_text(json.dumps(summary.model_dump(mode="json", fallback=str), ensure_ascii=False, indent=2))
    return path


def record_run(
    settings: Settings,
    ingest: Mapping[str, IngestResult | dict | None],
    transform: TransformResult | dict | None,
    exported: ExportResult | dict | None,
    gate: dict | None = None,
    started_at: str | None = None,
    alerted: AlertsResult | dict | None = None,
    with_alerts: bool = False,
) -> tuple[RunSummary, Path]:
    """Assemble a run's record from its stage results and write it under HOME/runs.

    The one place a run record is made: ``pioneer run`` (:func:`pioneer.pipeline.nightly`) and the
    DAGs' summary task both call it. Each stage result is what its stage function returned, or
    None when the stage failed or never ran (``ingest`` maps each source of the run to its
    result); ``gate`` is the failed validation gate that stopped the run, as
    ``GateFailed.as_dict()`` gives it; ``alerted`` is the alerts stage's result, which counts as a
    stage when ``with_alerts`` (the nightly job has one, a refresh has none). The status follows: ``success`` when every stage returned,
    else ``validation_failed`` when a gate stopped the run (exit 3), else ``failed`` (exit 1).
    ``finished_at`` is the pipeline clock now; ``started_at`` defaults to it. ``held`` lists the
    deliveries held back when the run ended (its own failed delivery, and older ones not yet
    accepted or replaced: their events are not in what the run published).
    """
    finished_at = settings.clock().isoformat(timespec="seconds")
    ingest = {source: _typed(IngestResult, result) for source, result in ingest.items()}
    transform, exported = _typed(TransformResult, transform), _typed(ExportResult, exported)
    alerted = _typed(AlertsResult, alerted)
    done = transform is not None and exported is not None and None not in ingest.values()
    done = done and (alerted is not None or not with_alerts)
    # a failed export gate still names what it published
    published = exported or ExportResult.model_validate(gate or {})
    summary = RunSummary(
        started_at=started_at or finished_at,
        finished_at=finished_at,
        clock=settings.clock().isoformat(),
        status="success" if done else "validation_failed" if gate else "failed",
        ingest=ingest,
        transform=transform,
        exports=published.exports,
        deliveries=published.deliveries,
        data_docs=(exported.data_docs if exported else None) or (transform.data_docs if transform else None),
        warehouse=transform.warehouse if transform else "",
        exports_dir=str(settings.layout.hr),
        alerts=alerted,
        gates=[
            *(v for r in ingest.values() if r for v in r.gates),
            *(transform.gates if transform else []),
            *(exported.gates if exported else []),
            *(gate or {}).get("gates", []),
        ],
        held=held(settings.home),
        rules_file=str(settings.rules_file),
        rules_sha256=rules_sha256(settings.rules_file),
    )
    if gate:
        summary.failed_gate = {
            "message": gate["message"],
            "failures": [
                {"gate": v["gate"], "suite": v["suite"], **f}
                for v in gate.get("gates", [])
                if not v["passed"]
                for f in v["failures"]
            ],
        }
    return summary, write_run_record(settings, summary)


def _typed(model: type[BaseModel], result: BaseModel | dict | None):
    """A stage's result as its model: as the stage returned it, or from its JSON (an Airflow XCom)."""
    return None if result is None else model.model_validate(result)


def recorded_clocks(settings: Settings) -> list[tuple[dt.datetime, Path]]:
    """The clock of every run recorded on the home, with its record (records written before
    ``clock`` existed give ``started_at``, the same clock to the second)."""
    folder = settings.layout.runs
    clocks = []
    for path in folder.glob("run_*.json") if folder.exists() else []:
        record = json.loads(path.read_text())
        clocks.append((dt.datetime.fromisoformat(record.get("clock") or record["started_at"]), path))
    return clocks


def check_clock(settings: Settings) -> None:
    """One clock per run, never wound back: refuse a run whose clock is earlier than the clock
    of the last run recorded on the home (docs/outputs.md; the past is looked at with ``replay``)."""
    clocks = recorded_clocks(settings)
    if not clocks:
        return
    last, record = max(clocks)
    if settings.clock() < last:
        raise ClockWoundBack(
            f"the run's clock {settings.clock().isoformat()} is earlier than {last.isoformat()}, the "
            f"clock of the last run on {settings.home} ({record.name}); a run never winds the clock back"
        )


def last_run(settings: Settings) -> dict | None:
    folder = settings.layout.runs
    records = sorted(folder.glob("run_*.json"), key=lambda p: p.stat().st_mtime_ns) if folder.exists() else []
    return json.loads(records[-1].read_text()) if records else None
