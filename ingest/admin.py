"""Admin items (党建管理员 approved items): ``items_*.csv``, one row per item version.

For one item_id the latest ``approved_at`` wins (in the models); points of a veto are ignored.
"""

from __future__ import annotations

from ingest.connectors import Connector
from ingest.files import Feed
from ingest.sql_files import parse_query

COLUMNS = (
    "item_id",
    "employee_no",
    "month",
    "kind",
    "points",
    "reason",
    "approved_by",
    "approved_at",
    "status",
)

FEEDS = [
    Feed(
        source="admin",
        entity="item",
        pattern="items_*.csv",
        columns={c: c for c in COLUMNS},
        parse=parse_query("admin", "item"),
    )
]

CONNECTOR = Connector("admin", feeds=lambda settings: FEEDS)
