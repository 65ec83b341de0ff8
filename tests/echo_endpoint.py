"""A misbehaving remote system on 127.0.0.1: it refuses every request with a body echoing it back.

Some proxies and misconfigured servers answer an error with the request they received, headers
included; the bearer token the pipeline sent comes back in the body. ``statuses`` scripts the
answers in order (the last one repeats); each body repeats the request line, every header in
alphabetical order (``Authorization`` third, within the first 200 characters) and the request
as JSON, so a leak shows whichever way the pipeline cuts the body.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class EchoingEndpoint:
    """``with EchoingEndpoint([500, 403]) as echo: ... echo.url ... echo.requests``."""

    def __init__(self, statuses: list[int], path: str = "/") -> None:
        self.statuses = list(statuses)
        self.requests: list[dict] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                headers = dict(sorted(self.headers.items()))  # Accept, Authorization, ...
                endpoint.requests.append({"method": self.command, "path": self.path, "headers": headers})
                status = endpoint.statuses.pop(0) if len(endpoint.statuses) > 1 else endpoint.statuses[0]
                request = json.dumps({"method": self.command, "path": self.path, "headers": headers})
                lines = "".join(f"{name}: {value}\n" for name, value in headers.items())
                body = f"request refused; you sent:\n{self.requestline}\n{lines}\n{request}\n".encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = answer

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def __enter__(self) -> EchoingEndpoint:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def pending_delivery(home: Path, period: str = "2026-10", version: int = 1) -> None:
    """A published HR export version (CSV + manifest) that HR has not received yet."""
    folder = home / "exports" / "hr" / period
    folder.mkdir(parents=True, exist_ok=True)
    name = f"pioneer_index_{period}_v{version}"
    (folder / f"{name}.csv").write_text(f"employee_no,period\nSG0000001,{period}\n")
    manifest = {"period": period, "version": version, "sha256": "0" * 64}
    (folder / f"{name}.manifest.json").write_text(json.dumps(manifest))


def files_holding(root: Path, secret: str) -> list[str]:
    """Every file under ``root`` whose bytes contain ``secret`` (run records, logs, anything)."""
    needle = secret.encode()
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and needle in path.read_bytes()
    )
