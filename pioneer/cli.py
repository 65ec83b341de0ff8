"""``pioneer``: the command line of the nightly job (see shared spec docs/outputs.md).

Exit status: 0 done; 2 bad usage or configuration; 3 a validation gate failed
(nothing was published); 1 any other failure, reported in one line.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from core.config import Settings
from core.home import PRIVATE_UMASK
from core.months import is_period

if TYPE_CHECKING:
    from pioneer.records import RunSummary

app = typer.Typer(
    help="Pioneer Index (先锋指数) pipeline: ingest → dbt → validate → publish.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_FAILED, EXIT_USAGE, EXIT_VALIDATION = 1, 2, 3

HomeOpt = Annotated[
    Path,
    typer.Option(
        "--home",
        envvar="PIONEER_HOME",
        help="Directory holding everything the pipeline keeps: events, quarantine, warehouse, exports.",
    ),
]


def fail(code: int, message: str) -> None:
    typer.echo(f"pioneer: {message}", err=True)
    raise typer.Exit(code)


def settings_from(**flags) -> Settings:
    """Flags win over PIONEER_* environment variables, which win over defaults."""
    try:
        return Settings(**{k: v for k, v in flags.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(EXIT_USAGE, f"bad configuration: {'.'.join(map(str, first['loc']))}: {first['msg']}")
        raise AssertionError("unreachable") from exc


@app.command("demo-data")
def demo_data(
    out: Annotated[Path, typer.Option(help="Landing directory to write (created if missing).")],
    members: Annotated[
        int, typer.Option(min=1, max=50_000, help="Party members (probationary + full).")
    ] = 511,
    months: Annotated[int, typer.Option(min=1, max=60, help="Complete months of activity.")] = 13,
    end: Annotated[
        str | None,
        typer.Option(
            help="YYYY-MM; activity ends with the month before it (default: this month from its 5th "
            "day on, else the month before: every extract complete and none from the future)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives byte-identical files.")] = 1,
    pilot: Annotated[
        int,
        typer.Option(
            min=0,
            help="Also write OUT/pilot_rules.csv: v1 pays only the first N departments, v2 everyone "
            "from the middle month on (use it as PIONEER_RULES_FILE).",
        ),
    ] = 0,
    open_until: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=31,
            help="Also write the meetings of END's month (the open month) through this day, as "
            "registered by the next day (default: through yesterday when --end is not given).",
        ),
    ] = None,
) -> None:
    """Generate a deterministic demo organisation's landing directory (the formats of docs/sources.md)."""
    if end is not None and not is_period(end):
        fail(EXIT_USAGE, f"--end must be YYYY-MM, got {end!r}")
    from pioneer.demo import generate

    try:
        counts = generate(
            out, members=members, months=months, end=end, seed=seed, pilot=pilot, open_until=open_until
        )
    except (ValueError, FileExistsError) as exc:
        fail(EXIT_USAGE, str(exc))
    typer.echo(f"demo organisation written to {out}")
    if pilot:
        typer.echo(f"rules file of the pilot and its rollout: {out / 'pilot_rules.csv'} (PIONEER_RULES_FILE)")
    typer.echo(json.dumps(counts, ensure_ascii=False))


@app.command()
def run(
    sources: Annotated[
        Path,
        typer.Option(
            envvar="PIONEER_SOURCES", help="Landing directory of source extracts (see docs/sources.md)."
        ),
    ],
    home: HomeOpt,
    now: Annotated[
        str | None,
        typer.Option(
            envvar="PIONEER_NOW",
            help="The pipeline's clock, ISO 8601 (default: real time). It stamps what this run "
            "records and decides which exports are due.",
        ),
    ] = None,
    full_refresh: Annotated[
        bool,
        typer.Option(
            "--full-refresh",
            help="Recompute every month instead of only those new events touch (after a model change).",
        ),
    ] = False,
) -> None:
    """The nightly job: ingest what is new, build the marts, validate, publish due exports."""
    settings = settings_from(sources=sources, home=home, now=now)
    if not settings.sources.is_dir():
        fail(EXIT_USAGE, f"--sources {settings.sources} is not a directory")
    from core.home import HomeInUse
    from core.rules import RulesFileError, load_rules
    from ingest.errors import StoreFormatError
    from pioneer.pipeline import GateFailed, nightly
    from pioneer.records import ClockWoundBack, last_run

    try:
        load_rules(settings.rules_file)
    except RulesFileError as exc:
        fail(EXIT_USAGE, str(exc))
    from pioneer.progress import Timings, show

    show()
    timings = Timings()
    try:
        summary, record = nightly(settings, full_refresh, timings)
    except ClockWoundBack as exc:
        fail(EXIT_USAGE, f"{exc}; look at the past with `pioneer replay`")
    except HomeInUse as exc:
        fail(EXIT_USAGE, f"{exc}; try again when it has finished")
    except StoreFormatError as exc:
        fail(EXIT_USAGE, str(exc))
    except GateFailed as exc:
        print_gates(last_run(settings) or {})
        print_held((last_run(settings) or {}).get("held", []))
        fail(EXIT_VALIDATION, f"validation gate failed, nothing published for those months: {exc}")
    except Exception as exc:  # one line that says what failed and where to look
        fail(EXIT_FAILED, f"run failed: {type(exc).__name__}: {exc}")
    print_summary(summary)
    typer.echo(f"duration: {timings.line()}")
    typer.echo(f"run record: {record}")


def print_gates(record: dict) -> None:
    """Every gate of a run record with its verdict; its failures and warnings with their rule and
    how many rows (the rows themselves are in the record and the failure reports)."""
    if not record.get("gates"):
        return
    typer.echo("gates:")
    for verdict in record["gates"]:
        flag = "passed" if verdict["passed"] else "FAILED"
        notes = f", {len(verdict['warnings'])} warning(s)" if verdict["warnings"] else ""
        typer.echo(f"  {verdict['gate']:<32} {verdict['suite']:<30} {flag}{notes}")
        for kind, items in (("failed", verdict["failures"]), ("warning", verdict["warnings"])):
            for item in items:
                rows = (
                    f" ({item['unexpected_count']} unexpected)"
                    if item.get("unexpected_count") is not None
                    else ""
                )
                typer.echo(f"    {kind}: {item['rule'] or item['expectation']}{rows}")
                for row in item["offending_rows"][:3]:
                    typer.echo(f"      {json.dumps(row, ensure_ascii=False, default=str)}")


def print_held(held: list[dict]) -> None:
    """Deliveries held back (ingest/holds.py): batch, source/entity, files, since when, why."""
    if not held:
        return
    typer.echo(f"held deliveries (not used by the marts or exports): {len(held)}")
    for hold in held:
        typer.echo(
            f"  {hold['batch_id']}  {hold['source']}/{hold['entity']}  {', '.join(hold['files'])}  "
            f"since {hold['since']}"
        )
        typer.echo(f"    {hold['reason']}")
    typer.echo(
        "  `pioneer accept --batch ID` uses a held delivery; a corrected delivery of its files replaces it"
    )


def print_summary(summary: RunSummary) -> None:
    typer.echo("events added per source:")
    for source, done in summary.ingest.items():
        detail = ", ".join(f"{entity} {n:,}" for entity, n in sorted(done.events_added.items()) if n)
        total = sum(done.events_added.values())
        typer.echo(f"  {source:<12} {total:>10,}  {detail}")
    typer.echo(
        "quarantined rows per source and reason (this run, at ingest; `status` counts every run's, "
        "and the rows the build holds back by reference checks):"
    )
    quarantined = [
        (s, r, n) for s, done in summary.ingest.items() for r, n in sorted(done.quarantined.items())
    ]
    for source, reason, n in quarantined:
        typer.echo(f"  {source:<12} {reason:<18} {n:>8,}")
    if not quarantined:
        typer.echo("  none")
    months = summary.transform.months_rebuilt if summary.transform else []
    typer.echo(f"months rebuilt: {', '.join(months) if months else 'none'}")
    typer.echo(f"warehouse: {summary.warehouse}")
    published = [e for e in summary.exports if e.action == "published"]
    typer.echo(f"exports published: {len(published)}")
    for export in published:
        typer.echo(f"  {export.period} v{export.version} {export.rows:>6} rows {export.path}")
    noticed = [e for e in summary.exports if e.action == "on notice"]
    if noticed:
        typer.echo(f"notices published (公示): {len(noticed)}")
        for notice in noticed:
            typer.echo(f"  {notice.period} {notice.rows:>6} rows {notice.path}")
    typer.echo(f"exports folder: {summary.exports_dir}")
    if alerts := summary.alerts:
        delivered = " (delivered)" if alerts.delivery else ""
        typer.echo(
            f"alerts (预警): {alerts.file}{delivered}: {alerts.branches_at_risk} branches at risk "
            f"({alerts.cadence_at_risk} requirements), {alerts.cadence_missed} missed last month, "
            f"{alerts.departments_below_kpi_coverage} departments below KPI coverage"
        )
    if summary.data_docs:
        typer.echo(f"data docs: {summary.data_docs}")
    print_gates(summary.model_dump(mode="json"))
    print_held(summary.held)


@app.command()
def explain(
    home: HomeOpt,
    employee_no: Annotated[
        str, typer.Option("--employee-no", help="Employee number (工号), e.g. SG3701234.")
    ],
    month: Annotated[str, typer.Option(help="Month YYYY-MM.")],
    diff: Annotated[
        tuple[str, str] | None,
        typer.Option(
            "--diff",
            help="Two published HR versions of the month (vN vM): the ledger rows that differ and the "
            "source records that caused it (replays the runs that published them).",
        ),
    ] = None,
) -> None:
    """Print a member month's points ledger, ending in the index and grade."""
    if not is_period(month):
        fail(EXIT_USAGE, f"--month must be YYYY-MM, got {month!r}")
    from pioneer.analysts.explain import (
        LedgerNotFound,
        VersionNotPublished,
        diff_member_month,
        explain_member_month,
    )

    settings = settings_from(home=home)
    if diff is not None:
        import tempfile

        from pioneer.replay import ReplayRefused
        from pioneer.transform import TransformError

        try:
            with tempfile.TemporaryDirectory(prefix="pioneer-diff-") as work:
                typer.echo(diff_member_month(settings.home, employee_no, month, *diff, Path(work)))
        except (VersionNotPublished, ReplayRefused) as exc:
            fail(EXIT_USAGE, str(exc))
        except LedgerNotFound as exc:
            fail(EXIT_FAILED, str(exc))
        except TransformError as exc:
            fail(EXIT_FAILED, f"replay failed: {exc}")
        return
    try:
        typer.echo(explain_member_month(settings, employee_no, month))
    except LedgerNotFound as exc:
        fail(EXIT_FAILED, str(exc))


@app.command()
def statement(
    home: HomeOpt,
    month: Annotated[str, typer.Option(help="Month YYYY-MM.")],
    employee_no: Annotated[
        str | None, typer.Option("--employee-no", help="One member's statement (工号).")
    ] = None,
    branch: Annotated[
        str | None,
        typer.Option(help="Branch id: a page per scored member plus the branch's page (公示)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="File to write; CSV when it ends with .csv (default HOME/statements/…html)."),
    ] = None,
) -> None:
    """Write a member month's points statement (积分明细单): printable Chinese HTML, or CSV."""
    if not is_period(month):
        fail(EXIT_USAGE, f"--month must be YYYY-MM, got {month!r}")
    if (employee_no is None) == (branch is None):
        fail(EXIT_USAGE, "give exactly one of --employee-no and --branch")
    from pioneer.analysts.sql import NoWarehouse
    from pioneer.analysts.statement import StatementError, write_statement

    settings = settings_from(home=home)
    try:
        written = write_statement(settings.home, month, out, employee_no=employee_no, branch=branch)
    except NoWarehouse as exc:
        fail(EXIT_USAGE, str(exc))
    except StatementError as exc:
        fail(EXIT_FAILED, str(exc))
    typer.echo(f"statement: {written}")


@app.command()
def status(
    home: HomeOpt,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Where a home stands: events, quarantine, published exports, the last run."""
    from pioneer.analysts.status import home_status

    settings = settings_from(home=home)
    if not settings.home.is_dir():
        fail(EXIT_USAGE, f"no pipeline home at {settings.home}")
    report = home_status(settings)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, default=str))
        return
    typer.echo(f"events: {report['events']['total']:,}")
    for source, n in report["events"]["by_source"].items():
        typer.echo(f"  {source:<12} {n:>10,}")
    typer.echo(
        f"quarantine: {report['quarantine']['total']:,} (every run's rows quarantined at ingest, "
        "and the rows the build holds back by reference checks)"
    )
    for reason, n in report["quarantine"]["by_reason"].items():
        typer.echo(f"  {reason:<18} {n:>8,}")
    typer.echo(f"exports: {len(report['exports'])}")
    for export in report["exports"]:
        typer.echo(f"  {export['period']} v{export['version']} {export['rows']} rows {export['path']}")
    if report["notices"]:
        typer.echo(f"notices (公示): {len(report['notices'])}")
    for notice in report["notices"]:
        typer.echo(
            f"  {notice['period']} until {notice['notice_until']} {notice['rows']} rows {notice['path']}"
        )
    last = report["last_run"]
    typer.echo(f"last run: {last['started_at']} {last['status']}" if last else "last run: none")
    if last and last.get("failed_gate"):
        typer.echo(f"failed gate: {last['failed_gate']['message']}")
    print_gates(last or {})
    if not report["held"]:
        typer.echo("held deliveries: none")
    print_held(report["held"])


@app.command()
def accept(
    home: HomeOpt,
    batch: Annotated[
        list[str],
        typer.Option(
            "--batch", help="Id of a held batch (see `pioneer status`); give --batch again for more."
        ),
    ],
    now: Annotated[
        str | None,
        typer.Option(envvar="PIONEER_NOW", help="The clock of the decision, ISO 8601 (default: real time)."),
    ] = None,
    by: Annotated[
        str | None, typer.Option(help="Who accepts (kept in the holds ledger; default: the OS user).")
    ] = None,
) -> None:
    """Accept a held delivery (its source gate failed): its events count from the next run on."""
    from core.home import HomeInUse
    from ingest.holds import NotHeld
    from ingest.holds import accept as accept_batches
    from pioneer.pipeline import writer
    from pioneer.records import ClockWoundBack

    settings = settings_from(home=home, now=now)
    if not settings.home.is_dir():
        fail(EXIT_USAGE, f"no pipeline home at {settings.home}")
    try:
        with writer(settings):
            accepted = accept_batches(settings.home, batch, by or _operator(), settings.clock())
    except NotHeld as exc:
        fail(EXIT_USAGE, str(exc))
    except ClockWoundBack as exc:
        fail(EXIT_USAGE, str(exc))
    except HomeInUse as exc:
        fail(EXIT_USAGE, f"{exc}; try again when it has finished")
    for row in accepted:
        typer.echo(f"accepted {row['batch_id']} ({row['source']}/{row['entity']}: {', '.join(row['files'])})")
    typer.echo("the next `pioneer run` uses their events and rebuilds the months they touch")


def _operator() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"


@app.command()
def doctor(
    home: HomeOpt,
    repair: Annotated[
        bool, typer.Option("--repair", help="Mend what can be mended without losing data.")
    ] = False,
) -> None:
    """Check a home's invariants (events, batches, published files, staging); exit 3 on a problem left."""
    from core.home import HomeInUse, home_lock
    from pioneer.doctor import examine

    settings = settings_from(home=home)
    if not settings.home.is_dir():
        fail(EXIT_USAGE, f"no pipeline home at {settings.home}")
    try:
        with home_lock(settings.home, "doctor"):
            report = examine(settings, repair)
    except HomeInUse as exc:
        fail(EXIT_USAGE, f"{exc}; try again when it has finished")
    for finding in report.findings:
        done = f" -> repaired: {finding.repaired}" if finding.repaired else ""
        typer.echo(f"{finding.check}: {finding.problem}{done}")
    if not report.healthy:
        fail(
            EXIT_VALIDATION,
            "the home breaks its invariants" + ("" if repair else "; --repair mends what it can"),
        )
    typer.echo("home is healthy" if not report.findings else "home repaired")


@app.command()
def migrate(home: HomeOpt) -> None:
    """Rewrite the home's event store to this version's format (new event ids); safe to repeat, and
    to run again after a crash. The next build rebuilds every month."""
    from core.home import HomeInUse
    from ingest.errors import StoreFormatError
    from ingest.migrate import migrate as migrate_store

    settings = settings_from(home=home)
    if not settings.home.is_dir():
        fail(EXIT_USAGE, f"no pipeline home at {settings.home}")
    try:
        done = migrate_store(settings.home, settings.kill_at)
    except HomeInUse as exc:
        fail(EXIT_USAGE, f"{exc}; try again when it has finished")
    except StoreFormatError as exc:
        fail(EXIT_USAGE, str(exc))
    if not done["files"]:
        typer.echo(f"the event store is of format {done['format']} already: nothing to migrate")
    else:
        typer.echo(
            f"event store migrated from format {done['format_found']} to {done['format']}: "
            f"{done['files']} files, {done['events']:,} events rewritten; the next run rebuilds every month"
        )


@app.command()
def replay(
    home: HomeOpt,
    as_of: Annotated[
        str, typer.Option("--as-of", help="ISO 8601: replay the last run at or before this instant.")
    ],
    out: Annotated[Path, typer.Option(help="New (or empty) directory to build the warehouse in.")],
) -> None:
    """Rebuild into --out the warehouse as it stood after the last run at or before --as-of (the home is only read)."""
    import datetime as dt

    from pioneer.replay import ReplayRefused
    from pioneer.replay import replay as replay_night
    from pioneer.transform import TransformError

    try:
        instant = dt.datetime.fromisoformat(as_of)
    except ValueError:
        fail(EXIT_USAGE, f"--as-of must be ISO 8601, got {as_of!r}")
    try:
        done = replay_night(home.expanduser().resolve(), instant, out.expanduser().resolve())
    except ReplayRefused as exc:
        fail(EXIT_USAGE, str(exc))
    except TransformError as exc:
        fail(EXIT_FAILED, f"replay failed: {exc}")
    if done.as_of_run.path != done.run.path:
        typer.echo(f"run {done.as_of_run.path.name} published no warehouse; the one standing then is:")
    typer.echo(
        f"replayed run {done.run.path.name} (clock {done.run.clock.isoformat()}), {done.files} store files"
    )
    if done.rules_assumed:
        typer.echo("its run record names no rules file: the shipped rules file was assumed")
    typer.echo(f"warehouse: {done.warehouse}")


rules_app = typer.Typer(
    help="The rules file: what a candidate would do before it is adopted.", no_args_is_help=True
)
app.add_typer(rules_app, name="rules")


@rules_app.command("compare")
def rules_compare(
    home: HomeOpt,
    rules: Annotated[Path, typer.Option("--rules", help="The candidate rules file (CSV, docs/scoring.md).")],
    first: Annotated[str, typer.Option("--from", help="First month to compare, YYYY-MM.")],
    last: Annotated[str, typer.Option("--to", help="Last month to compare, YYYY-MM.")],
    out: Annotated[
        Path | None,
        typer.Option(help="New (or empty) directory for the files; default ./rules-compare-<candidate>."),
    ] = None,
) -> None:
    """Score months under a candidate rules file (a scratch build; the home is only read) and
    compare with the published marts: grade migration, index by department, coefficient changes,
    PIONEER count per month (CSV files and compare.html in --out)."""
    from core.rules import RulesFileError
    from pioneer.analysts.compare import compare_rules
    from pioneer.replay import ReplayRefused
    from pioneer.transform import TransformError

    out = out or Path(f"rules-compare-{rules.stem}")
    try:
        result = compare_rules(home.expanduser(), rules.expanduser(), first, last, out.expanduser())
    except (ReplayRefused, RulesFileError) as exc:
        fail(EXIT_USAGE, str(exc))
    except TransformError as exc:
        fail(EXIT_FAILED, f"the candidate's build failed: {exc}")
    typer.echo(f"grade migration {first} .. {last} (member months; rows: now, columns: candidate)")
    typer.echo(result.matrix_text())
    typer.echo("PIONEER members per month (now -> candidate): " + ", ".join(
        f"{month} {now} -> {cand}" for month, now, cand in result.pioneers
    ))  # fmt: skip
    typer.echo(f"coefficient changes: {len(result.coefficients)} member months")
    typer.echo(
        f"written: {result.out} (migration.csv, departments.csv, coefficients.csv, pioneers.csv, compare.html)"
    )


@app.command()
def audit(home: HomeOpt) -> None:
    """Re-derive every published HR file as of the run that published it; exit 3 on any mismatch."""
    from pioneer.replay import ReplayRefused
    from pioneer.replay import audit as audit_home
    from pioneer.transform import TransformError

    home = home.expanduser().resolve()
    if not home.is_dir():
        fail(EXIT_USAGE, f"no pipeline home at {home}")
    try:
        report = audit_home(home)
    except ReplayRefused as exc:
        fail(EXIT_USAGE, str(exc))
    except TransformError as exc:
        fail(EXIT_FAILED, f"audit failed: {exc}")
    for line in report.lines:
        typer.echo(str(line))
    if not report.ok:
        bad = sum(not line.ok for line in report.lines)
        fail(
            EXIT_VALIDATION,
            f"audit: {bad} of {len(report.lines)} published files do not follow from the events",
        )
    typer.echo(f"audit: {len(report.lines)} published files, all re-derived")


@app.command("sql")
def sql_command(
    home: HomeOpt,
    query: Annotated[
        str | None,
        typer.Option(help="SQL to run; without it, a read-only SQL shell (SQL piped in runs as a script)."),
    ] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
) -> None:
    """Open the published warehouse read-only (never disturbs the nightly job)."""
    import duckdb

    from pioneer.analysts.sql import NoWarehouse, interactive, run_query

    settings = settings_from(home=home)
    try:
        if query is None:
            interactive(settings.home)
            return
        result = run_query(settings.home, query)
    except NoWarehouse as exc:
        fail(EXIT_USAGE, str(exc))
    except duckdb.Error as exc:
        fail(EXIT_FAILED, f"query failed: {exc}")
    typer.echo(result.to_csv(index=False) if csv else result.to_string(index=False), nl=not csv)


@app.command()
def report(
    home: HomeOpt,
    month: Annotated[
        str | None,
        typer.Option(help="Month YYYY-MM (default: the latest scored month with its KPIs in)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="HTML file to write (default HOME/reports/pioneer_report_YYYY-MM.html)."),
    ] = None,
) -> None:
    """Write the month's report: one self-contained HTML page of charts from the marts."""
    if month is not None and not is_period(month):
        fail(EXIT_USAGE, f"--month must be YYYY-MM, got {month!r}")
    from pioneer.analysts.report import ReportError, default_month, write_report
    from pioneer.analysts.sql import NoWarehouse

    settings = settings_from(home=home)
    try:
        if month is None:
            month, incomplete = default_month(settings)
            if incomplete:
                typer.echo(
                    f"report: {incomplete} is not complete yet (its KPI coverage is below the export "
                    f"threshold); showing {month} (--month {incomplete} to see it anyway)"
                )
        typer.echo(f"report: {write_report(settings.home, month, out)}")
    except (NoWarehouse, ReportError) as exc:
        fail(EXIT_USAGE, str(exc))


@app.command()
def docs(
    home: HomeOpt,
    serve: Annotated[
        bool, typer.Option(help="Serve the dbt catalogue and the GX Data Docs on 127.0.0.1 afterwards.")
    ] = False,
    port: Annotated[int, typer.Option(help="Port of --serve (0: a free one).")] = 0,
) -> None:
    """Generate the dbt docs catalogue (models, columns, lineage to the HR export and the report)."""
    from pioneer.analysts import docs as catalogue
    from pioneer.analysts.sql import NoWarehouse

    settings = settings_from(home=home)
    try:
        site = catalogue.generate(settings)
    except NoWarehouse as exc:
        fail(EXIT_USAGE, str(exc))
    except RuntimeError as exc:
        fail(EXIT_FAILED, str(exc))
    typer.echo(f"dbt docs: {site}")
    typer.echo(f"GX data docs: {catalogue.gx_data_docs(settings)}")
    if serve:

        def announce(dbt_url: str, gx_url: str) -> None:
            typer.echo(
                f"serving on 127.0.0.1 (Ctrl-C stops):\n  dbt docs:     {dbt_url}\n  GX data docs: {gx_url}"
            )

        catalogue.serve(settings, port, announce)


def main() -> None:
    """Console entry point: any unexpected error becomes one line and exit 1, not a traceback."""
    os.umask(PRIVATE_UMASK)  # what pioneer writes is private whatever the umask (README, "Security")
    try:
        app()
    except Exception as exc:
        typer.echo(f"pioneer: failed: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_FAILED)
