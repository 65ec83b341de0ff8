"""The connectors' registry and their parse SQL files (ingest/connectors.py, ingest/sql_files.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ingest.connectors import connector
from ingest.sources import SOURCES
from ingest.sql_files import SQL_DIR, parse_query

SETTINGS = SimpleNamespace(phone_key="key")  # all that the feeds read of the settings


def test_every_source_declares_its_connector_and_every_parse_file_is_a_feeds():
    feeds = [feed for source in SOURCES for feed in connector(source).feeds(SETTINGS)]
    assert [connector(source).source for source in SOURCES] == list(SOURCES)
    assert {feed.source for feed in feeds} == set(SOURCES)
    files = {(p.parent.name, p.stem) for p in SQL_DIR.glob("*/*.sql")}
    assert files == {(feed.source, feed.entity) for feed in feeds}


def test_an_unknown_source_has_no_connector():
    with pytest.raises(KeyError, match="unknown source 'payroll'"):
        connector("payroll")


def test_a_slot_needs_its_value_and_a_value_its_slot():
    assert "abs(points) > 100 " in parse_query("appeals", "appeal", points_max=100)
    assert "status NOT IN ('submitted', 'accepted', 'rejected', 'withdrawn')" in parse_query(
        "appeals", "appeal", points_max=100
    )
    with pytest.raises(ValueError, match=r"slots without a value \['points_max'\]"):
        parse_query("appeals", "appeal")
    with pytest.raises(ValueError, match=r"values without a slot \['limit'\]"):
        parse_query("admin", "item", limit=3)
    with pytest.raises(TypeError, match="takes an integer"):
        parse_query("appeals", "appeal", points_max="100; DROP TABLE records")
