"""Headless Chromium driven over the DevTools protocol: one page, its console, its DOM, a screenshot."""

from __future__ import annotations

import base64
import itertools
import json
import subprocess
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from websockets.sync.client import connect

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
]


class Page:
    """A page of a private headless Chromium; ``errors`` collects console errors and exceptions."""

    def __init__(self, executable: str, user_data_dir: Path, width: int = 1100):
        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={user_data_dir}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port = self._devtools_port(user_data_dir / "DevToolsActivePort")
        no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        targets = json.load(no_proxy.open(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(t for t in targets if t["type"] == "page")
        self.stack = ExitStack()
        self.ws = self.stack.enter_context(
            connect(page["webSocketDebuggerUrl"], proxy=None, max_size=None, open_timeout=10)
        )
        self.ids = itertools.count(1)
        self.events: list[dict] = []
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.viewport(width)

    def viewport(self, width: int) -> None:
        """A ``width`` CSS pixels wide viewport (900 high; screenshots take the whole page)."""
        self.send(
            "Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1, mobile=False
        )

    def _devtools_port(self, active_port: Path) -> int:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if active_port.exists() and active_port.read_text().strip():
                return int(active_port.read_text().split()[0])
            if self.process.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.process.returncode}")
            time.sleep(0.1)
        raise TimeoutError("chromium did not open its DevTools port")

    def send(self, method: str, **params) -> dict:
        message_id = next(self.ids)
        self.ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=60))
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self.events.append(message)

    def open(self, url: str) -> None:
        self.send("Page.navigate", url=url)
        self.wait_for(lambda: any(e.get("method") == "Page.loadEventFired" for e in self.events))

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def wait_for(self, done, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise TimeoutError("page did not get there in time")
            self.evaluate("0")  # lets pending events arrive
            time.sleep(0.1)

    @property
    def errors(self) -> list[str]:
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
                found.append(" ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
            elif method == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("exception", {}).get("description", "exception"))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(params["entry"]["text"])
        return found

    def screenshot(self, path: Path) -> None:
        """A PNG of the whole page."""
        size = self.send("Page.getLayoutMetrics")["cssContentSize"]
        data = self.send(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        )["data"]
        path.write_bytes(base64.b64decode(data))

    def emulate_media(self, media: str = "print", width: int | None = None) -> None:
        """Lay the page out for ``media`` (``print`` or ``screen``; "" resets), optionally at a viewport
        ``width`` in CSS pixels (A4 at 96 dpi is 794 wide)."""
        self.send("Emulation.setEmulatedMedia", media=media)
        if width:
            self.viewport(width)

    def print_pdf(self, path: Path, **options) -> bytes:
        """The page printed to PDF as Chromium prints it (its print CSS, ``@page`` size; A4 unless the
        page says otherwise), written to ``path``; returns the bytes."""
        params = {
            "printBackground": True,
            "preferCSSPageSize": True,
            "paperWidth": 8.27,
            "paperHeight": 11.69,
        }
        data = base64.b64decode(self.send("Page.printToPDF", **{**params, **options})["data"])
        path.write_bytes(data)
        return data

    def close(self) -> None:
        self.stack.close()
        self.process.terminate()
        self.process.wait(timeout=10)
