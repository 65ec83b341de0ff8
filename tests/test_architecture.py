"""The structure docs/architecture.md describes: layered packages, and one module owning the home's
layout. Each check is run on the real tree (it holds) and on a tree with one violation (it fails).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "ingest", "expectations", "exports", "pioneer")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

# a home path joined with one of the home's own folder or file names (core/layout.py's names)
HOME_NAMES = (
    "events|quarantine|runs|exports|warehouse.duckdb|build|dbt|rules|gx|docs|reports|statements|"
    "_batches|_holds|_files|_watermarks|_duplicates|_nonconforming|\\.lock|\\.gx\\.lock"
)
SPELLED_PATH = re.compile(
    rf"""home\w*\)?\s*/\s*["'](?:{HOME_NAMES})["']"""  # home / "events", Path(home) / "runs"
    rf"""|\{{[\w.]*home\}}/(?:{HOME_NAMES})\b"""  # f"{home}/events/..."
)


def spelled_home_paths(tree: Path) -> list[str]:
    """``file:line`` of every place outside core/layout.py that spells a path under the home."""
    found = []
    for package in PACKAGES + ("dags",):
        for path in sorted((tree / package).rglob("*.py")):
            if path.relative_to(tree).as_posix() == "core/layout.py":
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if SPELLED_PATH.search(line):
                    found.append(f"{path.relative_to(tree)}:{number}: {line.strip()}")
    return found


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", "pyproject.toml", "--no-cache"],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    for package in PACKAGES + ("dags",):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_packages_import_only_the_layers_below_them():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_the_ground_layer_importing_a_stage_breaks_the_contract(tree_copy):
    (tree_copy / "core" / "shortcut.py").write_text("from exports.hr import publish_due_exports  # noqa\n")
    result = lint_imports(tree_copy)
    assert result.returncode != 0
    assert "core is not allowed to import exports" in result.stdout
    assert "core.shortcut -> exports.hr" in result.stdout


def test_a_stage_importing_the_application_breaks_the_contract(tree_copy):
    (tree_copy / "ingest" / "shortcut.py").write_text("import pioneer.pipeline  # noqa\n")
    result = lint_imports(tree_copy)
    assert result.returncode != 0
    assert "ingest is not allowed to import pioneer" in result.stdout


def test_only_the_layout_module_spells_paths_under_the_home():
    assert spelled_home_paths(ROOT) == []


@pytest.mark.parametrize(
    "line",
    [
        'path = home / "events" / source',
        'warehouse = settings.home / "warehouse.duckdb"',
        'seed = Path(home) / "rules" / digest',
        'glob = f"{home}/events/_files/*.parquet"',
        'lock = self.home / ".gx.lock"',
    ],
)
def test_a_path_spelled_outside_the_layout_is_found(tree_copy, line):
    (tree_copy / "exports" / "spelled.py").write_text(f"{line}\n")
    assert [f.split(":")[0] for f in spelled_home_paths(tree_copy)] == ["exports/spelled.py"]
