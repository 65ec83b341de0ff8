"""`pioneer replay` and `pioneer audit` (issue 15, items 1 and 2) over three nights of the real CLI.

Night 1 ingests a demo organisation and publishes September and October v1. Night 2 brings late and
corrected data: a corrected copy of the October KPI file under a new name (two changed scores), a
tombstone of an October meeting, and attendance of a meeting nobody has announced yet (held back
by the reference check, ``audit.quarantine_references``). Night 3 delivers that meeting: the held
attendance resolves. A copy of the published warehouse is kept after each night; replaying each
night must give the same ``marts`` row for row (every column: the marts carry no batch or build
bookkeeping column), and must leave the home untouched. `audit` then re-derives every published
HR file, and fails naming the file when one CSV, or one event file, is tampered with.
"""

import csv
import datetime as dt
import json
import shutil

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pioneer_cli import demo_data, pioneer, run_night

NIGHTS = ["2026-11-05T01:30:00+08:00", "2026-11-06T01:30:00+08:00", "2026-11-07T01:30:00+08:00"]
LATE_MEETING = "MT000000900"


def _jsonl(path):
    """The well-formed records of a JSONL file (the demo data also has malformed lines)."""
    rows = []
    for line in path.read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


def _write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    root = tmp_path_factory.mktemp("replay")
    landing, home, kept = root / "landing", root / "home", root / "published"
    kept.mkdir()
    demo_data(landing, members=40, months=2, seed=11)
    run_night(landing, home, NIGHTS[0])
    shutil.copyfile(home / "warehouse.duckdb", kept / "night1.duckdb")

    # night 2: a corrected KPI file under a new name, a tombstone, attendance of an unknown meeting
    with open(landing / "performance" / "kpi_202610.csv", newline="") as f:
        kpis = list(csv.DictReader(f))
    for row in kpis[:2]:
        row["kpi_score"], row["updated_at"] = "55.00", "2026-11-05T15:00:00+08:00"
    with open(landing / "performance" / "kpi_202610_corrected.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(kpis[0]))
        writer.writeheader()
        writer.writerows(kpis[:2])
    october = _jsonl(landing / "meeting" / "meetings" / "meetings_2026-10.jsonl")
    gone, late = [m for m in october if m.get("due_user_ids") and m.get("start_time") and m.get("end_time")][
        :2
    ]
    _write_jsonl(
        landing / "meeting" / "meetings" / "meetings_2026-10_tombstone.jsonl",
        [{"meeting_id": gone["meeting_id"], "updated_at": "2026-11-05T16:00:00+08:00", "deleted": True}],
    )
    attendee = late["due_user_ids"][0]
    _write_jsonl(
        landing / "meeting" / "attendance" / "attendance_2026-10_late.jsonl",
        [
            {
                "record_id": "AT000090001", "meeting_id": LATE_MEETING, "user_id": attendee, "mode": "onsite",
                "join_time": late["start_time"], "leave_time": late["end_time"],
                "updated_at": "2026-11-05T17:00:00+08:00",
            }
        ],
    )  # fmt: skip
    run_night(landing, home, NIGHTS[1])
    shutil.copyfile(home / "warehouse.duckdb", kept / "night2.duckdb")

    # night 3: the meeting of that attendance arrives; the held attendance resolves
    announced = {**late, "meeting_id": LATE_MEETING, "updated_at": "2026-11-06T09:00:00+08:00"}
    announced["title"] = announced["title"] + "（补录）"
    _write_jsonl(landing / "meeting" / "meetings" / "meetings_2026-10_late.jsonl", [announced])
    run_night(landing, home, NIGHTS[2])
    shutil.copyfile(home / "warehouse.duckdb", kept / "night3.duckdb")
    return root, home, kept


def _tables(con, catalog):
    sql = (
        "select table_name from information_schema.tables where table_catalog = ? and table_schema = 'marts'"
    )
    return sorted(r[0] for r in con.execute(sql, [catalog]).fetchall())


def marts_differences(published, replayed) -> dict[str, tuple[int, int]]:
    """Per marts table: (rows only in the published, rows only in the replayed), every column,
    duplicates counted (EXCEPT ALL); tables missing on one side show up as a table-list difference."""
    with duckdb.connect() as con:
        con.execute(f"attach '{published}' as published (read_only)")
        con.execute(f"attach '{replayed}' as replayed (read_only)")
        assert _tables(con, "published") == _tables(con, "replayed")
        out = {}
        for table in _tables(con, "published"):
            a, b = f"published.marts.{table}", f"replayed.marts.{table}"
            only_a = con.execute(f"select count(*) from (from {a} except all from {b})").fetchone()[0]
            only_b = con.execute(f"select count(*) from (from {b} except all from {a})").fetchone()[0]
            rows = con.execute(f"select count(*) from {a}").fetchone()[0]
            out[table] = (only_a, only_b, rows)
        return out


def _snapshot(home):
    return sorted((str(p), p.lstat().st_size, p.lstat().st_mtime_ns) for p in home.rglob("*"))


def test_the_nights_differ(nights):
    """The scenario is worth replaying: each night changed the marts, and night 2 held attendance back."""
    _, home, kept = nights
    for before, after in (("night1", "night2"), ("night2", "night3")):
        diff = marts_differences(kept / f"{before}.duckdb", kept / f"{after}.duckdb")
        assert any(a or b for a, b, _ in diff.values()), f"{after} changed no mart"
    with duckdb.connect(str(kept / "night2.duckdb"), read_only=True) as con:
        held = con.execute(
            "select count(*) from audit.quarantine_references where reason = 'unknown_meeting'"
        )
        assert held.fetchone()[0] >= 1
    record = json.loads(sorted((home / "runs").glob("run_*.json"))[-1].read_text())
    assert len(record["rules_sha256"]) == 64


@pytest.mark.parametrize("night", [1, 2, 3])
def test_replay_reproduces_the_published_marts(nights, night):
    root, home, kept = nights
    before = _snapshot(home)
    as_of = (
        dt.datetime.fromisoformat(NIGHTS[night - 1]) + dt.timedelta(hours=20)
    ).isoformat()  # before the next
    out = root / f"replay{night}"
    done = pioneer("replay", "--home", str(home), "--as-of", as_of, "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert NIGHTS[night - 1] in done.stdout
    diff = marts_differences(kept / f"night{night}.duckdb", out / "warehouse.duckdb")
    assert {t: d[:2] for t, d in diff.items()} == dict.fromkeys(diff, (0, 0)), diff
    assert diff["fct_member_index_monthly"][2] > 0
    assert _snapshot(home) == before  # the home is only read


def test_replay_refuses_what_it_cannot_reproduce(nights, tmp_path):
    _, home, _ = nights
    early = pioneer(
        "replay", "--home", str(home), "--as-of", "2026-11-01T00:00:00+08:00", "--out", str(tmp_path / "a")
    )
    assert early.returncode == 2 and "no run recorded" in early.stderr
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    full = pioneer("replay", "--home", str(home), "--as-of", NIGHTS[0], "--out", str(tmp_path / "full"))
    assert full.returncode == 2 and "not a new or empty directory" in full.stderr
    inside = pioneer("replay", "--home", str(home), "--as-of", NIGHTS[0], "--out", str(home / "replay"))
    assert inside.returncode == 2 and not (home / "replay").exists()
    # a run that built with rules the home does not keep is refused, not replayed with today's rules
    other = tmp_path / "other" / "runs"
    other.mkdir(parents=True)
    record = json.loads(sorted((home / "runs").glob("run_*.json"))[0].read_text())
    (other / "run_1.json").write_text(json.dumps(record | {"rules_sha256": "0" * 64}))
    refused = pioneer(
        "replay", "--home", str(other.parent), "--as-of", NIGHTS[2], "--out", str(tmp_path / "b")
    )
    assert refused.returncode == 2 and "rules file of sha256" in refused.stderr, refused.stderr
    assert not (tmp_path / "b").exists()


def _published(home):
    return sorted((home / "exports" / "hr").glob("*/pioneer_index_*_v*.csv"))


def test_audit_of_an_untouched_home(nights):
    _, home, _ = nights
    published = _published(home)
    assert any(p.name.endswith("_v2.csv") for p in published)  # night 2 restated
    done = pioneer("audit", "--home", str(home))
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(line for line in done.stdout.splitlines() if line.startswith("ok ")) == sorted(
        f"ok {p}" for p in published
    )


def test_audit_names_a_tampered_csv(nights):
    _, home, _ = nights
    target = next(p for p in _published(home) if p.name.endswith("_v1.csv"))
    original = target.read_bytes()
    lines = original.decode().splitlines(keepends=True)
    fields = lines[1].split(",")
    fields[2] = "99.99"  # pioneer_index
    lines[1] = ",".join(fields)
    try:
        target.write_bytes("".join(lines).encode())
        done = pioneer("audit", "--home", str(home))
    finally:
        target.write_bytes(original)
    assert done.returncode == 3, done.stdout + done.stderr
    mismatches = [line for line in done.stdout.splitlines() if line.startswith("MISMATCH")]
    assert len(mismatches) == 1 and mismatches[0].startswith(f"MISMATCH {target}: line 2:"), done.stdout
    assert "99.99" in mismatches[0]
    assert sum(line.startswith("ok ") for line in done.stdout.splitlines()) == len(_published(home)) - 1


def test_audit_names_the_files_a_tampered_event_changes(nights):
    _, home, _ = nights
    kpi = sorted((home / "events" / "performance" / "kpi").glob("2026*.parquet"))[0]  # night 1's KPI
    original = kpi.read_bytes()
    table = pq.read_table(kpi)
    rows = table.to_pylist()
    victim = next(
        i
        for i, r in enumerate(rows)
        if r["period"] == "2026-09" and r["kpi_score"] is not None and 60 < r["kpi_score"] < 95
    )
    scores = table.column("kpi_score").to_pylist()
    scores[victim] = type(scores[victim])("0.00")
    column = table.schema.get_field_index("kpi_score")
    tampered = table.set_column(
        column, table.schema.field(column), pa.array(scores, table.schema.field(column).type)
    )
    try:
        pq.write_table(tampered, kpi)
        done = pioneer("audit", "--home", str(home))
    finally:
        kpi.write_bytes(original)
    assert done.returncode == 3, done.stdout + done.stderr
    mismatches = [line for line in done.stdout.splitlines() if line.startswith("MISMATCH")]
    september_v1 = home / "exports" / "hr" / "2026-09" / "pioneer_index_2026-09_v1.csv"
    assert any(line.startswith(f"MISMATCH {september_v1}: line ") for line in mismatches), done.stdout
