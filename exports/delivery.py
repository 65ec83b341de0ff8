"""Optional delivery of each published HR export (CSV + manifest) to an HR endpoint over HTTP.

Every published version is POSTed once, as multipart ``file`` + ``manifest``, with the header
``Idempotency-Key: <period>-v<N>-<sha256>`` so that a retried or repeated POST cannot be
booked twice by HR. 429/5xx/transport errors are retried (``pioneer.http_retry``); a 4xx is
not. Successful deliveries are appended to ``HOME/exports/deliveries.jsonl``; a version not
yet delivered there (endpoint down, run killed) is delivered by the next run. What HR answered
reaches an error or a log line only as ``pioneer.http_retry.remote_excerpt``: the status and a
bounded excerpt scrubbed of the token, so an endpoint echoing the request leaks nothing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from exports.hr import hr_dir
from pioneer.config import Settings
from pioneer.http_retry import Retryable, RetryPolicy, call_with_retries, remote_excerpt

TIMEOUT = httpx.Timeout(connect=5.0, read=60.0, write=60.0, pool=5.0)


class DeliveryError(RuntimeError):
    """HR refused a delivery (4xx) or could not be reached through every retry."""


@dataclass
class Delivery:
    period: str
    version: int
    sha256: str
    idempotency_key: str
    delivered_at: str
    status_code: int


def ledger_path(home: Path) -> Path:
    return home / "exports" / "deliveries.jsonl"


def delivered_keys(home: Path) -> set[str]:
    path = ledger_path(home)
    if not path.exists():
        return set()
    return {json.loads(line)["idempotency_key"] for line in path.read_text().splitlines() if line.strip()}


def idempotency_key(manifest: dict) -> str:
    return f"{manifest['period']}-v{manifest['version']}-{manifest['sha256']}"


def deliver_pending(settings: Settings, policy: RetryPolicy | None = None) -> list[Delivery]:
    """POST every published version HR has not acknowledged yet, oldest first."""
    if not settings.hr_endpoint_url:
        return []
    done = delivered_keys(settings.home)
    manifests = sorted(
        ((json.loads(p.read_text()), p) for p in hr_dir(settings.home).glob("*/*.manifest.json")),
        key=lambda item: (item[0]["period"], item[0]["version"]),
    )
    headers = {"Authorization": f"Bearer {settings.hr_endpoint_token}"} if settings.hr_endpoint_token else {}
    secrets = [settings.hr_endpoint_token]  # an echoing endpoint must not put it into a message
    delivered = []
    with httpx.Client(timeout=TIMEOUT, headers=headers) as client:
        for manifest, manifest_path in manifests:
            key = idempotency_key(manifest)
            if key in done:
                continue
            csv_path = manifest_path.with_name(manifest_path.name.replace(".manifest.json", ".csv"))
            files = {
                "file": (csv_path.name, csv_path.read_bytes(), "text/csv"),
                "manifest": (manifest_path.name, manifest_path.read_bytes(), "application/json"),
            }

            def post(files=files, key=key) -> httpx.Response:
                response = client.post(
                    settings.hr_endpoint_url, files=files, headers={"Idempotency-Key": key}
                )
                Retryable.check(response, secrets)
                if not response.is_success:
                    raise DeliveryError(f"HR endpoint refused {key}: {remote_excerpt(response, secrets)}")
                return response

            try:
                response = call_with_retries(policy or RetryPolicy(), f"POST {key}", post, secrets)
            except RuntimeError as error:
                raise DeliveryError(
                    f"delivery of {csv_path.name} failed; it is retried next run: {error}"
                ) from error
            delivery = Delivery(
                manifest["period"], manifest["version"], manifest["sha256"], key,
                settings.clock().isoformat(timespec="seconds"), response.status_code,
            )  # fmt: skip
            with ledger_path(settings.home).open("a") as ledger:
                ledger.write(json.dumps(asdict(delivery)) + "\n")
            delivered.append(delivery)
    return delivered
