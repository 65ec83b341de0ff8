"""`pioneer docs`: the dbt catalogue with exposures, lineage from the sources to the HR export."""

import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import PIONEER, pioneer


def test_catalogue_has_lineage_from_sources_to_the_hr_export(demo_home):
    made = pioneer("docs", "--home", str(demo_home))
    assert made.returncode == 0, made.stderr
    assert (demo_home / "docs" / "target" / "static_index.html").is_file()
    assert "gx/uncommitted/data_docs/local_site/index.html" in made.stdout
    manifest = json.loads((demo_home / "docs" / "target" / "manifest.json").read_text())
    export = manifest["exposures"]["exposure.pioneer.hr_performance_export"]
    assert set(export["depends_on"]["nodes"]) == {
        "model.pioneer.fct_member_index_monthly",
        "model.pioneer.dim_member",
        "seed.pioneer.rules",
    }
    assert export["meta"]["data_docs"].endswith("gx/uncommitted/data_docs/local_site/index.html")
    assert "exposure.pioneer.monthly_report" in manifest["exposures"]

    parents = manifest["parent_map"]
    upstream, todo = set(), ["exposure.pioneer.hr_performance_export"]
    while todo:
        for parent in parents.get(todo.pop(), []):
            if parent not in upstream:
                upstream.add(parent)
                todo.append(parent)
    assert any(node.startswith("source.pioneer.") for node in upstream)
    catalog = json.loads((demo_home / "docs" / "target" / "catalog.json").read_text())
    assert "model.pioneer.fct_member_index_monthly" in catalog["nodes"]


def test_serve_gives_both_sites_on_loopback_from_a_relative_home(demo_home):
    """`make docs` as a newcomer runs it: a relative --home, a free port, the printed URLs work."""
    served = subprocess.Popen(
        [*PIONEER, "docs", "--home", demo_home.name, "--serve"],
        cwd=demo_home.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        lines = [served.stdout.readline() for _ in range(5)]
        assert lines[0] == f"dbt docs: {demo_home / 'docs' / 'target' / 'static_index.html'}\n", lines
        assert Path(lines[1].split(": ", 1)[1].strip()).is_file(), lines
        dbt_url, gx_url = (line.split(": ", 1)[1].strip() for line in lines[3:5])
        assert dbt_url.startswith("http://127.0.0.1:") and gx_url.endswith("/gx/index.html"), lines
        assert "dbt" in fetch(dbt_url) and "manifest" in fetch(dbt_url + "manifest.json")
        index = fetch(gx_url)
        assert "static/vendor/bootstrap-4.3.1" in index and "maxcdn" not in index
        assert fetch(gx_url.replace("index.html", "static/vendor/jquery-3.7.1/dist/jquery.min.js"))
        for outside in ("/../warehouse.duckdb", "/gx/../../warehouse.duckdb", "/%2e%2e/warehouse.duckdb"):
            with pytest.raises(urllib.error.HTTPError):
                fetch(dbt_url.rstrip("/") + outside)
    finally:
        served.terminate()
        served.wait(timeout=30)


def fetch(url: str) -> str:
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with no_proxy.open(url, timeout=30) as response:
        return response.read().decode("utf-8", errors="replace")
