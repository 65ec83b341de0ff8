"""One retry policy for every HTTP call the pipeline makes (meeting API, HR delivery).

``429`` waits ``Retry-After`` seconds (capped); ``5xx``, timeouts and transport errors back off
exponentially; both within a bounded number of attempts. Callers raise :class:`Retryable` for
an answer worth another attempt and any other exception for one that is not.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx
from tenacity import (
    RetryCallState,
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. ``sleep`` is injectable so tests can record waits instead of sleeping."""

    max_attempts: int = 6  # per request, the first attempt included
    backoff_initial: float = 0.5  # seconds; doubles per attempt (5xx, timeouts, transport errors)
    backoff_max: float = 30.0
    retry_after_max: float = 60.0  # a longer Retry-After is capped to this
    sleep: Callable[[float], None] = time.sleep


class Retryable(Exception):
    """A 429 or 5xx answer, worth another attempt."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}" + (f" (Retry-After {retry_after:g}s)" if retry_after else ""))
        self.status = status
        self.retry_after = retry_after

    @classmethod
    def check(cls, response: httpx.Response) -> None:
        """Raise for a 429 or 5xx answer."""
        if response.status_code == 429 or response.status_code >= 500:
            raise cls(response.status_code, retry_after(response))


class RetriesExhausted(RuntimeError):
    """Throttling, server errors or transport failures persisted through every attempt."""


def retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:  # absent, or an HTTP date: fall back to exponential backoff
        return None


def describe(error: BaseException | None) -> str:
    return f"{type(error).__name__}: {error}" if error is not None else "unknown"


def call_with_retries(policy: RetryPolicy, what: str, attempt: Callable[[], T]) -> T:
    """Call ``attempt`` until it returns, raises a non-retryable error, or the attempts run out."""
    backoff = wait_exponential(multiplier=policy.backoff_initial, max=policy.backoff_max)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, Retryable) and error.retry_after is not None:
            return min(error.retry_after, policy.retry_after_max)
        return backoff(state)

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        pause = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "%s: attempt %d failed (%s); retrying in %.2fs",
            what,
            state.attempt_number,
            describe(error),
            pause,
        )

    retrying = Retrying(
        stop=stop_after_attempt(policy.max_attempts),
        wait=wait,
        retry=retry_if_exception_type((Retryable, httpx.TransportError)),
        sleep=policy.sleep,
        before_sleep=before_sleep,
    )
    try:
        return retrying(attempt)
    except RetryError as exhausted:
        last = exhausted.last_attempt.exception()
        raise RetriesExhausted(
            f"{what}: gave up after {policy.max_attempts} attempts; last error: {describe(last)}"
        ) from last
