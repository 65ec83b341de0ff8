"""Pioneer Index nightly job, 01:30 Asia/Shanghai: ingest every source → transform → export → alerts
→ run record.

A table of contents over ``pioneer.pipeline``'s stage functions (the tasks live in ``pioneer_tasks.py``).
The run's logical date is the pipeline clock, so ``airflow backfill create --dag-id pioneer_nightly
--from-date … --to-date …`` replays those nights; re-runs are idempotent (the event store dedupes,
exports publish only on change).
"""

import pendulum
from airflow.sdk import CronTriggerTimetable, dag
from pioneer_tasks import DEFAULT_ARGS, alerts, export, ingest_tasks, summary, transform


@dag(
    dag_id="pioneer_nightly",
    schedule=CronTriggerTimetable("30 1 * * *", timezone="Asia/Shanghai"),
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["pioneer", "nightly"],
    doc_md=__doc__,
)
def pioneer_nightly():
    ingested = ingest_tasks()
    transformed = transform()
    exported = export()
    alerted = alerts()
    list(ingested.values()) >> transformed >> exported
    [transformed, exported] >> alerted  # after the exports, also when one of them failed its gate
    summary(ingested, transformed, exported, alerted)


pioneer_nightly()
