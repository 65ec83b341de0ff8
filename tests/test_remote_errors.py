"""Errors from remote systems keep the status and a bounded, scrubbed excerpt (issue 22, item 5).

A refusing endpoint that echoes the request puts the bearer token into its body; neither the
HR delivery nor the meeting API client may pass it on to an error message, a retry log line,
stderr, the run record or any file of the home.
"""

from __future__ import annotations

import logging
import os
import traceback

import pytest
from echo_endpoint import EchoingEndpoint, files_holding, pending_delivery
from pioneer_cli import demo_data, pioneer

from core.config import Settings
from core.http_retry import RetryPolicy
from exports.delivery import DeliveryError, deliver_pending
from ingest.live.meeting_api import MeetingApiClient, MeetingApiError

NOW = "2026-11-06T01:30:00+08:00"
HR_TOKEN = "hr-Tk7-echo-9f3b"  # short and plain: only knowing the configured secret finds it
MEETING_TOKEN = "mt-Qz4-echo-1c8d"


def fast() -> RetryPolicy:
    return RetryPolicy(max_attempts=3, backoff_initial=0.01, sleep=lambda _: None)


def everything_said(error: BaseException, caplog) -> str:
    """The error with its whole chain, as a traceback prints it, and every log line."""
    return "".join(traceback.format_exception(error)) + caplog.text


# --- the callers in-process ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("statuses", "said"), [([400], "HTTP 400"), ([403], "HTTP 403"), ([500], "HTTP 500")]
)
def test_a_refusing_hr_endpoint_echoing_the_token_does_not_leak_it(tmp_path, caplog, statuses, said):
    pending_delivery(tmp_path)
    caplog.set_level(logging.DEBUG)
    with EchoingEndpoint(statuses, "/hr/pioneer-index") as echo:
        settings = Settings(home=tmp_path, now=NOW, hr_endpoint_url=echo.url, hr_endpoint_token=HR_TOKEN)
        with pytest.raises(DeliveryError) as refused:
            deliver_pending(settings, fast())
        assert echo.requests[0]["headers"]["Authorization"] == f"Bearer {HR_TOKEN}"  # it was sent...
    told = everything_said(refused.value, caplog)
    assert HR_TOKEN not in told  # ...and comes back nowhere
    assert said in str(refused.value) and "request refused; you sent:" in str(refused.value)
    if statuses == [500]:  # every retry's log line says what the server answered, scrubbed
        retries = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
        assert len(retries) == 2 and all("HTTP 500: request refused" in line for line in retries)


@pytest.mark.parametrize("statuses", [[400], [403], [500], [200]])  # 200: a body that is no page
def test_a_refusing_meeting_api_echoing_the_token_does_not_leak_it(caplog, statuses):
    caplog.set_level(logging.DEBUG)
    with EchoingEndpoint(statuses) as echo:
        with (
            MeetingApiClient(echo.url, MEETING_TOKEN, retry=fast()) as client,
            pytest.raises(MeetingApiError) as refused,
        ):
            next(client.fetch_pages("meetings", None))
        assert echo.requests[0]["headers"]["Authorization"] == f"Bearer {MEETING_TOKEN}"
    told = everything_said(refused.value, caplog)
    assert MEETING_TOKEN not in told
    assert f"HTTP {statuses[0]}" in str(refused.value) or statuses == [200]
    assert "request refused; you sent:" in str(refused.value)  # what the server said, scrubbed


def test_a_token_in_the_endpoint_url_is_not_repeated(tmp_path, caplog):
    """A token passed in the query string (as some HR gateways want it) stays out of messages too."""
    pending_delivery(tmp_path)
    caplog.set_level(logging.DEBUG)
    with EchoingEndpoint([403], "/hr") as echo:
        settings = Settings(home=tmp_path, now=NOW, hr_endpoint_url=f"{echo.url}?access_token={HR_TOKEN}")
        with pytest.raises(DeliveryError) as refused:
            deliver_pending(settings, fast())
    assert HR_TOKEN not in everything_said(refused.value, caplog)


# --- the real `pioneer run` ----------------------------------------------------------------


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    out = tmp_path_factory.mktemp("echo") / "landing"
    demo_data(out, members=30, months=2, seed=11)
    return out


def run_against(landing, root, **env: str):
    """``pioneer run`` with its own HOME (user) and home (pipeline); returns the run and both."""
    user, home = root / "user", root / "home"
    user.mkdir()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PIONEER_")} | {"HOME": str(user)}
    ran = pioneer(
        "run", "--sources", str(landing), "--home", str(home), "--now", NOW, env=environment | env
    )  # fmt: skip
    return ran, user, home


def assert_told_nowhere(token: str, ran, *roots) -> None:
    assert token not in ran.stdout and token not in ran.stderr, ran.stderr
    for root in roots:
        assert files_holding(root, token) == [], root
    assert list((roots[-1] / "runs").glob("run_*.json")), "the failed run left no record"


def test_pioneer_run_against_an_echoing_hr_endpoint_leaks_no_token(landing, tmp_path):
    with EchoingEndpoint([500, 500, 403], "/hr/pioneer-index") as echo:  # retried twice, then refused
        ran, user, home = run_against(
            landing, tmp_path, PIONEER_HR_ENDPOINT_URL=echo.url, PIONEER_HR_ENDPOINT_TOKEN=HR_TOKEN
        )
        assert (
            len(echo.requests) == 3 and echo.requests[0]["headers"]["Authorization"] == f"Bearer {HR_TOKEN}"
        )
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "HTTP 403: request refused" in ran.stderr and "[redacted]" in ran.stderr
    assert ran.stderr.count("HTTP 500: request refused") == 2  # the retries' warnings
    assert_told_nowhere(HR_TOKEN, ran, user, home)


def test_pioneer_run_against_an_echoing_meeting_api_leaks_no_token(landing, tmp_path):
    with EchoingEndpoint([500, 403]) as echo:
        ran, user, home = run_against(
            landing, tmp_path, PIONEER_MEETING_API_URL=echo.url, PIONEER_MEETING_API_TOKEN=MEETING_TOKEN
        )
        assert echo.requests[0]["headers"]["Authorization"] == f"Bearer {MEETING_TOKEN}"
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "HTTP 403: request refused" in ran.stderr
    assert_told_nowhere(MEETING_TOKEN, ran, user, home)
