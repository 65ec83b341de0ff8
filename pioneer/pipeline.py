"""The nightly job: ingest → transform (gated) → export → alerts, and the run record it leaves.

Each stage is one function; the CLI's ``pioneer run`` calls :func:`nightly`, which calls them
in turn, and the Airflow DAG calls the same stage functions as separate tasks. Both leave their
run record through ``pioneer.records.record_run`` from the stages' results.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

from core.config import Settings
from core.home import crash_point, home_lock, make_private, orphan_batches, remove, scratch
from expectations.gates import GateResult
from expectations.marts import validate_marts
from expectations.sources import failed_deliveries, validate_source
from exports.alerts import deliver_alerts, publish_alerts
from exports.delivery import deliver_pending
from exports.hr import publish_due_exports, recover_publications
from ingest import holds
from ingest.run import SourceSummary, ingest_source
from ingest.schema import SOURCES
from ingest.store import check_store_format
from pioneer.progress import Timings, stage
from pioneer.records import RunSummary, check_clock, record_run
from pioneer.results import AlertsResult, ExportResult, IngestResult, TransformResult
from pioneer.transform import build, publish

log = logging.getLogger(__name__)


class GateFailed(RuntimeError):
    """A validation gate failed: what it guarded was not published (exit 3)."""

    def __init__(self, message: str, detail: dict | None = None) -> None:
        super().__init__(message)
        self.detail = detail or {}

    def as_dict(self) -> dict:
        """The failure as the run record takes it (``pioneer.records.record_run``'s ``gate``)."""
        return {"message": str(self), **self.detail}


def run_name(settings: Settings) -> str:
    return settings.clock().strftime("%Y%m%dT%H%M%S")


def clear_leftovers(home: Path) -> list[str]:
    """Remove what an interrupted run left under ``home`` (call with the home held exclusively),
    after finishing or rolling back its interrupted publications: ``core.home.orphan_batches``
    and ``core.home.scratch``. Returns what it did, one line each (paths relative to ``home``)."""
    cleared = recover_publications(home)
    for path in orphan_batches(home) + scratch(home):
        remove(path)
        cleared.append(f"removed {path.relative_to(home)}")
    for line in cleared:
        log.warning("after an interrupted run: %s", line)
    return cleared


@contextlib.contextmanager
def writer(settings: Settings, source: str | None = None) -> Iterator[None]:
    """Hold the home for one writer (``core.home.home_lock``; ``source``: one source's ingest,
    beside the other sources'), refuse a clock wound back, and, when the home is held
    exclusively, clear what an interrupted run left. ``pioneer run`` holds it for the whole run;
    each writing Airflow task for its own stage."""
    make_private(settings)
    with home_lock(settings.home, run_name(settings), source, settings.lock_wait_seconds):
        check_store_format(settings.home)  # an older store is migrated first (`pioneer migrate`)
        check_clock(settings)
        if source is None:
            clear_leftovers(settings.home)
        yield


def broken_rules(verdicts: list[dict]) -> str:
    """The failed expectations of gate verdicts in one line: ``suite: rule (n unexpected)``."""
    return "; ".join(
        f"{v['suite']}: {f['rule'] or f['expectation']}"
        + (f" ({f['unexpected_count']} unexpected)" if f["unexpected_count"] is not None else "")
        for v in verdicts
        for f in v["failures"]
    )


def ingest_stage(settings: Settings, source: str) -> IngestResult:
    """Ingest one source's new records into the event store, then gate what the run added.

    The store is append-only, so a failing source gate cannot undo the ingest: it stops the
    run before the marts are built, names the delivery (file, rows quarantined of rows read and
    their share) and holds it back (``ingest/holds.py``): its events stay out of the marts and
    exports on the nights after too, until ``pioneer accept`` or a corrected delivery releases
    it. Bad rows that do not make a delivery look broken are warnings of the gate (docs/outputs.md,
    "Gates judge by the spec"). A passing gate releases the held deliveries of the source that
    this run's files correct (``replaced``).
    """
    summary: SourceSummary = ingest_source(settings, source)
    gates = validate_source(settings, source, run_name(settings))
    verdicts = [g.verdict(f"source:{source}") for g in gates]
    if not all(g.passed for g in gates):
        stopped = failed_deliveries(settings, source, gates)
        held = [
            row
            for d in stopped
            for row in holds.hold(settings.home, source, d.entity, d.batches, d.message(), settings.clock())
        ]
        what = "; ".join(d.message() for d in stopped) or (
            f"source gate failed for {source} ({broken_rules(verdicts)})"
        )
        raise GateFailed(
            f"{what}; data docs: {gates[-1].docs_index}",
            detail={"gates": verdicts, "held": held},
        )
    replaced = holds.replace_corrected(settings.home, source, settings.clock())
    crash_point(settings.kill_at, f"ingest:{source}")
    return IngestResult(**summary.model_dump(), gates=verdicts, replaced=replaced)


def transform_stage(settings: Settings, full_refresh: bool = False) -> TransformResult:
    """Build the marts on a candidate warehouse, gate it, then publish it atomically."""
    transformed = build(settings, full_refresh)
    crash_point(settings.kill_at, "transform:built")
    gates: list[GateResult] = validate_marts(
        settings.home,
        settings.layout.candidate,
        run_name(settings),
        transformed.months_rebuilt,
        clock=settings.clock(),
    )
    verdicts = [g.verdict("marts") for g in gates]
    if not all(g.passed for g in gates):
        raise GateFailed(
            f"mart gate failed, warehouse not published ({broken_rules(verdicts)}); "
            f"data docs: {gates[-1].docs_index}",
            detail={"gates": verdicts},
        )
    publish(settings)
    crash_point(settings.kill_at, "transform:published")
    return TransformResult(
        **asdict(transformed),
        warehouse=str(settings.layout.warehouse),
        data_docs=gates[-1].docs_index,
        gates=verdicts,
    )


def export_stage(settings: Settings) -> ExportResult:
    """Publish the due HR exports (each gated), deliver what HR has not received, report failures."""
    published = publish_due_exports(settings, settings.layout.warehouse)
    result = ExportResult(
        exports=published.months,
        deliveries=deliver_pending(settings),
        data_docs=published.data_docs,
        gates=published.gates,
    )
    if published.failed:
        reports = ", ".join(m.failure_report for m in published.failed)
        periods = ", ".join(m.period for m in published.failed)
        failing = [v for v in published.gates if not v["passed"]]
        raise GateFailed(
            f"export validation failed for {periods} ({broken_rules(failing)}); see {reports}",
            detail=result.model_dump(mode="json"),
        )
    return result


def alerts_stage(settings: Settings) -> AlertsResult:
    """Write the day's alert file (动态预警) from the published warehouse, then POST it to the
    alert endpoint when one is configured; a failed delivery raises
    ``exports.delivery.DeliveryError`` after the file was written (the run fails, exit 1; the
    next run delivers its own file)."""
    written = publish_alerts(settings, settings.layout.warehouse)
    return AlertsResult(**written, delivery=deliver_alerts(settings, Path(written["file"])))


def nightly(
    settings: Settings, full_refresh: bool = False, timings: Timings | None = None
) -> tuple[RunSummary, Path]:
    """Run the whole nightly job once and leave its record under HOME/runs (even when it fails);
    returns the run's summary and the path of its record. Each stage's start and end are logged
    (``pioneer.progress``) and its duration kept in ``timings``.

    The run holds the home alone (:func:`writer`): a second run exits 2 naming this one, and a
    clock earlier than the last run's is refused before anything is touched.
    """
    with writer(settings):
        started_at = settings.clock().isoformat(timespec="seconds")
        ingested: dict[str, IngestResult | None] = dict.fromkeys(SOURCES)
        transformed = exported = alerted = gate = None
        try:
            for source in SOURCES:
                with stage(f"ingest {source}", timings):
                    ingested[source] = ingest_stage(settings, source)
            with stage("transform", timings):
                transformed = transform_stage(settings, full_refresh)
            export_failed = None
            try:
                with stage("export", timings):
                    exported = export_stage(settings)
            except GateFailed as failed:  # the warehouse was published: its alerts still go out
                export_failed = failed
            try:
                with stage("alerts", timings):
                    alerted = alerts_stage(settings)
            finally:
                if export_failed:  # the export's failure decides the run (exit 3), delivered or not
                    raise export_failed
        except GateFailed as failed:
            gate = failed.as_dict()
            raise
        finally:
            summary, record = record_run(
                settings, ingested, transformed, exported, gate, started_at=started_at,
                alerted=alerted, with_alerts=True,
            )  # fmt: skip
    return summary, record
