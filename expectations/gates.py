"""Run the repository's Great Expectations suites on DataFrames; keep results and Data Docs under HOME.

Suites are JSON files in ``expectations/suites/`` (the repo is their home); numbers that
belong to the rules or to the month (cut-offs, expected row counts) are suite parameters
(``{"$PARAMETER": name}``) passed at validation time, in a row condition's ``parameter`` too.
An expectation whose ``meta.severity`` is ``warning`` reports without blocking: its failure is
a warning of the gate, which still passes. The GX file context lives at ``HOME/gx`` so
validation results and Data Docs of a home stay in that home.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from core.layout import Home
from expectations.data_docs import configure, localise

SUITES_DIR = Path(__file__).resolve().parent / "suites"
MAX_OFFENDING_ROWS = 20


@dataclass
class Failure:
    expectation: str
    rule: str
    kwargs: dict
    unexpected_count: int | None
    offending_rows: list[dict] = field(default_factory=list)


@dataclass
class GateResult:
    suite: str
    passed: bool  # no blocking expectation failed
    failures: list[Failure]  # the blocking expectations that failed
    docs_index: str | None
    warnings: list[Failure] = field(default_factory=list)  # failed expectations of severity warning

    def verdict(self, gate: str) -> dict:
        """The gate's verdict as run records and ``status`` keep it: its name, passed or not, and
        the rule, counts and offending rows of every failure and warning."""
        return {
            "gate": gate,
            "suite": self.suite,
            "passed": self.passed,
            "failures": [asdict(f) for f in self.failures],
            "warnings": [asdict(f) for f in self.warnings],
        }


def is_warning(expectation_meta: dict | None) -> bool:
    return (expectation_meta or {}).get("severity") == "warning"


def load_suite(name: str) -> dict:
    return json.loads((SUITES_DIR / f"{name}.json").read_text())


def bind_row_conditions(spec: dict, parameters: dict) -> dict:
    """The suite with each row condition's ``{"$PARAMETER": name}`` replaced by its value (GX
    binds suite parameters in an expectation's kwargs, not inside a row condition)."""

    def bind(node):
        if isinstance(node, dict):
            if set(node) == {"$PARAMETER"}:
                return parameters[node["$PARAMETER"]]
            return {k: bind(v) for k, v in node.items()}
        return [bind(v) for v in node] if isinstance(node, list) else node

    expectations = [
        e | {"kwargs": e["kwargs"] | {"row_condition": bind(e["kwargs"]["row_condition"])}}
        if "row_condition" in e.get("kwargs", {})
        else e
        for e in spec["expectations"]
    ]
    return spec | {"expectations": expectations}


def _quiet_gx() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)


@contextmanager
def gx_lock(home: Path) -> Iterator[None]:
    """One validation at a time per home: parallel tasks (Airflow ingests sources concurrently)
    share the GX file context under ``HOME/gx``, whose config and stores are plain files."""
    home.mkdir(parents=True, exist_ok=True)
    with (Home(home).gx_lock).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def validate_frame(
    home: Path, suite_name: str, frame: pd.DataFrame, parameters: dict, run_name: str
) -> GateResult:
    """Validate ``frame`` with suite ``suite_name``; build Data Docs; return failures with rows."""
    with gx_lock(home):
        return _validate(home, suite_name, frame, parameters, run_name)


def rebuild_data_docs(home: Path) -> Path:
    """Rebuild the home's Data Docs from the stored validation results with the offline views
    (``pioneer docs``: also a home whose docs were built before; nothing is re-validated)."""
    with gx_lock(home):
        _quiet_gx()
        import great_expectations as gx

        context = gx.get_context(mode="file", project_root_dir=str(home))
        configure(context)
        context.build_data_docs()
        localise(Home(home).gx_site)
    return Home(home).gx_site / "index.html"


def _validate(
    home: Path, suite_name: str, frame: pd.DataFrame, parameters: dict, run_name: str
) -> GateResult:
    _quiet_gx()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="file", project_root_dir=str(home))
    if context.variables.progress_bars is None:  # a nightly log is no place for progress bars
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        context.variables.save()
    configure(context)
    spec = bind_row_conditions(load_suite(suite_name), parameters)
    suite = context.suites.add_or_update(gx.ExpectationSuite(**spec))
    source = context.data_sources.add_or_update_pandas("frames")
    asset = next((a for a in source.assets if a.name == suite_name), None) or source.add_dataframe_asset(
        suite_name
    )
    batch_def = next((b for b in asset.batch_definitions if b.name == "whole"), None)
    batch_def = batch_def or asset.add_batch_definition_whole_dataframe("whole")
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=f"{suite_name}_{run_name}", data=batch_def, suite=suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=f"gate_{suite_name}",
            validation_definitions=[definition],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],
            result_format={"result_format": "COMPLETE"},
        )
    )
    started = time.time() - 1  # the pages its data docs action writes (mtime granularity)
    outcome = checkpoint.run(
        batch_parameters={"dataframe": frame},
        expectation_parameters=parameters,
        run_id=gx.RunIdentifier(run_name=run_name),
    )
    failures, warnings = [], []
    for run_result in outcome.run_results.values():
        for result in run_result.results:
            if result.success:
                continue
            config = result.expectation_config
            indexes = (result.result or {}).get("unexpected_index_list") or []
            rows = frame.iloc[[i for i in indexes if isinstance(i, int)][:MAX_OFFENDING_ROWS]]
            (warnings if is_warning(config.meta) else failures).append(
                Failure(
                    expectation=config.type,
                    rule=(config.meta or {}).get("rule", ""),
                    kwargs={k: v for k, v in config.kwargs.items() if k not in ("batch_id",)},
                    unexpected_count=(result.result or {}).get("unexpected_count"),
                    offending_rows=json.loads(
                        rows.to_json(orient="records", force_ascii=False, date_format="iso")
                    ),
                )
            )
    sites = context.get_docs_sites_urls()
    localise(Home(home).gx_site, since=started)
    return GateResult(
        suite=suite_name,
        passed=not failures,
        failures=failures,
        docs_index=sites[0]["site_url"] if sites else None,
        warnings=warnings,
    )
