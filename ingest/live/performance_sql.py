"""Live form of the performance system (绩效系统): incremental reads of ``kpi_monthly``.

::

    kpi_monthly(employee_no varchar, period char(6) 'YYYYMM', kpi_score decimal(5,2),
                rating varchar null, updated_at timestamp, primary key (employee_no, period))

on PostgreSQL (``postgresql+psycopg2://…``) or MySQL/MariaDB (``mysql+pymysql://…``).

Rows come back as the file form's CSV fields would (all strings: ``period`` ``YYYYMM``,
``kpi_score`` with two decimals, ``rating`` empty when null, ``updated_at`` ISO 8601 with
``+08:00``) plus ``raw``, the same fields as one CSV line in the file's column order, so the
file connector's validation applies unchanged.

Why an overlap window: HR corrects rows in place and ``updated_at`` is set by the writer's
clock when the statement runs, not when its transaction commits. A transaction that stamps
``updated_at = 10:00`` but commits at 10:20 is invisible to a read at 10:10, whose watermark may
then be 10:09. Reading ``updated_at >= watermark - overlap`` on the next run catches every such
row committed within ``overlap`` of its stamp (and rows stamped by a writer whose clock lags
by less than ``overlap``). Rows inside the window that were already read come again with the
same ``updated_at``: the same version, hence the same event id, deduplicated by the store. A
row stamped earlier than ``watermark - overlap`` is not read again; choose ``overlap`` longer
than the longest write transaction (``performance_overlap_minutes``, default 60).

The new watermark is the largest ``updated_at`` read (never earlier than the previous one); the
caller stores it only after persisting the rows.

Time zone: ``updated_at`` is taken as Asia/Shanghai local time. PostgreSQL ``timestamp`` is
read as stored; MySQL/MariaDB ``TIMESTAMP`` is read in a session with ``time_zone = '+08:00'``;
a time-zone-aware value (``timestamptz``) is converted to Shanghai.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from core.config import SHANGHAI, Settings

COLUMNS = ("employee_no", "period", "kpi_score", "rating", "updated_at")  # the file form's order

KPI_MONTHLY = sa.table("kpi_monthly", *(sa.column(name) for name in COLUMNS))


class PerformanceDbError(RuntimeError):
    """The performance database could not be read (unreachable, refused, missing table, …)."""


def read_kpi_since(
    url: str | sa.URL,
    watermark: dt.datetime | None,
    overlap: dt.timedelta,
    *,
    connect_timeout: int = 10,
    query_timeout: int = 300,
) -> tuple[list[dict[str, str]], dt.datetime | None]:
    """Rows of ``kpi_monthly`` with ``updated_at >= watermark - overlap`` (all rows when None).

    Ordered by ``updated_at, employee_no, period``. Returns ``(rows, new_watermark)``: each row a
    dict of the file form's columns (strings) plus ``raw``; ``new_watermark`` is a naive
    Shanghai datetime, the latest ``updated_at`` seen or ``watermark`` when nothing is later.
    Timeouts are in seconds. Raises :class:`PerformanceDbError` with the cause.
    """
    since = _shanghai(watermark) - overlap if watermark is not None else None
    query = sa.select(*KPI_MONTHLY.c).order_by(
        KPI_MONTHLY.c.updated_at, KPI_MONTHLY.c.employee_no, KPI_MONTHLY.c.period
    )
    if since is not None:
        query = query.where(KPI_MONTHLY.c.updated_at >= sa.bindparam("since", since, type_=sa.DateTime()))

    url = sa.make_url(url)
    engine = sa.create_engine(
        url, poolclass=NullPool, connect_args=_connect_args(url, connect_timeout, query_timeout)
    )
    try:
        with engine.connect() as connection:
            fetched = connection.execute(query).all()
    except sa.exc.DBAPIError as error:
        cause = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise PerformanceDbError(
            f"performance DB {url.render_as_string(hide_password=True)}: cannot read kpi_monthly: {cause}"
        ) from error
    finally:
        engine.dispose()

    rows = [_file_form(row._mapping) for row in fetched]
    stamps = (_shanghai(row.updated_at) for row in fetched if row.updated_at is not None)
    latest = max(stamps, default=None)
    if watermark is None:
        return rows, latest
    previous = _shanghai(watermark)
    return rows, max(previous, latest) if latest is not None else previous


def read_kpi_since_settings(
    settings: Settings, watermark: dt.datetime | None
) -> tuple[list[dict[str, str]], dt.datetime | None]:
    """:func:`read_kpi_since` with the URL and overlap of the pipeline's settings."""
    if not settings.performance_db_url:
        raise ValueError("performance_db_url is not set")
    overlap = dt.timedelta(minutes=settings.performance_overlap_minutes)
    return read_kpi_since(settings.performance_db_url, watermark, overlap)


def _connect_args(url: sa.URL, connect_timeout: int, query_timeout: int) -> dict[str, Any]:
    backend = url.get_backend_name()
    if backend == "postgresql":  # psycopg2: libpq bounds the whole connection set-up
        return {
            "connect_timeout": connect_timeout,
            "options": f"-c statement_timeout={query_timeout * 1000} -c TimeZone=Asia/Shanghai",
        }
    if backend in ("mysql", "mariadb"):  # pymysql: read_timeout also bounds the handshake
        return {
            "connect_timeout": connect_timeout,
            "read_timeout": query_timeout,
            "write_timeout": query_timeout,
            "init_command": "SET time_zone = '+08:00'",
        }
    return {}


def _shanghai(moment: dt.datetime) -> dt.datetime:
    """Naive Asia/Shanghai local time (the store's convention); naive input is taken as such."""
    return moment.astimezone(SHANGHAI).replace(tzinfo=None) if moment.tzinfo else moment


def _file_form(row: Any) -> dict[str, str]:
    """One DB row as the CSV file form's fields, plus ``raw`` (that CSV line)."""
    score = row["kpi_score"]
    fields = {
        "employee_no": _text(row["employee_no"]),
        "period": _text(row["period"]).rstrip(),  # char(6) may come space-padded
        "kpi_score": f"{Decimal(score):.2f}" if score is not None else "",
        "rating": _text(row["rating"]),
        "updated_at": _shanghai(row["updated_at"]).replace(tzinfo=SHANGHAI).isoformat()
        if row["updated_at"] is not None
        else "",
    }
    line = io.StringIO()
    csv.writer(line, lineterminator="").writerow(fields[name] for name in COLUMNS)
    return fields | {"raw": line.getvalue()}


def _text(value: Any) -> str:
    return "" if value is None else str(value)
