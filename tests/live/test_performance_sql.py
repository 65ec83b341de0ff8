"""Incremental KPI reads against the real local PostgreSQL and MariaDB servers.

Each backend gets its own throw-away database ``pioneer_test_<random>``, dropped at the end;
nothing else on the servers is touched. A backend whose server is not reachable is skipped.
"""

from __future__ import annotations

import datetime as dt
import secrets
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from ingest.live.performance_sql import PerformanceDbError, read_kpi_since


@dataclass(frozen=True)
class Server:
    scheme: str
    port: int
    admin_database: str
    user: str
    ddl: str
    writer_args: dict[str, str]  # the performance system's writers work in Shanghai time

    def url(self, database: str, port: int | None = None) -> str:
        return f"{self.scheme}://{self.user}@127.0.0.1:{port or self.port}/{database}"


KPI_DDL = """create table kpi_monthly (
    employee_no varchar(20) not null,
    period char(6) not null,
    kpi_score decimal(5,2) not null,
    rating varchar(1) null,
    updated_at {timestamp} not null,
    primary key (employee_no, period))"""

SERVERS = {
    "postgresql": Server(
        "postgresql+psycopg2", 5432, "postgres", "postgres", KPI_DDL.format(timestamp="timestamp"), {}
    ),
    "mariadb": Server(
        "mysql+pymysql",
        3306,
        "",
        "root:",
        KPI_DDL.format(timestamp="timestamp default current_timestamp"),
        {"init_command": "SET time_zone = '+08:00'"},
    ),
}


def reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module", params=sorted(SERVERS))
def database(request: pytest.FixtureRequest) -> Iterator[tuple[Server, str]]:
    server = SERVERS[request.param]
    if not reachable(server.port):
        pytest.skip(f"{request.param} is not reachable at 127.0.0.1:{server.port}")
    name = f"pioneer_test_{secrets.token_hex(4)}"
    admin = sa.create_engine(
        server.url(server.admin_database), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f"create database {name}"))
    try:
        yield server, server.url(name)
    finally:
        force = " with (force)" if request.param == "postgresql" else ""
        with admin.connect() as connection:
            connection.execute(sa.text(f"drop database {name}{force}"))
        admin.dispose()


class KpiTable:
    """The performance system's side: writes ``kpi_monthly`` as HR would (in place)."""

    def __init__(self, server: Server, url: str) -> None:
        self.url = url
        self.engine = sa.create_engine(url, poolclass=NullPool, connect_args=server.writer_args)
        with self.engine.begin() as connection:
            connection.execute(sa.text("drop table if exists kpi_monthly"))
            connection.execute(sa.text(server.ddl))

    def put(
        self,
        employee_no: str,
        period: str,
        score: str,
        rating: str | None,
        updated_at: dt.datetime,
        connection: sa.Connection | None = None,
    ) -> None:
        """Insert or update in place (in ``connection``'s open transaction when given)."""
        row = {"e": employee_no, "p": period, "s": score, "r": rating, "u": updated_at}
        statements = [
            "delete from kpi_monthly where employee_no = :e and period = :p",
            "insert into kpi_monthly values (:e, :p, :s, :r, :u)",
        ]
        if connection is not None:
            for statement in statements:
                connection.execute(sa.text(statement), row)
            return
        with self.engine.begin() as own:
            for statement in statements:
                own.execute(sa.text(statement), row)


@pytest.fixture
def kpi(database: tuple[Server, str]) -> Iterator[KpiTable]:
    table = KpiTable(*database)
    yield table
    table.engine.dispose()


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 4, 2, hour, minute)


def keys(rows: list[dict[str, str]]) -> list[tuple[str, str, str]]:
    return [(r["employee_no"], r["period"], r["updated_at"]) for r in rows]


NO_OVERLAP = dt.timedelta(0)
HALF_HOUR = dt.timedelta(minutes=30)


def test_first_read_gets_all_rows_in_file_form(kpi: KpiTable) -> None:
    kpi.put("SG3700002", "202603", "92.5", "A", at(10, 5))
    kpi.put("SG3700001", "202603", "87", None, at(10))
    kpi.put("SG3700001", "202602", "120.00", "A", at(10, 5))

    rows, watermark = read_kpi_since(kpi.url, None, HALF_HOUR)

    assert rows == [
        {
            "employee_no": "SG3700001",
            "period": "202603",
            "kpi_score": "87.00",
            "rating": "",
            "updated_at": "2026-04-02T10:00:00+08:00",
            "raw": "SG3700001,202603,87.00,,2026-04-02T10:00:00+08:00",
        },
        {
            "employee_no": "SG3700001",
            "period": "202602",
            "kpi_score": "120.00",
            "rating": "A",
            "updated_at": "2026-04-02T10:05:00+08:00",
            "raw": "SG3700001,202602,120.00,A,2026-04-02T10:05:00+08:00",
        },
        {
            "employee_no": "SG3700002",
            "period": "202603",
            "kpi_score": "92.50",
            "rating": "A",
            "updated_at": "2026-04-02T10:05:00+08:00",
            "raw": "SG3700002,202603,92.50,A,2026-04-02T10:05:00+08:00",
        },
    ]
    assert watermark == at(10, 5)


def test_rows_updated_between_runs_are_read_again_as_a_new_version(kpi: KpiTable) -> None:
    kpi.put("SG3700001", "202603", "87.00", "B", at(10))
    kpi.put("SG3700002", "202603", "92.50", "A", at(10, 10))
    first, watermark = read_kpi_since(kpi.url, None, NO_OVERLAP)

    kpi.put("SG3700001", "202603", "89.00", "A", at(11))  # HR corrects the row in place
    second, new_watermark = read_kpi_since(kpi.url, watermark, NO_OVERLAP)

    assert keys(second) == [
        ("SG3700002", "202603", "2026-04-02T10:10:00+08:00"),  # == watermark: same version again
        ("SG3700001", "202603", "2026-04-02T11:00:00+08:00"),  # the correction
    ]
    assert second[0] == first[1]  # identical, so the store dedupes it
    assert (second[1]["kpi_score"], second[1]["rating"]) == ("89.00", "A")
    assert new_watermark == at(11)


def test_a_row_committed_late_inside_the_overlap_is_not_missed(kpi: KpiTable) -> None:
    kpi.put("SG3700001", "202603", "87.00", "B", at(10))
    kpi.put("SG3700002", "202603", "92.50", "A", at(10, 10))
    with kpi.engine.connect() as slow_writer:
        late = slow_writer.begin()
        kpi.put("SG3700003", "202603", "75.00", "C", at(10, 8), slow_writer)  # stamped 10:08 …
        first, watermark = read_kpi_since(kpi.url, None, HALF_HOUR)
        late.commit()  # … committed after the first read, whose watermark is 10:10

    assert ("SG3700003", "202603") not in {(r["employee_no"], r["period"]) for r in first}
    assert watermark == at(10, 10)

    second, _ = read_kpi_since(kpi.url, watermark, HALF_HOUR)
    assert ("SG3700003", "202603", "2026-04-02T10:08:00+08:00") in keys(second)

    # without the overlap it would have been lost
    assert ("SG3700003", "202603") not in {
        (r["employee_no"], r["period"]) for r in read_kpi_since(kpi.url, watermark, NO_OVERLAP)[0]
    }


def test_nothing_before_watermark_minus_overlap_is_read_again(kpi: KpiTable) -> None:
    kpi.put("SG3700001", "202602", "80.00", "B", at(8))
    kpi.put("SG3700002", "202602", "81.00", "B", at(9, 39))
    kpi.put("SG3700003", "202602", "82.00", "B", at(9, 40))
    kpi.put("SG3700004", "202602", "83.00", "B", at(10, 10))
    _, watermark = read_kpi_since(kpi.url, None, HALF_HOUR)

    second, same_watermark = read_kpi_since(kpi.url, watermark, HALF_HOUR)

    assert keys(second) == [  # since = 10:10 - 30 min = 09:40, inclusive
        ("SG3700003", "202602", "2026-04-02T09:40:00+08:00"),
        ("SG3700004", "202602", "2026-04-02T10:10:00+08:00"),
    ]
    assert same_watermark == watermark  # nothing new: the watermark stays


def test_an_aware_watermark_is_taken_in_shanghai_time(kpi: KpiTable) -> None:
    kpi.put("SG3700001", "202603", "87.00", "B", at(10))
    kpi.put("SG3700002", "202603", "88.00", "B", at(11))
    utc_ten = dt.datetime(2026, 4, 2, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai

    rows, watermark = read_kpi_since(kpi.url, utc_ten, NO_OVERLAP)

    assert [r["employee_no"] for r in rows] == ["SG3700001", "SG3700002"]
    assert watermark == at(11)


def test_a_missing_table_fails_with_a_clear_error(kpi: KpiTable) -> None:
    with kpi.engine.begin() as connection:
        connection.execute(sa.text("drop table kpi_monthly"))
    with pytest.raises(PerformanceDbError, match="cannot read kpi_monthly"):
        read_kpi_since(kpi.url, None, HALF_HOUR)


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_mariadb_timestamps_are_read_as_shanghai_time(database: tuple[Server, str]) -> None:
    """MariaDB TIMESTAMP converts by session time zone (PostgreSQL ``timestamp`` does not)."""
    server, url = database
    KpiTable(server, url).engine.dispose()
    utc_writer = sa.create_engine(
        url, poolclass=NullPool, connect_args={"init_command": "SET time_zone = '+00:00'"}
    )
    with utc_writer.begin() as connection:
        connection.execute(
            sa.text("insert into kpi_monthly values ('SG3700001', '202603', 87, 'B', '2026-04-02 02:00:00')")
        )
    utc_writer.dispose()

    rows, watermark = read_kpi_since(url, None, NO_OVERLAP)

    assert rows[0]["updated_at"] == "2026-04-02T10:00:00+08:00"
    assert watermark == at(10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("backend", sorted(SERVERS))
def test_an_unreachable_server_fails_fast(backend: str) -> None:
    server = SERVERS[backend]
    url = server.url("kpi", port=free_port())  # nothing listens there
    started = time.monotonic()
    with pytest.raises(PerformanceDbError, match=r"127\.0\.0\.1.*cannot read kpi_monthly"):
        read_kpi_since(url, None, HALF_HOUR, connect_timeout=2)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("backend", sorted(SERVERS))
def test_a_server_that_never_answers_times_out(backend: str) -> None:
    server = SERVERS[backend]
    with socket.socket() as silent:  # accepts TCP connections (backlog) but never speaks
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = server.url("kpi", port=silent.getsockname()[1])
        started = time.monotonic()
        with pytest.raises(PerformanceDbError, match="cannot read kpi_monthly"):
            read_kpi_since(url, None, HALF_HOUR, connect_timeout=2, query_timeout=2)
        assert time.monotonic() - started < 10
