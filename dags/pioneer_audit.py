"""Manual audit of every published HR file: ``pioneer_audit`` runs ``pioneer audit`` (the same
function, ``pioneer.replay.audit``) and fails when a file does not follow from the recorded events.

It only reads the home (each publishing run is replayed into a temporary directory) and takes no
lock; it runs in the DuckDB pool so that its builds never compete with a nightly transform.
"""

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task
from airflow.sdk.exceptions import AirflowFailException
from pioneer_tasks import DEFAULT_ARGS, DUCKDB_POOL


@task(pool=DUCKDB_POOL, retries=1, execution_timeout=timedelta(hours=4))
def audit() -> dict:
    """Re-derive every published HR file as of the run that published it; fail on any mismatch."""
    from core.config import Settings
    from pioneer.replay import audit as audit_home

    report = audit_home(Settings().home)
    for line in report.lines:
        print(line)
    mismatches = [str(line) for line in report.lines if not line.ok]
    if mismatches:
        raise AirflowFailException(
            f"audit: {len(mismatches)} of {len(report.lines)} published files do not follow from the "
            f"events: {'; '.join(mismatches[:5])}"
        )
    return {"files_audited": len(report.lines)}


@dag(
    dag_id="pioneer_audit",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["pioneer", "audit"],
    doc_md=__doc__,
)
def pioneer_audit():
    audit()


pioneer_audit()
