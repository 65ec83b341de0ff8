"""Entry points of ingestion (the CLI and Airflow call these): load whatever is new in the
landing directory into the event store, one source at a time or all of them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from core.config import Settings
from ingest import admin, appeals, learning, meeting, performance, roster
from ingest.files import ingest_feed, merge
from ingest.live.load import ingest_meeting_api, ingest_performance_db
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
    source_dir = settings.sources / source
    now = settings.clock()
    summary = SourceSummary(source=source)
    if source == "roster":
        results = [roster.ingest(store, source_dir, settings.phone_key, now)]
    elif source == "meeting" and settings.meeting_api_url:  # live form: pages count as files
        results = [(*ingest_meeting_api(store, settings, now), 0)]
    elif source == "performance" and settings.performance_db_url:
        results = [(*ingest_performance_db(store, settings, now), 0)]
    else:
        feeds = {
            "meeting": meeting.FEEDS,
            "learning": learning.feeds(settings.phone_key),
            "performance": performance.FEEDS,
            "admin": admin.FEEDS,
            "appeals": appeals.FEEDS,
        }[source]
        results = [ingest_feed(store, source_dir, feed, now) for feed in feeds]
    for result, loaded, skipped in results:
        merge(summary.events_added, result.events)
        merge(summary.quarantined, result.quarantined)
        summary.files_loaded += loaded
        summary.files_skipped += skipped
    return summary


def ingest_all(settings: Settings) -> IngestSummary:
    """Ingest every source in turn (Airflow runs :func:`ingest_source` per source instead)."""
    return IngestSummary(sources={source: ingest_source(settings, source) for source in SOURCES})
