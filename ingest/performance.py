"""Performance system (绩效系统) file form: ``kpi_*.csv``, one row per KPI record version.

Rows of employees outside the roster are kept here and ignored by the models.
"""

from __future__ import annotations

import datetime as dt

from core.config import Settings
from ingest.batch import BatchResult
from ingest.connectors import Connector
from ingest.files import Feed
from ingest.sql_files import parse_query
from ingest.store import EventStore

FEEDS = [
    Feed(
        source="performance",
        entity="kpi",
        pattern="kpi_*.csv",
        columns={c: c for c in ("employee_no", "period", "kpi_score", "rating", "updated_at")},
        parse=parse_query("performance", "kpi"),
    )
]


def _database(store: EventStore, settings: Settings, now: dt.datetime) -> tuple[BatchResult, int]:
    """The live form: incremental reads of the performance DB (``performance_db_url``)."""
    from ingest.live.load import ingest_performance_db

    return ingest_performance_db(store, settings, now)


CONNECTOR = Connector(
    "performance",
    feeds=lambda settings: FEEDS,
    live=_database,
    live_if=lambda settings: bool(settings.performance_db_url),
)
