"""Load the live forms into the event store through the file form's parsing and validation.

Each API page, and each incremental SQL read, becomes a virtual file (one record per line), so
both forms yield the same events, quarantine reasons and event ids. The watermark is stored in
the event store only after the page's (or read's) events are appended, so a crash re-fetches
from the previous watermark and the event-id dedupe drops what was already stored.
"""

from __future__ import annotations

import datetime as dt

from core.config import Settings
from ingest import meeting, performance
from ingest.batch import BatchResult, load_batch, merge
from ingest.files import virtual_file
from ingest.live.meeting_api import ENTITIES, MeetingApiClient, next_watermark
from ingest.live.performance_sql import COLUMNS, read_kpi_since
from ingest.store import EventStore

MEETING_FEEDS = {feed.entity: feed for feed in meeting.FEEDS}


def ingest_meeting_api(
    store: EventStore, settings: Settings, now: dt.datetime, client: MeetingApiClient | None = None
) -> tuple[BatchResult, int]:
    """Fetch every entity's pages from its stored watermark on; returns (result, pages loaded)."""
    result, pages = BatchResult({}, {}), 0
    with client or MeetingApiClient.from_settings(settings) as api:
        for api_entity, entity in ENTITIES.items():
            watermark = store.get_watermark("meeting", entity)
            for page in api.fetch_pages(api_entity, watermark):
                if not page.raw_records:
                    continue
                batch = load_batch(
                    store, MEETING_FEEDS[entity], [virtual_file(page.page_id, page.raw_records)], now
                )
                merge(result.events, batch.events)
                merge(result.quarantined, batch.quarantined)
                pages += 1
                watermark = next_watermark(page.records, watermark)
                if watermark is not None:
                    store.put_watermark("meeting", entity, watermark, batch.batch_id, now)
    return result, pages


def ingest_performance_db(store: EventStore, settings: Settings, now: dt.datetime) -> tuple[BatchResult, int]:
    """Read KPI rows updated since the stored watermark (minus the overlap); returns (result, reads)."""
    stored = store.get_watermark("performance", "kpi")
    since = dt.datetime.fromisoformat(stored) if stored else None
    overlap = dt.timedelta(minutes=settings.performance_overlap_minutes)
    rows, watermark = read_kpi_since(settings.performance_db_url, since, overlap)
    if not rows:
        return BatchResult({}, {}), 0
    name = f"sql:kpi_monthly:{since.isoformat() if since else 'all'}"
    lines = [",".join(COLUMNS)] + [row["raw"] for row in rows]
    (feed,) = performance.FEEDS
    batch = load_batch(store, feed, [virtual_file(name, lines)], now)
    if watermark is not None:
        store.put_watermark("performance", "kpi", watermark.isoformat(), batch.batch_id, now)
    return batch, 1
