"""HR delivery against a local HTTP endpoint: idempotency key, retries, no double booking."""

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.config import Settings
from core.http_retry import RetryPolicy
from exports.delivery import DeliveryError, deliver_pending, ledger_path


class FakeHrEndpoint:
    """Books each Idempotency-Key once; plays a scripted list of fault statuses first."""

    def __init__(self, faults: list[int] | None = None):
        self.faults = list(faults or [])
        self.requests: list[dict] = []
        self.booked: dict[str, bytes] = {}
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                key = self.headers.get("Idempotency-Key")
                endpoint.requests.append(
                    {"key": key, "auth": self.headers.get("Authorization"), "body": body}
                )
                status = endpoint.faults.pop(0) if endpoint.faults else 201
                if status == 201:
                    endpoint.booked.setdefault(key, body)
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "1")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hr/pioneer-index"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def endpoint():
    server = FakeHrEndpoint()
    yield server
    server.close()


def publish_fake(home, period: str, version: int) -> str:
    folder = home / "exports" / "hr" / period
    folder.mkdir(parents=True, exist_ok=True)
    payload = f"employee_no,period\nSG0000001,{period}\n".encode()
    digest = hashlib.sha256(payload).hexdigest()
    (folder / f"pioneer_index_{period}_v{version}.csv").write_bytes(payload)
    manifest = {"period": period, "version": version, "sha256": digest}
    (folder / f"pioneer_index_{period}_v{version}.manifest.json").write_text(json.dumps(manifest))
    return f"{period}-v{version}-{digest}"


def settings(home, url) -> Settings:
    return Settings(
        home=home, now="2026-11-05T02:00:00+08:00", hr_endpoint_url=url, hr_endpoint_token="hr-secret"
    )


def fast(sleeps: list | None = None) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=4, backoff_initial=0.01, sleep=(sleeps.append if sleeps is not None else lambda s: None)
    )


def test_each_version_is_posted_once_with_its_idempotency_key(tmp_path, endpoint):
    keys = [
        publish_fake(tmp_path, "2026-09", 1),
        publish_fake(tmp_path, "2026-10", 1),
        publish_fake(tmp_path, "2026-10", 2),
    ]
    delivered = deliver_pending(settings(tmp_path, endpoint.url), fast())
    assert [d.idempotency_key for d in delivered] == keys
    assert [r["key"] for r in endpoint.requests] == keys
    assert all(r["auth"] == "Bearer hr-secret" for r in endpoint.requests)
    assert (
        b"SG0000001,2026-10" in endpoint.requests[1]["body"]
        and b'"version": 1' in endpoint.requests[1]["body"]
    )
    assert deliver_pending(settings(tmp_path, endpoint.url), fast()) == []  # nothing new: nothing posted
    assert len(endpoint.requests) == 3 and len(ledger_path(tmp_path).read_text().splitlines()) == 3


def test_throttling_and_server_errors_are_retried_without_double_booking(tmp_path, endpoint):
    key = publish_fake(tmp_path, "2026-10", 1)
    endpoint.faults = [429, 503, 500]
    sleeps: list[float] = []
    delivered = deliver_pending(settings(tmp_path, endpoint.url), fast(sleeps))
    assert [d.idempotency_key for d in delivered] == [key]
    assert sleeps[0] == 1.0  # Retry-After honoured
    assert [r["key"] for r in endpoint.requests] == [key] * 4 and list(endpoint.booked) == [key]


def test_refusal_is_not_retried_and_the_version_stays_pending(tmp_path, endpoint):
    key = publish_fake(tmp_path, "2026-10", 1)
    endpoint.faults = [400]
    with pytest.raises(DeliveryError, match="HTTP 400"):
        deliver_pending(settings(tmp_path, endpoint.url), fast())
    assert len(endpoint.requests) == 1 and not ledger_path(tmp_path).exists()
    assert [d.idempotency_key for d in deliver_pending(settings(tmp_path, endpoint.url), fast())] == [key]


def test_endpoint_down_through_every_retry_fails_and_is_retried_next_run(tmp_path, endpoint):
    publish_fake(tmp_path, "2026-10", 1)
    endpoint.faults = [503] * 4
    with pytest.raises(DeliveryError, match="gave up after 4 attempts"):
        deliver_pending(settings(tmp_path, endpoint.url), fast())
    assert len(deliver_pending(settings(tmp_path, endpoint.url), fast())) == 1


def test_no_endpoint_configured_delivers_nothing(tmp_path):
    publish_fake(tmp_path, "2026-10", 1)
    assert deliver_pending(Settings(home=tmp_path), fast()) == []


# the alert file goes through the same sender (exports.delivery.post_idempotent) ------------------


def alert_settings(home, url) -> Settings:
    return Settings(
        home=home,
        now="2026-12-25T01:30:00+08:00",
        alert_endpoint_url=url,
        alert_endpoint_token="alert-secret",
    )


def alert_file(home, text: str = '{"date": "2026-12-25", "cadence": []}\n'):
    folder = home / "exports" / "alerts"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "2026-12-25.json"
    path.write_text(text, encoding="utf-8")
    return path, f"alerts-2026-12-25-{hashlib.sha256(text.encode()).hexdigest()}"


def test_the_day_s_alerts_are_posted_once_per_content_with_their_idempotency_key(tmp_path, endpoint):
    from exports.alerts import deliver_alerts, ledger_path

    path, key = alert_file(tmp_path)
    entry = deliver_alerts(alert_settings(tmp_path, endpoint.url), path, fast())
    assert entry["idempotency_key"] == key and entry["status_code"] == 201
    assert [(r["key"], r["auth"], r["body"]) for r in endpoint.requests] == [
        (key, "Bearer alert-secret", path.read_bytes())
    ]
    assert (
        deliver_alerts(alert_settings(tmp_path, endpoint.url), path, fast()) is None
    )  # same bytes: not again
    changed, new_key = alert_file(
        tmp_path, '{"date": "2026-12-25", "cadence": [1]}\n'
    )  # a later run that day
    assert (
        deliver_alerts(alert_settings(tmp_path, endpoint.url), changed, fast())["idempotency_key"] == new_key
    )
    assert [r["key"] for r in endpoint.requests] == [key, new_key]
    assert len(ledger_path(tmp_path).read_text().splitlines()) == 2
    assert deliver_alerts(Settings(home=tmp_path), changed, fast()) is None  # no endpoint configured


def test_alert_delivery_is_retried_refused_and_retried_next_run_like_hr(tmp_path, endpoint):
    from exports.alerts import deliver_alerts, ledger_path

    path, key = alert_file(tmp_path)
    endpoint.faults = [429, 503]
    assert deliver_alerts(alert_settings(tmp_path, endpoint.url), path, fast())["idempotency_key"] == key
    assert [r["key"] for r in endpoint.requests] == [key] * 3 and list(endpoint.booked) == [key]

    path, key = alert_file(tmp_path, '{"date": "2026-12-25", "cadence": [2]}\n')
    endpoint.faults = [400]
    with pytest.raises(DeliveryError, match=r"alert endpoint refused .*HTTP 400"):
        deliver_alerts(alert_settings(tmp_path, endpoint.url), path, fast())
    assert key not in ledger_path(tmp_path).read_text()
    assert deliver_alerts(alert_settings(tmp_path, endpoint.url), path, fast())["idempotency_key"] == key
