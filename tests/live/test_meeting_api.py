"""The meeting API client against a fake server on 127.0.0.1: paging, faults, watermarks."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fake_meeting_api import FakeMeetingApi

from ingest.live.meeting_api import (
    MeetingApiAuthError,
    MeetingApiClient,
    MeetingApiRequestError,
    MeetingApiUnavailableError,
    Page,
    RetryPolicy,
    next_watermark,
)


def attendance(n: int, updated_at: str) -> dict[str, Any]:
    return {
        "record_id": f"A{n:04d}",
        "meeting_id": "MT001",
        "user_id": f"SG37{n:05d}",
        "mode": "online",
        "join_time": "2026-03-05T14:00:00+08:00",
        "leave_time": "2026-03-05T15:30:00+08:00",
        "updated_at": updated_at,
        "note": "党课 线上",
    }


# 23 records over 23 minutes, one of them in Z notation, three sharing one updated_at
RECORDS = [attendance(n, f"2026-03-05T16:{n:02d}:00+08:00") for n in range(20)] + [
    attendance(20, "2026-03-05T08:30:00Z"),  # 16:30 Shanghai
    attendance(21, "2026-03-05T16:40:00+08:00"),
    attendance(22, "2026-03-05T16:40:00+08:00"),
]
ALL_IDS = sorted(r["record_id"] for r in RECORDS)


class SleepRecorder:
    """Stands in for time.sleep: records the waits the retry policy asks for."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def api() -> Iterator[FakeMeetingApi]:
    with FakeMeetingApi(records={"attendance": [dict(r) for r in RECORDS]}) as server:
        yield server


def client_for(api: FakeMeetingApi, sleep: SleepRecorder | None = None, **options: Any) -> MeetingApiClient:
    options.setdefault("page_size", 5)
    options.setdefault("timeout", httpx.Timeout(2.0))
    retry = RetryPolicy(max_attempts=4, backoff_initial=0.01, sleep=sleep or SleepRecorder())
    return MeetingApiClient(api.base_url, api.token, retry=retry, **options)


def collect(pages: Iterator[Page]) -> list[Page]:
    return list(pages)


def ids(pages: list[Page]) -> list[str]:
    return [record["record_id"] for page in pages for record in page.records]


def test_paging_collects_every_record_exactly_once(api: FakeMeetingApi) -> None:
    with client_for(api) as client:
        pages = collect(client.fetch_pages("attendance", None))

    assert sorted(ids(pages)) == ALL_IDS
    assert len(pages) == 5  # 23 records, 5 per page
    assert [len(p.records) for p in pages] == [5, 5, 5, 5, 3]
    assert pages[0].page_id == "api:attendance:all:first"
    assert pages[1].page_id == f"api:attendance:all:{pages[0].next_cursor}"
    assert pages[-1].next_cursor is None
    assert all(call.params["limit"] == "5" for call in api.calls)


def test_raw_text_is_each_record_as_delivered(api: FakeMeetingApi) -> None:
    with client_for(api) as client:
        page = next(client.fetch_pages("attendance", None))

    assert len(page.raw_records) == len(page.records)
    for raw, record in zip(page.raw_records, page.records, strict=True):
        assert raw.startswith("{") and raw.endswith("}")
        assert json.loads(raw) == record
    assert "党课 线上" in page.raw_records[0]


def test_a_page_fetched_twice_yields_the_same_records(api: FakeMeetingApi) -> None:
    with client_for(api) as client:
        first = collect(client.fetch_pages("attendance", "2026-03-05T16:10:00+08:00"))
        again = collect(client.fetch_pages("attendance", "2026-03-05T16:10:00+08:00"))

    assert [(p.page_id, p.raw_records) for p in first] == [(p.page_id, p.raw_records) for p in again]


def test_throttling_honours_retry_after_and_loses_nothing(api: FakeMeetingApi) -> None:
    sleep = SleepRecorder()
    api.script("429", "429", None, "429")  # the first two calls, then the second page's first call
    with client_for(api, sleep) as client:
        pages = collect(client.fetch_pages("attendance", None))

    assert sorted(ids(pages)) == ALL_IDS  # none lost, none twice
    assert sleep.waits == [1.0, 1.0, 1.0]  # Retry-After: 1, as the server asked
    assert [c.outcome for c in api.calls].count("429") == 3


def test_retry_after_is_capped(api: FakeMeetingApi) -> None:
    sleep = SleepRecorder()
    api.script("429")
    client = MeetingApiClient(api.base_url, api.token, retry=RetryPolicy(retry_after_max=0.25, sleep=sleep))
    with client:
        collect(client.fetch_pages("attendance", None))
    assert sleep.waits == [0.25]


def test_server_errors_are_retried_with_exponential_backoff(api: FakeMeetingApi) -> None:
    sleep = SleepRecorder()
    api.script(None, "500", "503", "500", None, "503")  # faults on pages 2 and 3
    with client_for(api, sleep) as client:
        pages = collect(client.fetch_pages("attendance", None))

    assert sorted(ids(pages)) == ALL_IDS
    assert len(ids(pages)) == len(RECORDS)
    assert sleep.waits == [0.01, 0.02, 0.04, 0.01]  # backoff restarts for each request
    retried_cursors = [c.params.get("cursor") for c in api.calls[1:5]]
    assert len(set(retried_cursors)) == 1  # the same page was asked for again, not skipped


def test_persistent_server_errors_give_up_after_bounded_attempts(api: FakeMeetingApi) -> None:
    api.script(*["503"] * 10)
    with client_for(api) as client, pytest.raises(MeetingApiUnavailableError, match="after 4 attempts"):
        collect(client.fetch_pages("attendance", None))
    assert len(api.calls) == 4


def test_wrong_token_fails_fast_without_retry(api: FakeMeetingApi) -> None:
    sleep = SleepRecorder()
    retry = RetryPolicy(max_attempts=4, sleep=sleep)
    client = MeetingApiClient(api.base_url, "wrong-token", retry=retry)
    with client, pytest.raises(MeetingApiAuthError, match="401"):
        collect(client.fetch_pages("attendance", None))
    assert len(api.calls) == 1
    assert sleep.waits == []


def test_other_client_errors_are_not_retried(api: FakeMeetingApi) -> None:
    with client_for(api) as client:
        # bypass the entity check to provoke a 404 from the server
        with pytest.raises(MeetingApiRequestError, match="404"):
            client._get("/api/v1/nonsense", {"limit": 5})
        with pytest.raises(ValueError, match="unknown meeting entity"):
            collect(client.fetch_pages("nonsense", None))
    assert len(api.calls) == 1


def test_timeouts_are_bounded_and_retried(api: FakeMeetingApi) -> None:
    sleep = SleepRecorder()
    api.slow_seconds = 1.0
    api.script("slow", None, "slow")
    started = time.monotonic()
    with client_for(api, sleep, timeout=httpx.Timeout(0.2)) as client:
        pages = collect(client.fetch_pages("attendance", None))
    elapsed = time.monotonic() - started

    assert sorted(ids(pages)) == ALL_IDS
    assert sleep.waits == [0.01, 0.01]  # one retry per timed-out request
    assert elapsed < 1.5  # each attempt was cut at the read timeout, not served slowly


def test_dropped_connections_are_retried(api: FakeMeetingApi) -> None:
    api.script("drop", None, "drop")
    with client_for(api) as client:
        assert sorted(ids(collect(client.fetch_pages("attendance", None)))) == ALL_IDS


def test_unreachable_server_gives_up_after_bounded_attempts() -> None:
    with FakeMeetingApi() as stopped:
        base_url = stopped.base_url  # a port that was free a moment ago and is closed now
    sleep = SleepRecorder()
    client = MeetingApiClient(base_url, "t", retry=RetryPolicy(max_attempts=3, sleep=sleep))
    with client, pytest.raises(MeetingApiUnavailableError, match="ConnectError"):
        collect(client.fetch_pages("attendance", None))
    assert len(sleep.waits) == 2


def test_incremental_fetch_from_a_watermark(api: FakeMeetingApi) -> None:
    """Run 1 stores the watermark page by page; run 2 gets only newer records plus the equal ones."""
    watermark: str | None = None
    persisted: list[str] = []
    with client_for(api) as client:
        for page in client.fetch_pages("attendance", watermark):
            persisted += [r["record_id"] for r in page.records]
            watermark = next_watermark(page.records, watermark)
    assert watermark == "2026-03-05T16:40:00+08:00"

    api.add(
        "attendance",
        attendance(30, "2026-03-05T17:00:00+08:00"),
        attendance(21, "2026-03-05T17:05:00+08:00") | {"mode": "onsite", "leave_time": None},  # correction
        {"record_id": "A0005", "updated_at": "2026-03-05T09:10:00Z", "deleted": True},  # tombstone
        attendance(31, "2026-03-05T16:39:59+08:00"),  # older than the watermark: not asked for again
    )
    with client_for(api) as client:
        pages = collect(client.fetch_pages("attendance", watermark))
    second_run = [(r["record_id"], r["updated_at"]) for p in pages for r in p.records]

    assert second_run == [
        ("A0022", "2026-03-05T16:40:00+08:00"),  # == watermark: again (deduped by the store)
        ("A0030", "2026-03-05T17:00:00+08:00"),
        ("A0021", "2026-03-05T17:05:00+08:00"),
        ("A0005", "2026-03-05T09:10:00Z"),
    ]
    assert next_watermark(pages[-1].records, watermark) == "2026-03-05T09:10:00Z"
    assert api.calls[-1].params["updated_since"] == "2026-03-05T16:40:00+08:00"


def test_a_crash_between_pages_loses_nothing(api: FakeMeetingApi) -> None:
    """The watermark of the last persisted page is enough to resume: nothing is skipped."""
    watermark: str | None = None
    persisted: set[str] = set()
    with client_for(api) as client:
        for number, page in enumerate(client.fetch_pages("attendance", watermark)):
            if number == 2:
                break  # the run dies before persisting the third page
            persisted |= {r["record_id"] for r in page.records}
            watermark = next_watermark(page.records, watermark)
    with client_for(api) as client:
        for page in client.fetch_pages("attendance", watermark):
            persisted |= {r["record_id"] for r in page.records}
    assert sorted(persisted) == ALL_IDS


def test_next_watermark_compares_instants_and_ignores_unreadable_stamps() -> None:
    records = [
        {"updated_at": "2026-03-05T16:00:00+08:00"},
        {"updated_at": "2026-03-05T08:30:00Z"},
        {"updated_at": "not a time"},
        "not an object",
        {"id": "no stamp"},
    ]
    assert next_watermark(records, None) == "2026-03-05T08:30:00Z"
    assert next_watermark(records, "2026-03-06T00:00:00+08:00") == "2026-03-06T00:00:00+08:00"
    assert next_watermark([], None) is None


def test_a_datetime_watermark_is_sent_as_shanghai_iso(api: FakeMeetingApi) -> None:
    with client_for(api) as client:
        collect(client.fetch_pages("attendance", dt.datetime(2026, 3, 5, 16, 40)))
    assert api.calls[0].params["updated_since"] == "2026-03-05T16:40:00+08:00"
