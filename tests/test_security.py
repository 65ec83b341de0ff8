"""Privacy and security of a home (README, "Security"), tried as a careless operator would: the
usual umask 022, paths with quotes, spaces and Chinese characters, relative paths, a landing
zone holding symlinks and a FIFO, and an analyst opening the published warehouse."""

import csv
import os
import stat
import subprocess

import duckdb
import pytest
from pioneer_cli import PIONEER, demo_data

NOW = "2026-11-06T01:30:00+08:00"


def run_as_operator(*args: str, cwd, timeout: float = 600, **env: str) -> subprocess.CompletedProcess:
    """The real CLI under the usual umask 022, from ``cwd`` (relative paths)."""
    return subprocess.run(
        [*PIONEER, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
        env=os.environ | env, preexec_fn=lambda: os.umask(0o022),
    )  # fmt: skip


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    """One night on a home and a landing whose paths hold quotes, spaces and Chinese, given
    relative to the working directory."""
    root = tmp_path_factory.mktemp("security") / 'O\'Neil "先锋" 指数'
    landing, home = "落地 区'1", "家 \"home\" 'q'"
    root.mkdir()
    demo_data(root / landing, members=60, months=2, seed=11)
    ran = run_as_operator("run", "--sources", landing, "--home", home, "--now", NOW, cwd=root)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    return root, root / landing, root / home


def roster_phones(landing) -> set[str]:
    phones = set()
    for path in (landing / "roster").glob("roster_*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as stream:
            phones |= {row["phone"] for row in csv.DictReader(stream) if row["phone"]}
    return phones


def test_a_night_runs_on_paths_with_quotes_spaces_and_chinese(night):
    root, _, home = night
    assert (home / "warehouse.duckdb").is_file()
    assert list((home / "exports" / "hr").glob("*/*.manifest.json"))
    status = run_as_operator("status", "--home", home.name, "--json", cwd=root)
    assert status.returncode == 0, status.stderr
    doctor = run_as_operator("doctor", "--home", home.name, cwd=root)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr


def test_the_published_warehouse_reaches_no_phone_and_no_raw_payload(night):
    _, landing, home = night
    phones = roster_phones(landing)
    assert len(phones) > 50
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        con.execute("create temp table phones as select unnest(?) as phone", [sorted(phones)])
        columns = con.execute(
            """select table_schema, table_name, column_name from information_schema.columns
               where table_catalog = current_database() and data_type = 'VARCHAR'
               order by all"""
        ).fetchall()
        assert {schema for schema, _, _ in columns} >= {"marts", "staging", "intermediate"}
        assert not [c for c in columns if c[2] == "raw"], "a relation over the raw payloads"
        leaks = []
        for schema, table, column in columns:
            found = con.execute(
                f'select count(*) from "{schema}"."{table}" t join phones p on strpos(t."{column}", p.phone) > 0'
            ).fetchone()[0]
            if found:
                leaks.append(f"{schema}.{table}.{column}: {found}")
        assert not leaks, leaks


def test_the_home_is_private_whatever_the_umask(night):
    _, _, home = night
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    wider = []
    for folder, dirs, files in os.walk(home):
        for name in dirs + files:
            if os.path.islink(os.path.join(folder, name)):
                continue  # HOME/dbt/project links the project's code: a link's own mode is never used
            mode = stat.S_IMODE(os.lstat(os.path.join(folder, name)).st_mode)
            if mode & 0o077:
                wider.append(f"{os.path.relpath(os.path.join(folder, name), home)} {mode:04o}")
    assert not wider, wider


def test_exports_are_shared_with_the_configured_group_only(night, tmp_path):
    root, landing, _ = night
    group = os.getgid()
    import grp

    name = grp.getgrgid(group).gr_name
    home = tmp_path / "shared"
    ran = run_as_operator(
        "run",
        "--sources",
        str(landing),
        "--home",
        str(home),
        "--now",
        NOW,
        cwd=root,
        PIONEER_EXPORT_GROUP=name,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert stat.S_IMODE(home.stat().st_mode) == 0o711  # passed through to the exports, never listed
    exported = sorted((home / "exports" / "hr").glob("*/*"))
    assert exported and {stat.S_IMODE(p.stat().st_mode) for p in exported} == {0o640}
    assert all(p.stat().st_gid == group for p in exported)
    for folder in (home / "exports", home / "exports" / "hr", *{p.parent for p in exported}):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o750, folder
    assert stat.S_IMODE((home / "warehouse.duckdb").stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "events").stat().st_mode) == 0o700


def test_doctor_reports_wider_modes_and_repair_narrows_them(night):
    root, _, home = night
    manifest = sorted((home / "exports" / "hr").glob("*/*.manifest.json"))[0]
    quarantine = home / "quarantine"
    os.chmod(manifest, 0o644)
    os.chmod(quarantine, 0o755)
    try:
        doctor = run_as_operator("doctor", "--home", home.name, cwd=root)
        assert doctor.returncode == 3, doctor.stdout + doctor.stderr
        assert f"{manifest.relative_to(home)} is 0644, wider than 0600" in doctor.stdout
        assert "quarantine is 0755, wider than 0700" in doctor.stdout
        repaired = run_as_operator("doctor", "--home", home.name, "--repair", cwd=root)
        assert repaired.returncode == 0, repaired.stdout + repaired.stderr
        assert stat.S_IMODE(manifest.stat().st_mode) == 0o600
        assert stat.S_IMODE(quarantine.stat().st_mode) == 0o700
    finally:
        os.chmod(manifest, 0o600)
        os.chmod(quarantine, 0o700)


@pytest.mark.parametrize(
    "kind", ["symlink to a KPI file elsewhere", "symlink to /etc/passwd", "FIFO", "symlinked folder"]
)
def test_the_landing_zone_is_read_as_regular_files_only(night, tmp_path, kind):
    _, landing, _ = night
    sources, home = tmp_path / "landing", tmp_path / "home"
    subprocess.run(["cp", "-r", str(landing), str(sources)], check=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    if kind == "symlink to a KPI file elsewhere":
        (outside / "kpi_2026-10.csv").write_text(
            "employee_no,period,kpi_score,grade,approved_at\nSG1,2026-10,90,A,2026-11-01T00:00:00\n"
        )
        entry = sources / "performance" / "kpi_zz.csv"
        entry.symlink_to(outside / "kpi_2026-10.csv")
    elif kind == "symlink to /etc/passwd":
        entry = sources / "admin" / "items_zz.csv"
        entry.symlink_to("/etc/passwd")
    elif kind == "FIFO":
        entry = sources / "meeting" / "attendance" / "zz.jsonl"
        os.mkfifo(entry)
    else:  # the leaves folder moved elsewhere, a symlink in its place
        entry = sources / "meeting" / "leaves"
        entry.rename(outside / "leaves")
        entry.symlink_to(outside / "leaves", target_is_directory=True)
    ran = run_as_operator(
        "run", "--sources", str(sources), "--home", str(home), "--now", NOW, cwd=tmp_path, timeout=300
    )
    assert ran.returncode == 1, ran.stdout + ran.stderr
    message = [line for line in ran.stderr.splitlines() if "refused" in line]
    assert len(message) == 1 and str(entry) in message[0], ran.stderr
    if (home / "quarantine").exists():
        stored = (
            duckdb.connect()
            .execute(
                "select count(*) from read_parquet(?, union_by_name=true) where raw like '%root:%'",
                [str(home / "quarantine" / "*" / "*.parquet")],
            )
            .fetchone()[0]
        )
        assert stored == 0
    assert not (home / "warehouse.duckdb").exists()  # the run stopped before the marts


def test_settings_never_show_their_secrets():
    from core.config import Settings

    settings = Settings(
        hr_endpoint_token="hr-SECRET-1", meeting_api_token="meet-SECRET-2",
        performance_db_url="mysql://kpi:pw-SECRET-3@db/kpi", phone_key="key-SECRET-4",
    )  # fmt: skip
    assert "SECRET" not in repr(settings) and "SECRET" not in str(settings)
    assert settings.hr_endpoint_token == "hr-SECRET-1"
