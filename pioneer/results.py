"""What each stage of a run returns, typed, from the stage function through the CLI to the run
record (``pioneer.records.RunSummary``).

The stage functions of ``pioneer.pipeline`` return these models; ``pioneer run`` hands them on as they
are, the Airflow tasks pass them between tasks as their JSON (XCom) and the summary task reads
them back with ``model_validate``, so both make the same record from the same types. A run
record on disk is their ``model_dump``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from exports.delivery import Delivery
from exports.hr import MonthOutcome
from ingest.run import SourceSummary


class Failure(BaseModel):
    """One failed expectation of a gate (``expectations.gates.Failure``)."""

    expectation: str
    rule: str | None
    kwargs: dict
    unexpected_count: int | None
    offending_rows: list[dict] = Field(default_factory=list)


class GateVerdict(BaseModel):
    """A gate's verdict (``expectations.gates.GateResult.verdict``): blocking failures and warnings."""

    gate: str  # source:<name>, marts, export:<version>
    suite: str
    passed: bool
    failures: list[Failure] = Field(default_factory=list)
    warnings: list[Failure] = Field(default_factory=list)


class IngestResult(SourceSummary):
    """One source's ingest and its source gate."""

    gates: list[GateVerdict] = Field(default_factory=list)
    replaced: list[dict] = Field(default_factory=list)  # held deliveries this run's files correct


class TransformResult(BaseModel):
    """The build, its mart gate, and the published warehouse."""

    models: int = 0
    tests: int = 0
    months_rebuilt: list[str] = Field(default_factory=list)
    log_path: str = ""
    warehouse: str = ""
    data_docs: str | None = None
    gates: list[GateVerdict] = Field(default_factory=list)


class ExportResult(BaseModel):
    """The due HR exports (each gated) and what was delivered to HR."""

    exports: list[MonthOutcome] = Field(default_factory=list)
    deliveries: list[Delivery] = Field(default_factory=list)
    data_docs: str | None = None
    gates: list[GateVerdict] = Field(default_factory=list)

    @property
    def published(self) -> list[MonthOutcome]:
        return [e for e in self.exports if e.action == "published"]

    @property
    def on_notice(self) -> list[MonthOutcome]:
        return [e for e in self.exports if e.action == "on notice"]


class AlertsResult(BaseModel):
    """The day's alert file (exports/alerts.py), its counts, and its delivery (None: not posted)."""

    file: str
    cadence_at_risk: int
    cadence_missed: int
    branches_at_risk: int
    departments_below_kpi_coverage: int
    delivery: dict | None = None
