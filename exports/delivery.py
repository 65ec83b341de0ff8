"""Optional delivery of what the pipeline publishes to an endpoint over HTTP: each HR export
(CSV + manifest) to the HR endpoint, each day's alert file (``exports.alerts``) to the alert
endpoint. Both go through :func:`post_idempotent`, one sender with one set of rules:

Every POST carries ``Idempotency-Key`` (HR: ``<period>-v<N>-<sha256>``; alerts:
``alerts-<date>-<sha256>``) so that a retried or repeated POST cannot be booked twice.
429/5xx/transport errors are retried (``core.http_retry``); a 4xx is not. Successful
deliveries are appended to a ledger (HR: ``HOME/exports/deliveries.jsonl``; alerts:
``HOME/exports/alerts/deliveries.jsonl``); what is not in it yet (endpoint down, run killed) is
delivered by the next run. What an endpoint answered reaches an error or a log line only as
``core.http_retry.remote_excerpt``: the status and a bounded excerpt scrubbed of the token,
so an endpoint echoing the request leaks nothing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from core.config import Settings
from core.http_retry import Retryable, RetryPolicy, call_with_retries, remote_excerpt
from core.layout import Home

TIMEOUT = httpx.Timeout(connect=5.0, read=60.0, write=60.0, pool=5.0)


class DeliveryError(RuntimeError):
    """An endpoint refused a delivery (4xx) or could not be reached through every retry."""


@dataclass
class Delivery:
    period: str
    version: int
    sha256: str
    idempotency_key: str
    delivered_at: str
    status_code: int


def ledger_path(home: Path) -> Path:
    return Home(home).hr_deliveries


def delivered_keys(ledger: Path) -> set[str]:
    """The idempotency keys a ledger records as delivered."""
    if not ledger.exists():
        return set()
    return {json.loads(line)["idempotency_key"] for line in ledger.read_text().splitlines() if line.strip()}


def record_delivery(ledger: Path, entry: dict) -> None:
    ledger.parent.mkdir(parents=True, exist_ok=True)
    with ledger.open("a") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")


def client(token: str | None) -> httpx.Client:
    """An HTTP client sending ``token`` as a bearer token."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(timeout=TIMEOUT, headers=headers)


def post_idempotent(
    http: httpx.Client,
    url: str,
    key: str,
    what: str,
    secrets: list[str | None],
    policy: RetryPolicy | None = None,
    **request,
) -> httpx.Response:
    """POST ``request`` (httpx's ``files``, ``content``, ``headers``…) to ``url`` under the
    idempotency key ``key``, retried as ``core.http_retry`` says; a refusal or the last
    failed attempt raises :class:`DeliveryError` naming ``what`` and the scrubbed answer."""
    headers = {"Idempotency-Key": key} | request.pop("headers", {})

    def post() -> httpx.Response:
        response = http.post(url, headers=headers, **request)
        Retryable.check(response, secrets)
        if not response.is_success:
            raise DeliveryError(f"{what} endpoint refused {key}: {remote_excerpt(response, secrets)}")
        return response

    return call_with_retries(policy or RetryPolicy(), f"POST {key}", post, secrets)


def idempotency_key(manifest: dict) -> str:
    return f"{manifest['period']}-v{manifest['version']}-{manifest['sha256']}"


def deliver_pending(settings: Settings, policy: RetryPolicy | None = None) -> list[Delivery]:
    """POST every published version HR has not acknowledged yet, oldest first."""
    if not settings.hr_endpoint_url:
        return []
    ledger = ledger_path(settings.home)
    done = delivered_keys(ledger)
    manifests = sorted(
        ((json.loads(p.read_text()), p) for p in settings.layout.hr.glob("*/*.manifest.json")),
        key=lambda item: (item[0]["period"], item[0]["version"]),
    )
    secrets = [settings.hr_endpoint_token]  # an echoing endpoint must not put it into a message
    delivered = []
    with client(settings.hr_endpoint_token) as http:
        for manifest, manifest_path in manifests:
            key = idempotency_key(manifest)
            if key in done:
                continue
            csv_path = manifest_path.with_name(manifest_path.name.replace(".manifest.json", ".csv"))
            files = {
                "file": (csv_path.name, csv_path.read_bytes(), "text/csv"),
                "manifest": (manifest_path.name, manifest_path.read_bytes(), "application/json"),
            }
            try:
                response = post_idempotent(
                    http, settings.hr_endpoint_url, key, "HR", secrets, policy, files=files
                )
            except RuntimeError as error:
                raise DeliveryError(
                    f"delivery of {csv_path.name} failed; it is retried next run: {error}"
                ) from error
            delivery = Delivery(
                manifest["period"], manifest["version"], manifest["sha256"], key,
                settings.clock().isoformat(timespec="seconds"), response.status_code,
            )  # fmt: skip
            record_delivery(ledger, asdict(delivery))
            delivered.append(delivery)
    return delivered
