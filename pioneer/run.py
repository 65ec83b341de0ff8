"""The nightly job: ingest → transform → validate → publish, and the run record it leaves.

The CLI's ``pioneer run`` and the Airflow tasks call these same functions.
"""

from __future__ import annotations

from dataclasses import asdict

from expectations.marts import validate_marts
from exports.delivery import deliver_pending
from exports.hr import publish_due_exports
from ingest.run import IngestSummary, ingest_all
from pioneer.config import Settings
from pioneer.runs import RunSummary, write_run_record
from pioneer.transform import TransformSummary, build, candidate_path, publish, warehouse_path


class GateFailed(RuntimeError):
    """A validation gate failed: the month(s) named were not published (exit 3)."""


def nightly(settings: Settings) -> RunSummary:
    """Run the whole nightly job once; every stage that exists runs for real."""
    settings.home.mkdir(parents=True, exist_ok=True)
    summary = RunSummary(started_at=settings.clock().isoformat(timespec="seconds"))
    try:
        ingested: IngestSummary = ingest_all(settings)
        summary.ingest = ingested.model_dump() if hasattr(ingested, "model_dump") else asdict(ingested)
        transformed: TransformSummary = build(settings)
        summary.transform = asdict(transformed)
        run_name = settings.clock().strftime("%Y%m%dT%H%M%S")
        gates = validate_marts(settings.home, candidate_path(settings), run_name, transformed.months_rebuilt)
        if not all(g.passed for g in gates):
            summary.status = "validation_failed"
            broken = "; ".join(f"{g.suite}: {f.rule or f.expectation}" for g in gates for f in g.failures)
            raise GateFailed(
                f"mart gate failed, warehouse not published ({broken}); data docs: {gates[-1].docs_index}"
            )
        publish(settings)
        summary.warehouse = str(warehouse_path(settings))
        summary.exports_dir = str(settings.home / "exports" / "hr")
        published = publish_due_exports(settings, warehouse_path(settings))
        summary.exports = [asdict(m) for m in published.months]
        summary.data_docs = published.data_docs
        summary.deliveries = [asdict(d) for d in deliver_pending(settings)]
        if published.failed:
            summary.status = "validation_failed"
            reports = ", ".join(m.failure_report for m in published.failed)
            raise GateFailed(
                f"export validation failed for {', '.join(m.period for m in published.failed)}; see {reports}"
            )
        summary.status = "success"
    except GateFailed:
        raise
    except Exception:
        summary.status = "failed"
        raise
    finally:
        summary.finished_at = settings.clock().isoformat(timespec="seconds")
        write_run_record(settings, summary)
    return summary
