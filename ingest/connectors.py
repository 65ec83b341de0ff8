"""The source connectors: each source named in ``ingest.sources.SOURCES`` declares itself once, as
``CONNECTOR`` in its module ``ingest/<source>.py`` (how its records are read: its feeds, their
parse SQL and checks, and its live form if it has one); :func:`connector` finds it by the
source's name, importing the module only then."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ingest.batch import BatchResult, ingest_files
from ingest.files import Feed
from ingest.sources import SOURCES
from ingest.store import EventStore

if TYPE_CHECKING:
    from core.config import Settings

Loaded = tuple[BatchResult, int, int]  # (result, files loaded, files skipped)


@dataclass(frozen=True)
class Connector:
    """One source: its file form, ``feeds`` (each reads ``DIR/<source>/<feed.pattern>``; built
    from the settings, e.g. the phone key), and optionally a live form, ``live``, used instead
    when ``live_if`` holds for the settings (its URL is configured): it returns (result, pages or
    reads loaded)."""

    source: str
    feeds: Callable[[Settings], list[Feed]]
    live: Callable[[EventStore, Settings, dt.datetime], tuple[BatchResult, int]] | None = None
    live_if: Callable[[Settings], bool] = lambda settings: False

    def ingest(self, store: EventStore, settings: Settings, now: dt.datetime) -> list[Loaded]:
        """Load what is new of the source, per feed (live: one entry, pages count as files)."""
        if self.live is not None and self.live_if(settings):
            return [(*self.live(store, settings, now), 0)]
        return [
            ingest_files(store, settings.sources / self.source, feed, now) for feed in self.feeds(settings)
        ]


def connector(source: str) -> Connector:
    """The connector of ``source`` (one of ``SOURCES``)."""
    if source not in SOURCES:
        raise KeyError(f"unknown source {source!r}; the sources are {', '.join(SOURCES)}")
    return importlib.import_module(f"ingest.{source}").CONNECTOR
