"""The catalogue: dbt docs of the project, with the published warehouse's columns and the exposures.

``dbt docs generate`` needs a connection for the catalogue; it gets a copy of the published
warehouse under ``HOME/docs/`` so that the published file is only ever read, and writes its target
there too (not the nightly job's ``HOME/dbt/target``). ``serve`` serves it and the GX Data Docs
from one loopback port (a free one unless given; Airflow's UI keeps 8080).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from core.config import Settings
from expectations.gates import rebuild_data_docs
from pioneer.analysts.sql import published_warehouse
from pioneer.transform import PROJECT_DIR, dbt_env, project_dir


def gx_data_docs(settings: Settings) -> Path:
    return settings.layout.gx_site / "index.html"


def dbt_docs(settings: Settings, *args: str, **run_kwargs) -> subprocess.CompletedProcess:
    work = settings.layout.docs
    cmd = [
        str(Path(sys.executable).parent / "dbt"), "docs", *args,
        "--project-dir", str(project_dir(settings)),
        "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(settings.layout.docs_site),
        "--log-path", str(work / "logs"),
    ]  # fmt: skip
    return subprocess.run(cmd, env=dbt_env(settings, work / "warehouse.duckdb"), check=False, **run_kwargs)


def generate(settings: Settings) -> Path:
    """Build the catalogue; return its single-file site (``static_index.html``). The GX Data Docs
    are rebuilt too (offline assets, also for a home whose docs predate them)."""
    work = settings.layout.docs
    work.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(published_warehouse(settings.home), work / "warehouse.duckdb")
    proc = dbt_docs(settings, "generate", "--static", capture_output=True, text=True)
    (work / "generate.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"dbt docs generate failed; log: {work / 'generate.log'}")
    if settings.layout.gx_site.is_dir():
        rebuild_data_docs(settings.home)
    return settings.layout.docs_site / "static_index.html"


def server(settings: Settings, port: int = 0) -> ThreadingHTTPServer:
    """An HTTP server on the loopback interface (port 0: a free one) for both sites: ``/`` the dbt
    catalogue (``HOME/docs/target``), ``/gx/`` the GX Data Docs. Nothing else of the home is served."""
    roots = {"/gx/": settings.layout.gx_site, "/": settings.layout.docs_site}

    class Sites(SimpleHTTPRequestHandler):
        def translate_path(self, path: str) -> str:
            if path == "/gx":
                path = "/gx/"
            prefix = next(p for p in roots if path.startswith(p))
            self.directory = str(roots[prefix])
            return super().translate_path("/" + path.removeprefix(prefix))

        def log_message(self, format: str, *args) -> None:  # quiet: no line per asset
            pass

    return ThreadingHTTPServer(("127.0.0.1", port), Sites)


def serve(settings: Settings, port: int, announce) -> None:
    """Serve both sites until interrupted; ``announce`` gets the two URLs once listening."""
    with server(settings, port) as httpd:
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        announce(f"{base}/", f"{base}/gx/index.html")
        with contextlib.suppress(KeyboardInterrupt):
            httpd.serve_forever()
