"""`pioneer docs`: the dbt catalogue with exposures, lineage from the sources to the HR export."""

import json

from conftest import pioneer


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
