"""Appeals (党员申诉, decisions of the party-building office): ``appeals_*.csv``, one row per
version of an appeal (every change of its state is a new row with a later ``updated_at``).

For one appeal_id the latest ``updated_at`` wins (in the models, ties as for admin items). An
accepted appeal needs ``points`` (signed, |points| ≤ 100); the points of an appeal in any other
state are kept as delivered and never scored.
"""

from __future__ import annotations

from ingest.connectors import Connector
from ingest.files import Feed
from ingest.schema import APPEAL_POINTS_MAX
from ingest.sql_files import parse_query

COLUMNS = (
    "appeal_id",
    "employee_no",
    "month",
    "component",
    "points",
    "reason",
    "status",
    "decided_by",
    "decided_at",
    "updated_at",
)

FEEDS = [
    Feed(
        source="appeals",
        entity="appeal",
        pattern="appeals_*.csv",
        columns={c: c for c in COLUMNS},
        parse=parse_query("appeals", "appeal", points_max=APPEAL_POINTS_MAX),
    )
]

CONNECTOR = Connector("appeals", feeds=lambda settings: FEEDS)
