"""``pioneer doctor``: check a home's invariants and, with ``--repair``, mend what can be mended
without losing data.

Invariants:

- **one event per record version**: no event id is stored twice in an entity (two runs writing
  one home at once, before the home had a lock, stored some twice). Repair keeps the first stored
  copy of every event: each later file holding a copy is moved whole to
  ``events/_duplicates/<source>/<entity>/`` (kept for audit, never read by the models) and
  replaced by its rows that are not copies. No event is deleted.
- **every stored value has its declared type**: an older ingest stored some values untyped
  (roster ``status_since`` as text); repair moves the events whose value does not convert to the
  quarantine and retypes the rest (:func:`nonconforming_events`).
- **every batch has its summary**: a reservation ``events/_batches/*.started`` without its
  summary is an interrupted batch; its events, if any, were deduplicated as every event is,
  so the reservation marker is removed.
- **every published CSV has its manifest, with the CSV's sha256**: a CSV without a manifest is
  an interrupted publication, finished or rolled back (``exports.hr.recover_publications``); a
  manifest whose sha256 differs from its CSV, or without its CSV, cannot be mended here.
- **nothing left in staging**: gate scratch folders, a candidate warehouse, export staging.
- **nothing is readable beyond its readers**: no file or folder is wider than the home's modes
  (``core.home``: private, except the exports and warehouse shared with a configured group);
  repair narrows the mode.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from core import home as home_layout
from core.layout import Home
from ingest.schema import ENTITIES, duckdb_type, entity_schema, sql_text, typed_columns


@dataclass
class Finding:
    check: str
    problem: str
    repaired: str | None = None  # what --repair did; None when not repaired (or not repairable)


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return all(f.repaired for f in self.findings)


def _event_files(home: Path, source: str, entity: str) -> list[Path]:
    """An entity's event files in the order they were stored (batch ids start with the clock)."""
    return sorted(
        p for p in (Home(home).entity(source, entity)).glob("*.parquet") if p.name != "_empty.parquet"
    )


def duplicate_events(home: Path, repair: bool) -> list[Finding]:
    findings = []
    con = duckdb.connect()
    for source, entity in ENTITIES:
        files = _event_files(home, source, entity)
        con.execute("create or replace temp table seen (event_id varchar primary key)")
        twice, mended = 0, []
        for path in files:
            events = f"read_parquet({sql_text(path)})"
            rows, new = con.execute(
                f"select (select count(*) from {events}), count(distinct event_id) "
                f"from {events} anti join seen using (event_id)"
            ).fetchone()
            if rows > new:  # copies of stored events, or of each other
                twice += rows - new
                if repair:
                    tmp = path.with_name(f".{path.name}.tmp")
                    kept = Home(home).duplicates(source, entity)
                    con.execute(
                        f"""copy (select * from {events} anti join seen using (event_id)
                                  qualify row_number() over (partition by event_id
                                                             order by source_file, source_position) = 1)
                            to {sql_text(tmp)} (format parquet, compression zstd)"""
                    )
                    kept.mkdir(parents=True, exist_ok=True)
                    os.replace(path, kept / path.name)
                    os.replace(tmp, path)
                    mended.append(path.name)
            con.execute(
                f"insert into seen select distinct event_id from {events} anti join seen using (event_id)"
            )
        if twice:
            finding = Finding(
                "one event per record version", f"{source}/{entity}: {twice} events stored twice"
            )
            if repair:
                finding.repaired = (
                    f"kept the first copy of each; {', '.join(mended)} moved to events/_duplicates/"
                )
            findings.append(finding)
    return findings


REASON_OF_TYPE = {"DATE": "bad_date", "TIMESTAMP": "bad_timestamp", "BOOLEAN": "bad_enum"}  # else bad_number


def nonconforming_events(home: Path, repair: bool) -> list[Finding]:
    """Events stored with a value that does not convert to its column's declared type (an older
    ingest stored roster ``status_since`` as text). Repair moves each such event to the quarantine
    (the reason of its type, the stored value in the detail) and rewrites its file typed as
    declared; the original file is kept in ``events/_nonconforming/``. The build leaves such
    events out meanwhile (``audit.nonconforming_events``)."""
    findings = []
    con = duckdb.connect()
    for (source, entity), fields in ENTITIES.items():
        declared = {f.name: duckdb_type(f.type) for f in fields}
        for path in _event_files(home, source, entity):
            events = f"read_parquet({sql_text(path)})"
            stored = dict(
                con.execute(
                    f"select column_name, column_type from (describe select * from {events})"
                ).fetchall()
            )
            drifted = {c: t for c, t in declared.items() if c in stored and stored[c] != t}
            if not drifted:
                continue
            broken = " or ".join(
                f'("{c}" is not null and try_cast("{c}" as {t}) is null)' for c, t in drifted.items()
            )
            bad = con.execute(f"select count(*) from {events} where {broken}").fetchone()[0]
            finding = Finding(
                "every stored value has its declared type",
                f"{path.relative_to(home)}: {', '.join(f'{c} stored as {stored[c]}' for c in drifted)}"
                + (f"; {bad} events do not convert" if bad else ""),
            )
            if repair:
                _retype(con, home, path, source, entity, drifted, broken)
                finding.repaired = (
                    f"{bad} events moved to quarantine, the rest retyped; original in events/_nonconforming/"
                )
            findings.append(finding)
    return findings


def _retype(
    con, home: Path, path: Path, source: str, entity: str, drifted: dict[str, str], broken: str
) -> None:
    events = f"read_parquet({sql_text(path)})"
    reason = " ".join(
        f"""WHEN "{c}" IS NOT NULL AND try_cast("{c}" AS {t}) IS NULL THEN '{REASON_OF_TYPE.get(t, "bad_number")}'"""
        for c, t in drifted.items()
    )
    detail = " || ".join(
        f"""CASE WHEN "{c}" IS NOT NULL AND try_cast("{c}" AS {t}) IS NULL
                 THEN '{c} ' || CAST("{c}" AS VARCHAR) || ' is no {t} (moved by pioneer doctor) ' ELSE '' END"""
        for c, t in drifted.items()
    )
    quarantine = Home(home).quarantine / source / f"{path.stem}-doctor.parquet"
    rows = (
        f"select batch_id, recorded_at, source, entity, source_file, source_position, "
        f"CASE {reason} END AS reason, trim({detail}) AS detail, raw from {events} where {broken}"
    )
    tmp_q, tmp_e = quarantine.with_name(f".{quarantine.name}.tmp"), path.with_name(f".{path.name}.tmp")
    con.execute(f"copy ({rows}) to {sql_text(tmp_q)} (format parquet, compression zstd)")
    schema = entity_schema(source, entity)
    con.execute(
        f"copy (select {typed_columns(schema)} from {events} as b where not ({broken})) "
        f"to {sql_text(tmp_e)} (format parquet, compression zstd)"
    )
    kept = Home(home).nonconforming(source, entity)
    kept.mkdir(parents=True, exist_ok=True)
    os.replace(tmp_q, quarantine)
    os.replace(path, kept / path.name)
    os.replace(tmp_e, path)


def store_format(home: Path, repair: bool) -> list[Finding]:
    """The event store is of this version's format (an older one is migrated, not repaired)."""
    from ingest.schema import STORE_FORMAT
    from ingest.store import store_format as format_of

    found = format_of(home)
    if found is None or found == STORE_FORMAT:
        return []
    return [
        Finding(
            "the event store is of this version's format",
            f"it is of format {found}, this version's is {STORE_FORMAT}: run `pioneer migrate --home {home}`",
        )
    ]


def orphans(home: Path, repair: bool) -> list[Finding]:
    findings = []
    for started in home_layout.orphan_batches(home):
        finding = Finding("every batch has its summary", f"batch {started.stem} never finished")
        if repair:
            started.unlink()
            finding.repaired = "reservation removed (its events, if any, are deduplicated like any other)"
        findings.append(finding)
    return findings


def publications(home: Path, repair: bool) -> list[Finding]:
    from exports.hr import recover_publications

    findings = []
    folders = (Home(home).hr, Home(home).notice)
    for manifest in sorted(m for folder in folders for m in folder.glob("*/*.manifest.json")):
        csv = manifest.with_name(manifest.name.replace(".manifest.json", ".csv"))
        if not csv.exists():
            findings.append(Finding("every published CSV has its manifest", f"{manifest.name} has no CSV"))
        elif json.loads(manifest.read_text())["sha256"] != hashlib.sha256(csv.read_bytes()).hexdigest():
            findings.append(
                Finding(
                    "every published CSV has its manifest", f"{csv.name} differs from its manifest's sha256"
                )
            )
    orphans = [
        c
        for c in sorted(c for folder in folders for c in folder.glob("*/*.csv"))
        if not c.with_name(c.stem + ".manifest.json").exists()
    ]
    repaired = recover_publications(home) if repair and orphans else []
    for csv, action in zip(orphans, repaired or [None] * len(orphans), strict=True):
        findings.append(
            Finding("every published CSV has its manifest", f"{csv.name} has no manifest", action)
        )
    return findings


def staging(home: Path, repair: bool) -> list[Finding]:
    findings = []
    for path in home_layout.scratch(home):
        finding = Finding("nothing left in staging", f"{path.relative_to(home)} left by an interrupted run")
        if repair:
            home_layout.remove(path)
            finding.repaired = "removed"
        findings.append(finding)
    return findings


def modes(settings, repair: bool) -> list[Finding]:
    findings = []
    for path, mode, allowed in home_layout.wider_modes(settings):
        where = "the home" if path == settings.home else path.relative_to(settings.home)
        finding = Finding(
            "nothing is readable beyond its readers", f"{where} is {mode:04o}, wider than {allowed:04o}"
        )
        if repair:
            os.chmod(path, mode & allowed)
            finding.repaired = f"now {mode & allowed:04o}"
        findings.append(finding)
    return findings


def examine(settings, repair: bool = False) -> Report:
    """Check every invariant of the home (the caller holds it exclusively); ``repair`` mends."""
    report = Report()
    for check in (store_format, duplicate_events, nonconforming_events, orphans, publications, staging):
        report.findings += check(settings.home, repair)
    report.findings += modes(settings, repair)
    return report
