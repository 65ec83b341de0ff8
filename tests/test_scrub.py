"""The one scrubber of remote error texts (``core.http_retry.scrub``), both directions:
secrets go, an ordinary message stays, an excerpt is one bounded line with its status."""

from __future__ import annotations

import httpx
import pytest

from core.http_retry import EXCERPT_CHARS, SCAN_CHARS, remote_excerpt, scrub

TOKEN = "hr-Tk7-echo-9f3b"  # short and plain: only knowing the configured secret finds it


@pytest.mark.parametrize(
    "text",
    [
        f"you sent Authorization: Bearer {TOKEN}",
        f'{{"headers": {{"Authorization": "Bearer {TOKEN}", "Accept": "*/*"}}}}',
        f"token rejected: {TOKEN}",  # the configured secret, wherever it stands
        f"echo: GET /x?access_token={TOKEN}&limit=5",
    ],
)
def test_a_configured_secret_is_removed_wherever_it_appears(text):
    scrubbed = scrub(text, [TOKEN])
    assert TOKEN not in scrubbed and "[redacted]" in scrubbed


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
        ("proxy said: authorization=Token abc123def", "abc123def"),
        ("upstream: Bearer s3cr3t-v4lue rejected", "s3cr3t-v4lue"),
        ('{"token": "t0k-en-value", "ok": false}', "t0k-en-value"),
        ("password=hunter2&user=hr", "hunter2"),
        ("client_secret: 'abc-def-ghi'", "abc-def-ghi"),
        ("X-Api-Key: k-123-456", "k-123-456"),
        ('{"api_key":"zzz-999"}', "zzz-999"),
        ("retry at https://hr.example/in?sig=ab12cd&x=1", "ab12cd"),
        ("GET https://hr.example/in?key=AbC123xyz", "AbC123xyz"),
        ("connect to https://svc:pa55word@hr.example/in failed", "pa55word"),
        ("id eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc unknown", "eyJhbGciOiJIUzI1NiJ9"),
        (
            "key 3f9a1c7e5b2d4f6081a3c5e7f9b1d3a5c7e9f1b3 not valid",
            "3f9a1c7e5b2d4f6081a3c5e7f9b1d3a5c7e9f1b3",
        ),
    ],
)
def test_anything_that_looks_like_a_secret_is_removed(text, gone):
    scrubbed = scrub(text)
    assert gone not in scrubbed and "[redacted]" in scrubbed, scrubbed
    assert scrub(scrubbed) == scrubbed  # scrubbing twice (a message quoting a message) changes nothing


@pytest.mark.parametrize(
    "text",
    [
        "HTTP 403: period closed",
        "manifest 2026-10 v2 rejected: duplicate Idempotency-Key",
        "authentication failed for this client",
        "pioneer_index_2026-10_v1.csv: 240 rows, expected 241",
        "GET http://127.0.0.1:8080/api/v1/service-records?limit=500: not found",
        "请求被拒绝：本月已关账",
    ],
)
def test_an_ordinary_message_is_kept(text):
    assert scrub(text, [TOKEN, None, ""]) == text


def test_a_secret_too_short_to_be_a_credential_does_not_shred_the_message():
    assert scrub("ConnectError: [Errno 111] Connection refused", ["t"]) == (
        "ConnectError: [Errno 111] Connection refused"
    )


def test_an_excerpt_keeps_the_status_and_is_one_bounded_line():
    body = "period closed\r\n\n  since 2026-11-01\n" + "x" * 5000
    excerpt = remote_excerpt(httpx.Response(403, text=body))
    assert excerpt.startswith("HTTP 403: period closed since 2026-11-01 xxx")
    assert "\n" not in excerpt and len(excerpt) <= len("HTTP 403: ") + EXCERPT_CHARS
    assert remote_excerpt(httpx.Response(502, text="")) == "HTTP 502"


def test_a_secret_cut_by_a_bound_leaves_nothing_of_itself():
    """Neither the excerpt's bound nor the bound of the text scanned cuts a secret into a piece
    that survives (whitespace collapses, so what stood at the scan bound can reach the excerpt)."""
    for start in range(EXCERPT_CHARS - len(TOKEN) - 2, EXCERPT_CHARS + 2):
        body = "p" * (start - 1) + " " + TOKEN + " tail"
        assert "hr" not in remote_excerpt(httpx.Response(400, text=body), [TOKEN]), start
    for start in range(SCAN_CHARS - len(TOKEN) - 2, SCAN_CHARS + 2):
        body = "p" + " " * (start - 1) + TOKEN + " tail"
        excerpt = remote_excerpt(httpx.Response(400, text=body), [TOKEN])
        assert excerpt.removeprefix("HTTP 400: p").strip() in ("", "[redacted]", "[redacted] tail"), start
