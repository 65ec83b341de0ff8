"""Out-of-band refresh: ``pioneer_ingest`` (manual) ingests chosen sources; ``pioneer_refresh`` is
scheduled on the events Assets and rebuilds + exports when one was updated outside the nightly job.

The nightly job updates the same Assets (lineage) but transforms itself, so ``pioneer_refresh``
skips runs triggered only by ``pioneer_nightly``'s events.
"""

import pendulum
from airflow.sdk import AssetAny, Param, dag, get_current_context, task
from pioneer_tasks import DEFAULT_ARGS, EVENTS, export, ingest_tasks, summary, transform

from ingest.sources import SOURCES

START = pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai")


@dag(
    dag_id="pioneer_ingest",
    schedule=None,
    start_date=START,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["pioneer", "out-of-band"],
    params={"sources": Param(list(SOURCES), type="array", items={"enum": list(SOURCES)})},
    doc_md=__doc__,
)
def pioneer_ingest():
    ingest_tasks()


@task.short_circuit
def updated_outside_nightly() -> bool:
    events = get_current_context()["triggering_asset_events"]
    return any(e.source_dag_id != "pioneer_nightly" for batch in events.values() for e in batch)


@dag(
    dag_id="pioneer_refresh",
    schedule=AssetAny(*EVENTS.values()),
    start_date=START,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["pioneer", "out-of-band"],
    doc_md=__doc__,
)
def pioneer_refresh():
    transformed = transform()
    exported = export()
    updated_outside_nightly() >> transformed >> exported
    summary({}, transformed, exported)


pioneer_ingest()
pioneer_refresh()
