"""Meeting system (三会一课 registry, video meetings, service records), file form:
``meeting/<entity>/*.jsonl``, one record object per line, as the live API returns them.

A record version is identified by its ``updated_at``; a tombstone (``"deleted": true``)
needs only the id and ``updated_at`` and is stored as an event with ``deleted = true``.
"""

from __future__ import annotations

import datetime as dt

from core.config import Settings
from ingest.batch import BatchResult
from ingest.connectors import Connector
from ingest.files import Feed
from ingest.sql_files import parse_query
from ingest.store import EventStore

# entity → the folder of its files under DIR/meeting/
FOLDERS = {
    "meeting": "meetings",
    "attendance": "attendance",
    "leave": "leaves",
    "service_record": "service-records",
}

FEEDS = [
    Feed(
        source="meeting",
        entity=entity,
        pattern=f"{folder}/*.jsonl",
        columns=None,
        parse=parse_query("meeting", entity),
    )
    for entity, folder in FOLDERS.items()
]


def _api(store: EventStore, settings: Settings, now: dt.datetime) -> tuple[BatchResult, int]:
    """The live form: the meeting system's HTTP API (``meeting_api_url``), its pages as files."""
    from ingest.live.load import ingest_meeting_api

    return ingest_meeting_api(store, settings, now)


CONNECTOR = Connector(
    "meeting",
    feeds=lambda settings: FEEDS,
    live=_api,
    live_if=lambda settings: bool(settings.meeting_api_url),
)
