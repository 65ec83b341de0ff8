"""A local stand-in for the meeting system API, served on 127.0.0.1 from an in-memory list.

It pages with a keyset cursor (the last record's ``updated_at`` and id, base64), filters
``updated_at >= updated_since`` (inclusive), checks the bearer token (401 otherwise), and plays a
fault script: one entry per request, in order (``None`` = answer normally), then normal answers.

Faults: ``"429"`` (with ``Retry-After: 1``), ``"500"``, ``"503"``, ``"slow"`` (answers after
``slow_seconds``, to trip the client's read timeout), ``"drop"`` (closes the connection unanswered).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

ID_FIELDS = {
    "meetings": "meeting_id",
    "attendance": "record_id",
    "leaves": "leave_id",
    "service-records": "record_id",
}


def _instant(stamp: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(stamp)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))


@dataclass
class Call:
    """One request as the server saw it, and what it answered."""

    entity: str
    params: dict[str, str]
    authorization: str | None
    outcome: str  # "200", "401", a fault name, ...


@dataclass
class FakeMeetingApi:
    """``with FakeMeetingApi(records={...}) as api: MeetingApiClient(api.base_url, api.token)``."""

    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    token: str = "test-token"
    faults: deque[str | None] = field(default_factory=deque)
    slow_seconds: float = 1.0
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, *faults: str | None) -> None:
        """Queue faults for the next requests, in order."""
        with self._lock:
            self.faults.extend(faults)

    def add(self, entity: str, *records: dict[str, Any]) -> None:
        """Insert or replace (by id) records, as the real system keeps only a record's latest version."""
        id_field = ID_FIELDS[entity]
        with self._lock:
            current = self.records.setdefault(entity, [])
            for record in records:
                current[:] = [r for r in current if r[id_field] != record[id_field]] + [record]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- what one request gets --------------------------------------------------------------

    def answer(self, entity: str, params: dict[str, str], authorization: str | None) -> tuple[str, int, dict]:
        """(outcome, status, body); outcome names a fault when one is played."""
        with self._lock:
            fault = self.faults.popleft() if self.faults else None
            if authorization != f"Bearer {self.token}":
                outcome: tuple[str, int, dict] = ("401", 401, {"error": "unauthorized"})
            elif fault in ("429", "500", "503"):
                outcome = (fault, int(fault), {"error": fault})
            elif fault in ("slow", "drop"):
                outcome = (fault, 200, self._page(entity, params))
            elif entity not in ID_FIELDS:
                outcome = ("404", 404, {"error": "no such entity"})
            else:
                outcome = ("200", 200, self._page(entity, params))
            self.calls.append(Call(entity, params, authorization, outcome[0]))
            return outcome

    def _page(self, entity: str, params: dict[str, str]) -> dict[str, Any]:
        id_field = ID_FIELDS[entity]

        def position(record: dict[str, Any]) -> tuple[dt.datetime, str]:
            return _instant(record["updated_at"]), str(record[id_field])

        selected = sorted(self.records.get(entity, []), key=position)
        if "updated_since" in params:
            since = _instant(params["updated_since"])
            selected = [r for r in selected if _instant(r["updated_at"]) >= since]
        if "cursor" in params:
            stamp, last_id = json.loads(base64.urlsafe_b64decode(params["cursor"]))
            after = (_instant(stamp), last_id)
            selected = [r for r in selected if position(r) > after]
        limit = int(params.get("limit", "100"))
        data = selected[:limit]
        next_cursor = None
        if len(selected) > limit:
            last = data[-1]
            key = json.dumps([last["updated_at"], str(last[id_field])]).encode()
            next_cursor = base64.urlsafe_b64encode(key).decode()
        return {"data": data, "next_cursor": next_cursor}


def _handler_for(api: FakeMeetingApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            prefix = "/api/v1/"
            entity = url.path[len(prefix) :] if url.path.startswith(prefix) else ""
            params = {name: values[-1] for name, values in parse_qs(url.query).items()}
            outcome, status, body = api.answer(entity, params, self.headers.get("Authorization"))
            if outcome == "drop":
                self.close_connection = True
                return
            if outcome == "slow":
                time.sleep(api.slow_seconds)
            payload = json.dumps(body, ensure_ascii=False, indent=1).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                if status == 429:
                    self.send_header("Retry-After", "1")
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

    return Handler
