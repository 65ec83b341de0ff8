"""The catalogue: dbt docs of the project, with the published warehouse's columns and the exposures.

``dbt docs generate`` needs a connection for the catalogue; it gets a copy of the published
warehouse under ``HOME/docs/`` so that the published file is only ever read, and writes its target
there too (not the nightly job's ``HOME/dbt/target``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from pioneer.config import Settings
from pioneer.sql import published_warehouse
from pioneer.transform import PROJECT_DIR, dbt_env, project_dir


def docs_dir(settings: Settings) -> Path:
    return settings.home / "docs"


def gx_data_docs(settings: Settings) -> Path:
    return settings.home / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


def dbt_docs(settings: Settings, *args: str, **run_kwargs) -> subprocess.CompletedProcess:
    work = docs_dir(settings)
    cmd = [
        str(Path(sys.executable).parent / "dbt"), "docs", *args,
        "--project-dir", str(project_dir(settings)),
        "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(work / "target"),
        "--log-path", str(work / "logs"),
    ]  # fmt: skip
    return subprocess.run(cmd, env=dbt_env(settings, work / "warehouse.duckdb"), check=False, **run_kwargs)


def generate(settings: Settings) -> Path:
    """Build the catalogue; return its single-file site (``static_index.html``)."""
    work = docs_dir(settings)
    work.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(published_warehouse(settings.home), work / "warehouse.duckdb")
    proc = dbt_docs(settings, "generate", "--static", capture_output=True, text=True)
    (work / "generate.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"dbt docs generate failed; log: {work / 'generate.log'}")
    return work / "target" / "static_index.html"


def serve(settings: Settings, port: int) -> None:
    """Serve the generated catalogue at http://127.0.0.1:PORT until interrupted."""
    dbt_docs(settings, "serve", "--port", str(port), "--no-browser")
