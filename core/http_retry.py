"""One retry policy for every HTTP call the pipeline makes (meeting API, HR delivery), and the one
scrubber of what remote systems say.

``429`` waits ``Retry-After`` seconds (capped); ``5xx``, timeouts and transport errors back off
exponentially; both within a bounded number of attempts. Callers raise :class:`Retryable` for
an answer worth another attempt and any other exception for one that is not.

Whatever a remote system answered reaches an error message or a log line only through
:func:`remote_excerpt` (status code + a bounded, one-line, scrubbed excerpt of the body) or
:func:`scrub` (a URL, an exception's text): an endpoint that echoes the request (as some proxies
and misconfigured servers do) must not put the bearer token into stderr, the run record or the
Airflow task log.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import quote, quote_plus

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

EXCERPT_CHARS = 200  # of a remote body in a message, after scrubbing, on one line
SCAN_CHARS = 16_384  # of a remote body looked at to make the excerpt
REDACTED = "[redacted]"
MIN_SECRET_CHARS = 4  # a configured secret shorter than this is no credential: not searched for

_TOKEN = r"A-Za-z0-9_\-.=+/~"  # the characters of tokens, keys and base64
_NOT_REDACTED = r"(?![ \t]|\[redacted\])"  # a value starts after the spaces, and is not redacted yet
_QUOTED = r'"[^"]*"?|\'[^\']*\'?'  # a quoted value, or one whose closing quote was cut off
# a header whose whole value is a credential: "Authorization: Bearer x", '"Cookie": "a=1; b=2"'
_CREDENTIAL_HEADER = re.compile(
    r"(?i)(?<![\w-])((?:proxy-)?authorization|(?:set-)?cookie)([\"']?[ \t]*[:=][ \t]*)"
    rf"{_NOT_REDACTED}({_QUOTED}|[^\r\n\"'<>,;&}}]+)"
)
# a value named like a secret: token=x, "access_token": "x", password: x, X-Api-Key: x, sig=x
_SECRET_NAMED = re.compile(
    r"(?i)(?<![\w-])([\w-]*?(?:token|secret|passw(?:or)?d|pwd|api[_-]?key|apikey|access[_-]?key"
    r"|private[_-]?key|credentials?|signature|sig|auth))(?![\w-])([\"']?[ \t]*[:=][ \t]*)"
    rf"{_NOT_REDACTED}({_QUOTED}|[^\s&,;\"'<>()\[\]{{}}]+)"
)
# an authentication scheme's credential; other than Bearer only one that looks like a token
_SCHEME = re.compile(
    rf"(?i)\b(Bearer)[ \t]+[{_TOKEN}]+"
    rf"|\b(Basic|Digest|Token|Negotiate)[ \t]+(?=[A-Za-z]*[0-9+/=_.~-])[{_TOKEN}]+"
)
_USERINFO = re.compile(r"(://[^/\s:@]+):[^/\s@]+@")  # https://user:password@host
_QUERY_KEY = re.compile(r"(?i)([?&](?:key|code)=)(?!\[redacted\])[^&#\s\"'<>]+")  # ?key=x
_LONG = re.compile(rf"[{_TOKEN}]{{32,}}")
_TRAILING_WORD = re.compile(r"\S*$")


def _looks_secret(word: str) -> bool:
    """A long run of token characters with a long alphanumeric stretch mixing letters and digits
    (a hash, a JWT, an API key), not a path or a file name."""
    return (
        re.search(r"[A-Za-z0-9+]{20,}", word) is not None
        and re.search(r"[0-9]", word) is not None
        and re.search(r"[A-Za-z]", word) is not None
    )


def _redact_value(match: re.Match) -> str:
    """Keep the name, the separator and the quotes of a ``name: value``; the value goes."""
    name, separator, value = match.groups()
    opening = value[0] if value[0] in "\"'" else ""
    closing = opening if opening and len(value) > 1 and value.endswith(opening) else ""
    return f"{name}{separator}{opening}{REDACTED}{closing}"


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every secret in it replaced by ``[redacted]``.

    Removed: the exact ``secrets`` given (the configured tokens; also URL-encoded) wherever they
    appear, credential headers (``Authorization``, ``Cookie``), scheme credentials (``Bearer x``),
    values named like secrets (``token=x``, ``"password": "x"``, ``api_key: x``, ``sig=x``,
    ``?key=x``), the password of a URL's user info, and long high-entropy strings (32+ token
    characters with a 20+ alphanumeric stretch of letters and digits). Anything else is kept.
    Scrubbing twice changes nothing.
    """
    for secret in sorted({s for s in secrets if s and len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True):
        for form in dict.fromkeys((secret, quote(secret, safe=""), quote_plus(secret))):
            text = text.replace(form, REDACTED)
    text = _USERINFO.sub(rf"\1:{REDACTED}@", text)
    text = _QUERY_KEY.sub(rf"\1{REDACTED}", text)
    text = _CREDENTIAL_HEADER.sub(_redact_value, text)
    text = _SCHEME.sub(lambda m: f"{m.group(1) or m.group(2)} {REDACTED}", text)
    text = _SECRET_NAMED.sub(_redact_value, text)
    return _LONG.sub(lambda m: REDACTED if _looks_secret(m.group()) else m.group(), text)


def excerpt(text: str, secrets: Iterable[str | None] = ()) -> str:
    """The beginning of a remote system's ``text``, scrubbed, on one line, at most ``EXCERPT_CHARS``.

    Only the first ``SCAN_CHARS`` are looked at; when the text is longer, the word the cut falls
    in is dropped (with as many characters as the longest secret), so a secret cut in two
    leaves no beginning of itself that the scrubber could not recognise.
    """
    secrets = [s for s in secrets if s]
    text = text.lstrip()
    if len(text) > SCAN_CHARS:
        text = text[: SCAN_CHARS - max(map(len, secrets), default=0)]
        text = _TRAILING_WORD.sub("", text)
    text = " ".join(scrub(text, secrets).split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


_LOGGED_SECRETS: set[str] = set()  # every secret given to call_with_retries in this process


class _ScrubbedLog(logging.Filter):
    """httpx logs each request's URL at INFO, which Airflow's task log keeps: scrub the line of
    the secrets the retry policy was given and of anything that looks like one."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = scrub(record.getMessage(), _LOGGED_SECRETS), ()
        return True


logging.getLogger("httpx").addFilter(_ScrubbedLog())


def _body_excerpt(response: httpx.Response, secrets: Iterable[str | None]) -> str:
    try:
        return excerpt(response.text, secrets)
    except httpx.ResponseNotRead:  # a streamed body nobody read: the status says enough
        return ""


def remote_excerpt(response: httpx.Response, secrets: Iterable[str | None] = ()) -> str:
    """``HTTP <status>: <excerpt of the body>`` (see :func:`excerpt`), or ``HTTP <status>``: what
    every error message about a remote system's answer says of it."""
    said = _body_excerpt(response, secrets)
    return f"HTTP {response.status_code}: {said}" if said else f"HTTP {response.status_code}"


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. ``sleep`` is injectable so tests can record waits instead of sleeping."""

    max_attempts: int = 6  # per request, the first attempt included
    backoff_initial: float = 0.5  # seconds; doubles per attempt (5xx, timeouts, transport errors)
    backoff_max: float = 30.0
    retry_after_max: float = 60.0  # a longer Retry-After is capped to this
    sleep: Callable[[float], None] = time.sleep


class Retryable(Exception):
    """A 429 or 5xx answer, worth another attempt; ``said`` is the scrubbed excerpt of its body."""

    def __init__(self, status: int, retry_after: float | None, said: str = "") -> None:
        super().__init__(
            f"HTTP {status}"
            + (f" (Retry-After {retry_after:g}s)" if retry_after else "")
            + (f": {said}" if said else "")
        )
        self.status = status
        self.retry_after = retry_after

    @classmethod
    def check(cls, response: httpx.Response, secrets: Iterable[str | None] = ()) -> None:
        """Raise for a 429 or 5xx answer, with its body's excerpt scrubbed of ``secrets``."""
        if response.status_code == 429 or response.status_code >= 500:
            raise cls(response.status_code, retry_after(response), _body_excerpt(response, secrets))


class RetriesExhausted(RuntimeError):
    """Throttling, server errors or transport failures persisted through every attempt."""


def retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:  # absent, or an HTTP date: fall back to exponential backoff
        return None


def describe(error: BaseException | None, secrets: Iterable[str | None] = ()) -> str:
    """``<type>: <message>``, scrubbed (a transport error's text can name the URL)."""
    return scrub(f"{type(error).__name__}: {error}", secrets) if error is not None else "unknown"


def call_with_retries(
    policy: RetryPolicy, what: str, attempt: Callable[[], T], secrets: Iterable[str | None] = ()
) -> T:
    """Call ``attempt`` until it returns, raises a non-retryable error, or the attempts run out.

    ``secrets`` (the caller's tokens) are scrubbed from the errors the retries log and report,
    and from httpx's own log lines.
    """
    secrets = [s for s in secrets if s]
    _LOGGED_SECRETS.update(secrets)
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
            describe(error, secrets),
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
            f"{what}: gave up after {policy.max_attempts} attempts; last error: {describe(last, secrets)}"
        ) from last
