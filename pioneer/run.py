"""The nightly job: ingest → transform → validate → publish, and the run record it leaves.

The CLI's ``pioneer run`` and the Airflow tasks call these same functions.
"""

from __future__ import annotations

from dataclasses import asdict

from ingest.run import IngestSummary, ingest_all
from pioneer.config import Settings
from pioneer.runs import RunSummary, write_run_record
from pioneer.transform import TransformSummary, build


def nightly(settings: Settings) -> RunSummary:
    """Run the whole nightly job once; every stage that exists runs for real."""
    settings.home.mkdir(parents=True, exist_ok=True)
    summary = RunSummary(started_at=settings.clock().isoformat(timespec="seconds"))
    try:
        ingested: IngestSummary = ingest_all(settings)
        summary.ingest = ingested.model_dump() if hasattr(ingested, "model_dump") else asdict(ingested)
        transformed: TransformSummary = build(settings)
        summary.transform = asdict(transformed)
        summary.warehouse = str(settings.home / "warehouse.duckdb")
        summary.exports_dir = str(settings.home / "exports" / "hr")
        summary.status = "success"
    except Exception:
        summary.status = "failed"
        raise
    finally:
        summary.finished_at = settings.clock().isoformat(timespec="seconds")
        write_run_record(settings, summary)
    return summary
