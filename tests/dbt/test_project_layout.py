"""The dbt project's layout, checked on its manifest (`dbt parse`): only staging reads the event store
(besides the allow-list below), and every model lives in the folder its name prefix says."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"

# Models outside staging that read sources, because reading the raw event store (every source, every
# batch and version) is what they are for; each says so in its YAML description.
READS_SOURCES = {
    "int_event_batches": "models/intermediate/build",
    "int_touched_months": "models/intermediate/build",
    "nonconforming_events": "models/audit",
}


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, dict]:
    tmp = tmp_path_factory.mktemp("dbt_parse")
    env = dict(os.environ, PIONEER_HOME=str(tmp), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    env.pop("PIONEER_DBT_TARGET", None)
    dbt = shutil.which("dbt", path=str(Path(sys.executable).parent)) or "dbt"
    cmd = [
        dbt, "parse", "--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT), "--target", "duckdb",
        "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"),
    ]  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=str(tmp))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    manifest = json.loads((tmp / "target" / "manifest.json").read_text())
    return {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}


def folder(node: dict) -> str:
    return str(PurePosixPath(node["original_file_path"]).parent)


def test_only_staging_and_the_allow_list_read_sources(models):
    readers = {
        name: folder(node)
        for name, node in models.items()
        if any(dep.startswith("source.") for dep in node["depends_on"]["nodes"])
    }
    outside_staging = {name: path for name, path in readers.items() if path != "models/staging"}
    assert outside_staging == READS_SOURCES
    for name in READS_SOURCES:
        assert "reads the event store directly" in models[name]["description"].lower(), name


def in_its_folder(name: str, path: str) -> bool:
    """stg_ in staging/, int_ in a domain folder of intermediate/, fct_/dim_ in marts/, the rest (the
    build's own records: build_batches, quarantine_references …) in audit/."""
    if name.startswith("stg_"):
        return path == "models/staging"
    if name.startswith("int_"):
        return str(PurePosixPath(path).parent) == "models/intermediate"
    if name.startswith(("fct_", "dim_")):
        return path == "models/marts"
    return path == "models/audit"


def test_every_model_lives_in_the_folder_of_its_prefix(models):
    misplaced = {name: folder(node) for name, node in models.items() if not in_its_folder(name, folder(node))}
    assert misplaced == {}
    assert len(models) > 50  # the whole project was parsed
