"""Live form of the meeting system (三会一课 registry): a paged, incremental, retrying API client.

::

    GET {base}/api/v1/{entity}?updated_since=<ISO 8601>&cursor=<opaque>&limit=<1..500>
    Authorization: Bearer <token>
    → 200 {"data": [record, ...], "next_cursor": "<opaque>" | null}

The client only fetches: each :class:`Page` carries the records exactly as delivered (JSON
text) and parsed. Validation and persistence belong to the caller, which must follow this
order so that no record is ever lost::

    watermark = <stored watermark of (meeting, entity)>   # None on the first run
    with MeetingApiClient(base_url, token) as client:
        for page in client.fetch_pages(entity, watermark):
            persist(page)                                  # events deduped by event id
            watermark = next_watermark(page.records, watermark)
            store_watermark(entity, watermark)             # only after the page is persisted

Assumption about the server: ``updated_since`` is **inclusive** (``updated_at >= updated_since``)
and records come in ``updated_at`` order. Hence every record not yet handed over has
``updated_at >= watermark``, and a crash anywhere loses nothing: the next run re-fetches from
the stored watermark. Records whose ``updated_at`` equals the watermark come again; they are
the same versions (same event ids) and the store dedupes them. A page fetched twice yields the
same records for the same reason.

Retries: ``429`` waits ``Retry-After`` seconds (capped); ``5xx``, timeouts and transport errors
back off exponentially; both within a bounded number of attempts, after which
:class:`MeetingApiUnavailableError` is raised. ``401`` raises :class:`MeetingApiAuthError` at
once, any other ``4xx`` :class:`MeetingApiRequestError`; neither is retried. Their messages carry
the status and a bounded excerpt of the body scrubbed of the token and anything that looks like
a secret (``core.http_retry.remote_excerpt``): a server echoing the request leaks nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Self

import httpx

from core.config import SHANGHAI, Settings
from core.http_retry import (
    RetriesExhausted,
    Retryable,
    RetryPolicy,
    call_with_retries,
    excerpt,
    remote_excerpt,
    scrub,
)

__all__ = ["RetryPolicy"]  # re-exported: callers configure retries through this module

# API entity → entity name in the event store (ingest/schema.py)
ENTITIES: dict[str, str] = {
    "meetings": "meeting",
    "attendance": "attendance",
    "leaves": "leave",
    "service-records": "service_record",
}
MAX_PAGE_SIZE = 500
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=10.0, pool=5.0)


class MeetingApiError(RuntimeError):
    """The meeting system API could not deliver a page."""


class MeetingApiAuthError(MeetingApiError):
    """401: the token is missing, wrong or expired. Not retried."""


class MeetingApiRequestError(MeetingApiError):
    """A 4xx other than 401/429, or another unexpected status: the request itself is wrong."""


class MeetingApiUnavailableError(MeetingApiError, RetriesExhausted):
    """Throttling, server errors or transport failures persisted through every retry."""


class MeetingApiProtocolError(MeetingApiError):
    """A 200 whose body is not ``{"data": [...], "next_cursor": ...}``."""


@dataclass(frozen=True)
class Page:
    """One page of one entity, as delivered.

    ``page_id`` (``api:<entity>:<updated_since or 'all'>:<cursor or 'first'>``) names the page as
    ``source_file`` of its events; ``raw_records[i]`` is the exact JSON text of ``records[i]``
    (normally a dict; anything else is for the caller to quarantine as ``bad_json``).
    """

    page_id: str
    entity: str
    updated_since: str | None
    cursor: str | None
    raw_records: list[str]
    records: list[Any]
    next_cursor: str | None


class MeetingApiClient:
    """One HTTP client (connection pool, timeouts, bearer token) for all requests of a run."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        page_size: int = MAX_PAGE_SIZE,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be within 1..{MAX_PAGE_SIZE}, not {page_size}")
        self.page_size = page_size
        self.retry = retry or RetryPolicy()
        self._secrets = (token,)  # scrubbed from every error message and retry log line
        self._http = httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
            follow_redirects=False,
        )

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> MeetingApiClient:
        if not settings.meeting_api_url or not settings.meeting_api_token:
            raise ValueError("the meeting API needs both meeting_api_url and meeting_api_token")
        return cls(settings.meeting_api_url, settings.meeting_api_token, **options)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def fetch_pages(self, entity: str, updated_since: str | dt.datetime | None) -> Iterator[Page]:
        """Every page of ``entity`` with ``updated_at >= updated_since`` (all when None), lazily.

        The next page is requested only when the caller asks for it, so the caller can persist
        a page and store its watermark before the next request.
        """
        if entity not in ENTITIES:
            raise ValueError(f"unknown meeting entity {entity!r}; expected one of {', '.join(ENTITIES)}")
        since = _iso(updated_since)
        cursor: str | None = None
        while True:
            params: dict[str, str | int] = {"limit": self.page_size}
            if since is not None:
                params["updated_since"] = since
            if cursor is not None:
                params["cursor"] = cursor
            response = self._get(f"/api/v1/{entity}", params)
            page = _parse_page(entity, since, cursor, response, self._secrets)
            yield page
            if page.next_cursor is None:
                return
            if page.next_cursor == cursor:
                raise MeetingApiProtocolError(f"{page.page_id}: next_cursor repeats the cursor; stopping")
            cursor = page.next_cursor

    def _get(self, path: str, params: dict[str, str | int]) -> httpx.Response:
        try:
            return call_with_retries(
                self.retry, f"GET {path} {params}", lambda: self._get_once(path, params), self._secrets
            )
        except RetriesExhausted as exhausted:
            raise MeetingApiUnavailableError(str(exhausted)) from exhausted.__cause__

    def _get_once(self, path: str, params: dict[str, str | int]) -> httpx.Response:
        response = self._http.get(path, params=params)  # reads the body: a slow body times out here
        status = response.status_code
        if status == 200:
            return response
        url = scrub(str(response.url), self._secrets)
        if status == 401:
            raise MeetingApiAuthError(f"GET {url}: 401 Unauthorized; check meeting_api_token")
        Retryable.check(response, self._secrets)
        raise MeetingApiRequestError(f"GET {url}: {remote_excerpt(response, self._secrets)}")


def next_watermark(records: Iterable[Any], previous: str | None) -> str | None:
    """The latest ``updated_at`` among ``records`` (kept as delivered), or ``previous`` if none is later.

    Timestamps compare as instants (``+08:00`` and ``Z`` mix; naive means Asia/Shanghai).
    Records without a readable ``updated_at`` do not move the watermark (they are quarantined).
    """
    latest, latest_instant = previous, (_instant(previous) if previous is not None else None)
    for record in records:
        stamp = record.get("updated_at") if isinstance(record, dict) else None
        if not isinstance(stamp, str):
            continue
        try:
            instant = _instant(stamp)
        except ValueError:
            continue
        if latest_instant is None or instant > latest_instant:
            latest, latest_instant = stamp, instant
    return latest


def _instant(stamp: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(stamp)
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def _iso(updated_since: str | dt.datetime | None) -> str | None:
    if isinstance(updated_since, dt.datetime):
        aware = updated_since if updated_since.tzinfo else updated_since.replace(tzinfo=SHANGHAI)
        return aware.isoformat()
    if updated_since is not None:
        _instant(updated_since)  # fail early on a malformed watermark
    return updated_since


def _parse_page(
    entity: str, since: str | None, cursor: str | None, response: httpx.Response, secrets: tuple[str, ...]
) -> Page:
    page_id = f"api:{entity}:{since or 'all'}:{cursor or 'first'}"
    body_text = response.text
    try:
        body = json.loads(body_text)
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise ValueError('no "data" list')
        next_cursor = body.get("next_cursor")
        if next_cursor is not None and not isinstance(next_cursor, str):
            raise ValueError('"next_cursor" is neither a string nor null')
        raw_records = _data_texts(body_text)
    except ValueError as error:  # json.JSONDecodeError is a ValueError
        said = excerpt(body_text, secrets)
        raise MeetingApiProtocolError(f"{page_id}: unexpected body ({error}): {said!r}") from error
    return Page(page_id, entity, since, cursor, raw_records, body["data"], next_cursor or None)


_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _data_texts(body: str) -> list[str]:
    """The exact text of each element of the top-level ``"data"`` array of a valid JSON body."""
    decoder = json.JSONDecoder()

    def skip(position: int) -> int:
        match = _WHITESPACE.match(body, position)
        return match.end() if match else position

    def expect(position: int, token: str) -> int:
        if body[position : position + 1] != token:
            raise ValueError(f"expected {token!r} at offset {position}")
        return skip(position + 1)

    texts: list[str] = []
    position = expect(skip(0), "{")
    while body[position : position + 1] != "}":
        key, position = decoder.raw_decode(body, position)
        position = expect(skip(position), ":")
        if key == "data":
            texts = []  # a duplicate key: the last one wins, as in json.loads
            position = expect(position, "[")
            while body[position : position + 1] != "]":
                _, end = decoder.raw_decode(body, position)
                texts.append(body[position:end])
                position = skip(end)
                if body[position : position + 1] == ",":
                    position = skip(position + 1)
            position += 1
        else:
            _, position = decoder.raw_decode(body, position)
        position = skip(position)
        if body[position : position + 1] == ",":
            position = skip(position + 1)
    return texts
