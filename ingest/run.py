"""Entry points of ingestion (the CLI and Airflow call these): load whatever is new in the
landing directory into the event store, one source at a time or all of them."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from pydantic import BaseModel, Field

from core.config import Settings
from ingest.batch import merge
from ingest.connectors import connector
from ingest.schema import SOURCES
from ingest.store import EventStore


class SourceSummary(BaseModel):
    """What one source's ingestion did."""

    source: str
    events_added: dict[str, int] = Field(default_factory=dict)  # entity → new events
    files_loaded: int = 0
    files_skipped: int = 0  # byte-identical to a file already loaded
    quarantined: dict[str, int] = Field(default_factory=dict)  # reason → rows


class IngestSummary(BaseModel):
    """What a whole ingestion run did, per source."""

    sources: dict[str, SourceSummary]

    @property
    def events_added(self) -> int:
        return sum(sum(s.events_added.values()) for s in self.sources.values())


def ingest_source(settings: Settings, source: str) -> SourceSummary:
    """Load what is new of ``source``: its live form when configured (meeting API, performance DB),
    else the new files under ``settings.sources / source``; IngestError if a file cannot be read."""
    store = EventStore(settings.home)
    summary = SourceSummary(source=source)
    results = connector(source).ingest(store, settings, settings.clock())
    for result, loaded, skipped in results:
        merge(summary.events_added, result.events)
        merge(summary.quarantined, result.quarantined)
        summary.files_loaded += loaded
        summary.files_skipped += skipped
    return summary


def ingest_all(settings: Settings) -> IngestSummary:
    """Ingest every source, as many at once as there are cores (Airflow runs :func:`ingest_source`
    per source instead). Sources write only their own files (``ingest/store.py``), so they may run
    concurrently; each has its own DuckDB session, and the Python parts of one (reading, hashing
    and decoding files) overlap the queries of another."""
    with ThreadPoolExecutor(max_workers=min(len(SOURCES), os.cpu_count() or 1)) as pool:
        done = {source: pool.submit(ingest_source, settings, source) for source in SOURCES}
        return IngestSummary(sources={source: future.result() for source, future in done.items()})
