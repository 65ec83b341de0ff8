"""The tasks of the Pioneer DAGs: thin wrappers over the stage functions of ``pioneer.pipeline``.

Configuration comes from the ``PIONEER_*`` environment (``core.config.Settings``) plus the
Airflow connections below when they are defined; the pipeline clock is the DAG run's logical
date (the run's trigger time when it has none, e.g. asset-triggered runs).

Pools (``dags/pools.json``): ``pioneer_duckdb`` (1 slot) is held by every task that writes the
warehouse or publishes exports, so there is one DuckDB writer across all DAGs; each source's
ingestion holds ``pioneer_ingest_<source>`` (1 slot), so one source is never ingested twice at
once while different sources still run in parallel.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Asset, Connection, TriggerRule, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException, AirflowNotFoundException, AirflowSkipException

from ingest.sources import SOURCES
from pioneer.progress import stage as progress

EVENTS = {source: Asset(f"pioneer://events/{source}", group="pioneer") for source in SOURCES}
DUCKDB_POOL = "pioneer_duckdb"
DEFAULT_ARGS = {"owner": "pioneer-data", "retries": 2, "retry_delay": timedelta(minutes=5)}
GATE_KEY = "gate_failed"
SQLALCHEMY_DRIVERS = {"postgres": "postgresql+psycopg2", "mysql": "mysql+pymysql"}


def _connection(conn_id: str) -> Connection | None:
    try:
        return Connection.get(conn_id)
    except AirflowNotFoundException:
        return None


def _base_url(conn: Connection) -> str:
    """``host`` when it is a whole URL, else ``schema://host[:port]`` (HTTP connection style)."""
    if "://" in (conn.host or ""):
        return conn.host
    return f"{conn.schema or 'https'}://{conn.host}" + (f":{conn.port}" if conn.port else "")


def _sqlalchemy_url(conn: Connection) -> str:
    if url := conn.extra_dejson.get("sqlalchemy_url"):
        return url
    driver = SQLALCHEMY_DRIVERS.get(conn.conn_type, conn.conn_type)
    from sqlalchemy.engine import URL

    url = URL.create(driver, conn.login, conn.password, conn.host, conn.port, conn.schema)
    return url.render_as_string(hide_password=False)


def connection_settings() -> dict:
    """Settings fields taken from the Airflow connections that are defined (none are required)."""
    found = {}
    if conn := _connection("pioneer_meeting_api"):
        found |= {"meeting_api_url": _base_url(conn), "meeting_api_token": conn.password}
    if conn := _connection("pioneer_performance_db"):
        found["performance_db_url"] = _sqlalchemy_url(conn)
    if conn := _connection("pioneer_hr_endpoint"):
        found |= {"hr_endpoint_url": _base_url(conn), "hr_endpoint_token": conn.password}
    if conn := _connection("pioneer_alert_endpoint"):
        found |= {"alert_endpoint_url": _base_url(conn), "alert_endpoint_token": conn.password}
    return {key: value for key, value in found.items() if value}


def run_settings():
    """The Settings of the running task: environment + connections, clock = the run's logical date
    (one clock for every task of a DAG run). The pipeline's modules are imported in the task, not
    at parse time: the DAG processor loads these files often and needs only the DAG's shape."""
    from core.config import Settings

    context = get_current_context()
    now = context.get("logical_date") or context["dag_run"].run_after
    return Settings(now=now, **connection_settings())


def _gated(stage, source: str | None = None) -> dict:
    """Run a gated stage holding the home (``pioneer.pipeline.writer``: shared with the other sources'
    ingestion when ``source`` is given, else alone); a failed gate fails the task at once (no
    retry) and is kept for the record."""
    from pioneer.pipeline import GateFailed, writer
    from pioneer.records import ClockWoundBack

    settings = run_settings()
    try:
        with writer(settings, source), progress(get_current_context()["ti"].task_id):
            # the typed result as its JSON (XCom)
            return stage(settings).model_dump(mode="json", fallback=str)
    except GateFailed as failed:
        get_current_context()["ti"].xcom_push(GATE_KEY, failed.as_dict())
        raise AirflowFailException(str(failed)) from failed
    except ClockWoundBack as refused:  # retrying cannot help: this night is older than the home
        raise AirflowFailException(str(refused)) from refused


@task(execution_timeout=timedelta(minutes=30))
def ingest(source: str) -> dict:
    """Ingest one source and gate what it added (skipped when the run's ``sources`` param omits it)."""
    if source not in get_current_context()["params"].get("sources", SOURCES):
        raise AirflowSkipException(f"{source} not selected for this run")
    from pioneer.pipeline import ingest_stage

    return _gated(lambda settings: ingest_stage(settings, source), source)


def ingest_tasks() -> dict:
    """One ingest task per source, each in its source's pool and updating its events Asset."""
    return {
        source: ingest.override(task_id=f"ingest_{source}", pool=f"pioneer_ingest_{source}", outlets=[asset])(
            source
        )
        for source, asset in EVENTS.items()
    }


@task(pool=DUCKDB_POOL, inlets=list(EVENTS.values()), retries=1, execution_timeout=timedelta(hours=2))
def transform() -> dict:
    """dbt build on a candidate warehouse, mart gates, atomic publish."""
    from pioneer.pipeline import transform_stage

    return _gated(transform_stage)


@task(pool=DUCKDB_POOL, execution_timeout=timedelta(hours=1))
def export() -> dict:
    """Validate and publish the due HR exports, deliver them."""
    from pioneer.pipeline import export_stage

    return _gated(export_stage)


@task(pool=DUCKDB_POOL, retries=1, trigger_rule=TriggerRule.ALL_DONE_MIN_ONE_SUCCESS)
def alerts() -> dict:
    """Write the day's alert file (动态预警) and deliver it. It runs once the warehouse was
    published, also when an export gate failed (upstream: transform and export; not when transform
    failed), so a failed delivery fails this task only after the exports were published."""
    from pioneer.pipeline import alerts_stage

    return _gated(alerts_stage)


def summary(ingested: dict, transformed, exported, alerted=None):
    """The run-record task, a teardown: it runs whatever happened upstream, yet the run's state
    is decided by the stages (a failed stage fails the run even though the record was written)."""
    return _summary(ingested, transformed, exported, alerted).as_teardown()


@task(task_id="summary", retries=1)
def _summary(
    ingested: dict, transformed: dict | None, exported: dict | None, alerted: dict | None = None
) -> str:
    """Write the run record under PIONEER_HOME/runs (what ``pioneer status`` reads) with
    ``pioneer.records.record_run``, as ``pioneer run`` does: a failed or skipped stage passes None."""
    from pioneer.records import record_run

    context = get_current_context()
    ti = context["ti"]
    states = ti.get_task_states(dag_id=ti.dag_id, task_ids=["transform"], run_ids=[ti.run_id])
    if states.get(ti.run_id, {}).get("transform") == "skipped":  # a refresh with nothing to do
        raise AirflowSkipException("the stages were skipped: nothing to record")
    upstream = context["task"].upstream_task_ids
    gates = [ti.xcom_pull(task_ids=t, key=GATE_KEY) for t in sorted(upstream)]
    gate = next((g for g in gates if g), None)
    _, path = record_run(
        run_settings(),
        ingested,
        transformed,
        exported,
        gate,
        alerted=alerted,
        with_alerts="alerts" in upstream,
    )
    return str(path)
