"""Run records: one JSON file per nightly run under ``HOME/runs``; ``status`` reads the newest."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pioneer.config import Settings


@dataclass
class RunSummary:
    started_at: str
    finished_at: str = ""
    status: str = "running"
    ingest: dict = field(default_factory=dict)
    transform: dict = field(default_factory=dict)
    exports: list[dict] = field(default_factory=list)
    deliveries: list[dict] = field(default_factory=list)
    data_docs: str | None = None
    warehouse: str = ""
    exports_dir: str = ""


def runs_dir(settings: Settings) -> Path:
    return settings.home / "runs"


def write_run_record(settings: Settings, summary: RunSummary) -> Path:
    """Keep one JSON file per run under HOME/runs; ``status`` reads the newest."""
    folder = runs_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = summary.started_at.replace(":", "").replace("-", "")
    path, n = folder / f"run_{stamp}.json", 1
    while path.exists():  # the same night run twice keeps both records
        n += 1
        path = folder / f"run_{stamp}_{n}.json"
    path.write_text(json.dumps(asdict(summary), ensure_ascii=False, indent=2, default=str))
    return path


def last_run(settings: Settings) -> dict | None:
    folder = runs_dir(settings)
    records = sorted(folder.glob("run_*.json"), key=lambda p: p.stat().st_mtime_ns) if folder.exists() else []
    return json.loads(records[-1].read_text()) if records else None
