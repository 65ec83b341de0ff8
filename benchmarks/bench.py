"""Province-scale benchmark: ingest, full build, nightly incremental, and the single-query floor.

    .venv/bin/python benchmarks/bench.py [--members 50000] [--months 24] [--repeat 3] [--repeat-expensive 1]

The landing zone is generated once with ``pioneer demo-data`` and cached under
``benchmarks/work/`` (git-ignored). Every measured step runs in a child process; its wall time,
CPU time (user + sys of the child and everything it waited for, e.g. dbt) and peak RSS come from
``os.wait4``. Each figure is the median of the repeats (peak RSS: the maximum). Results go to
``benchmarks/results/<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from core.layout import Home

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORK = ROOT / "benchmarks" / "work"
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT / "benchmarks"))

from floor import FLOOR_SQL  # noqa: E402

STEPS = "ingest,ingest_floor,build,nightly,quiet_night,replay,audit,floor,parity,demo"
PIPELINE = ("ingest", "full_build", "nightly")  # the figures whose growth is checked


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--sizes", default="5000,20000,50000", help="members of each size measured, comma-separated"
    )
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--end", default="2025-06", help="demo-data --end: activity covers the months before it")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="runs of the cheap steps (floor, demo make run)")
    ap.add_argument("--repeat-expensive", type=int, default=1, help="runs of ingest, full build and nightly")
    ap.add_argument("--steps", default=STEPS, help="comma-separated subset")
    ap.add_argument("--threads", type=int, default=0, help="DuckDB threads of the floor query (0: all cores)")
    args = ap.parse_args()
    steps = args.steps.split(",")
    results: dict = {
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "duckdb": duckdb.__version__},
        "load_before": os.getloadavg(),
        "sizes": {},
    }  # fmt: skip
    for members in map(int, args.sizes.split(",")):
        print(f"== {members:,} members x {args.months} months", flush=True)
        results["sizes"][str(members)] = measure_size(args, members, steps)
    if "demo" in steps:
        results["demo_make_run"] = summarise([demo_run() for _ in range(args.repeat)])
    results["load_after"] = os.getloadavg()
    results["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    results["growth"] = growth(results["sizes"], args.months)
    results["targets"] = targets(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{dt.datetime.now():%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print_table(results)
    print(f"\nresults: {path.relative_to(ROOT)}")


def measure_size(args: argparse.Namespace, members: int, steps: list[str]) -> dict:
    """Every step of ``steps`` at one size: the landing zone (cached), its base home, the figures."""
    landing = generate(members, args.months, args.end, args.seed)
    base = WORK / f"home-{landing.name.removeprefix('landing-')}"
    t0 = night_of(args.end)
    t1 = t0 + dt.timedelta(days=1)
    size: dict = {
        "landing": {"dir": str(landing.relative_to(ROOT)), "bytes": du(landing), "members": members,
                    "months": args.months, "seed": args.seed},
        "steps": {},
    }  # fmt: skip
    out = size["steps"]

    if "ingest" in steps or not (base / "events").exists():
        runs, scratch = [], WORK / "ingest-home"  # the base home (built once) is left alone
        for _ in range(args.repeat_expensive if "ingest" in steps else 1):
            shutil.rmtree(scratch, ignore_errors=True)
            runs.append(child(["ingest", str(scratch), str(landing), t0.isoformat()]))
        if not (base / "events").exists():
            shutil.rmtree(base, ignore_errors=True)
            scratch.rename(base)
        shutil.rmtree(scratch, ignore_errors=True)
        out["ingest"] = summarise(runs)
        events = out["ingest"]["events_added"]
        out["ingest"]["events_per_s"] = round(events / out["ingest"]["wall_s"])
        out["ingest"]["events_per_cpu_s"] = round(events / out["ingest"]["cpu_s"])
    needs_warehouse = {"nightly", "quiet_night", "floor", "replay", "audit", "parity"} & set(steps)
    if "build" in steps or (needs_warehouse and not (base / "warehouse.duckdb").exists()):
        runs = [child(["build", str(base), t0.isoformat()]) for _ in range(args.repeat_expensive)]
        out["full_build"] = summarise(runs)
        out["full_build"]["dbt_models"] = dbt_timing(base)
    if {"nightly", "quiet_night", "replay", "audit", "parity"} & set(steps) and not (base / "runs").exists():
        # an hour after the ingest step's clock: that step already loaded (and counted) the landing
        # zone, so this run adds nothing and its source gates have nothing new to validate; it
        # publishes the HR exports of every month (the first night of a home)
        at = (t0 + dt.timedelta(hours=1)).isoformat()
        out["first_run"] = child(["cli", "run", "--sources", str(landing), "--home", str(base), "--now", at])
    if "nightly" in steps or "quiet_night" in steps or "parity" in steps:
        out |= nightly(landing, base, t0, t1, args.repeat_expensive, quiet="quiet_night" in steps)
    if "parity" in steps:
        out["parity"] = child(["parity", str(WORK / "nightly-home")])
    if "replay" in steps:  # replaying the base home's first night costs about a full build
        replayed = WORK / "replay-out"
        runs = []
        for _ in range(args.repeat_expensive):
            shutil.rmtree(replayed, ignore_errors=True)
            argv = ["cli", "replay", "--home", str(base), "--as-of", t1.isoformat(), "--out", str(replayed)]
            runs.append(child(argv))
        shutil.rmtree(replayed, ignore_errors=True)
        out["replay"] = summarise(runs)
    if "audit" in steps:  # every published HR file of the base home re-derived from its events
        out["audit"] = summarise(
            [child(["cli", "audit", "--home", str(base)]) for _ in range(args.repeat_expensive)]
        )
    if "floor" in steps:
        runs = [child(["floor", str(base), t0.isoformat(), str(args.threads)]) for _ in range(args.repeat)]
        out["floor"] = summarise(runs)
        out["floor"]["agreement"] = agreement(base)
    if "ingest_floor" in steps:
        runs = [child(["ingest_floor", str(landing)]) for _ in range(args.repeat_expensive)]
        out["ingest_floor"] = summarise(runs)
    add_ratios(size, out)
    return size


# ---- the landing zone ---------------------------------------------------------------------------


def generate(members: int, months: int, end: str, seed: int) -> Path:
    """The cached landing zone (generated on first use; ``.generated`` marks it complete)."""
    landing = WORK / f"landing-{members}x{months}-{end}-s{seed}"
    if not (landing / ".generated").exists():
        shutil.rmtree(landing, ignore_errors=True)
        print(f"generating {landing} (once) ...", flush=True)
        cmd = ["demo-data", "--out", str(landing), "--members", str(members), "--months", str(months)]
        run([str(BIN / "pioneer"), *cmd, "--end", end, "--seed", str(seed)])
        (landing / ".generated").touch()
    return landing


def night_of(end: str) -> dt.datetime:
    """02:00 Shanghai on the 15th of ``end``: every record of the demo (corrections come up to
    9 days after the last month) lies before it, so the source gates' timestamp checks pass."""
    return dt.datetime.fromisoformat(f"{end}-15T02:00:00+08:00")


def add_one_day(landing: Path, target: Path, day: dt.date) -> int:
    """``target``: ``landing`` hard-linked (its files are never modified) plus one more night's
    deliveries: a learning export shaped like the feed's usual ones (the newest export's last three
    days restated, as the platform's overlapping exports do, plus ``day`` for everyone who studied on
    its last day), and a few service records and a meeting starting on ``day``. Returns the lines
    added."""
    from ingest.files import decode

    shutil.copytree(landing, target, copy_function=os.link)
    newest = max((landing / "learning").glob("points_*.csv"))
    lines = decode(newest, newest.read_bytes()).decode().splitlines()
    rows = [ln.split(",") for ln in lines[1:]]
    dates = sorted({f[2] for f in rows if f[2][:4].isdigit() and f[2] <= day.isoformat()})[-3:]
    restated = [",".join(f) for f in rows if f[2] in dates]
    new_day = [",".join([*f[:2], day.isoformat(), *f[3:]]) for f in rows if f[2] == dates[-1]]
    points = [lines[0], *restated, *new_day]
    (target / "learning" / f"points_{day + dt.timedelta(days=1)}.csv").write_text("\n".join(points) + "\n")
    extra = []
    for entity, key, n in (("service-records", "record_id", 50), ("meetings", "meeting_id", 1)):
        source = max((landing / "meeting" / entity).glob("*.jsonl"))
        records = [r for r in map(json.loads, source.read_text().splitlines()) if "start_time" in r][:n]
        for k, r in enumerate(records):
            r |= {key: f"BENCH-{k}", "start_time": f"{day}T09:00:00+08:00", "end_time": f"{day}T10:00:00+08:00",
                  "updated_at": f"{day}T20:00:00+08:00"}  # fmt: skip
        name = target / "meeting" / entity / f"{entity}_{day:%Y-%m}_bench.jsonl"
        name.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
        extra += records
    return len(points) - 1 + len(extra)


# ---- the steps ----------------------------------------------------------------------------------


def nightly(landing: Path, base: Path, t0: dt.datetime, t1: dt.datetime, repeat: int, quiet: bool) -> dict:
    """Per repeat: a copy of the base home (after its first ``pioneer run``) and of the landing zone
    plus one day of events, and ``pioneer run`` at t1 on them (``nightly``); with ``quiet``, then
    one more run an hour later that finds nothing new (``quiet_night``)."""
    runs, quiet_runs = [], []
    home, sources = WORK / "nightly-home", WORK / "nightly-landing"
    for _ in range(repeat):
        for d in (home, sources):
            shutil.rmtree(d, ignore_errors=True)
        added = add_one_day(landing, sources, t0.date())
        copy_home(base, home)
        r = child(["cli", "run", "--sources", str(sources), "--home", str(home), "--now", t1.isoformat()])
        runs.append(r | {"lines_delivered": added})
        out = {"nightly": summarise(runs) | {"dbt_models": dbt_timing(home)}}
        if quiet:
            at = (t1 + dt.timedelta(hours=1)).isoformat()
            quiet_runs.append(
                child(["cli", "run", "--sources", str(sources), "--home", str(home), "--now", at])
            )
            out["quiet_night"] = summarise(quiet_runs)
    return out


def copy_home(base: Path, home: Path) -> None:
    """Copy a home: parquet files hard-linked (immutable by contract), everything else copied."""

    def link_or_copy(src: str, dst: str) -> None:
        os.link(src, dst) if src.endswith(".parquet") else shutil.copy2(src, dst)

    shutil.copytree(base, home, copy_function=link_or_copy)


def demo_run() -> dict:
    """The ``make run`` path on the demo organisation: demo-data + ``pioneer run`` on a fresh home."""
    out = WORK / "demo"
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    a = child(["cli", "demo-data", "--out", str(out / "landing"), "--seed", "1"])
    b = child(["cli", "run", "--sources", str(out / "landing"), "--home", str(out / "home")])
    return {
        "wall_s": round(time.perf_counter() - t, 2),
        "cpu_s": round(a["cpu_s"] + b["cpu_s"], 2),
        "peak_rss_mib": max(a["peak_rss_mib"], b["peak_rss_mib"]),
        "demo_data_wall_s": a["wall_s"],
        "run_wall_s": b["wall_s"],
    }


def agreement(home: Path) -> dict:
    """The floor's index against ``marts.fct_member_index_monthly``, member month by member month."""
    db = duckdb.connect()
    db.execute(f"ATTACH '{home / 'warehouse.duckdb'}' AS wh (READ_ONLY)")
    db.execute(f"CREATE VIEW floor AS SELECT * FROM read_parquet('{WORK / 'floor.parquet'}')")
    row = db.execute(
        """SELECT count(*) FILTER (WHERE m.member_id IS NOT NULL AND f.member_id IS NOT NULL),
                  count(*) FILTER (WHERE m.index_score = f.index_score),
                  count(*) FILTER (WHERE f.member_id IS NULL), count(*) FILTER (WHERE m.member_id IS NULL)
           FROM wh.marts.fct_member_index_monthly m FULL JOIN floor f USING (member_id, month)"""
    ).fetchone()
    both, equal, only_mart, only_floor = row
    mismatches = db.execute(
        """SELECT m.member_id, m.month, m.index_score AS mart, f.index_score AS floor
           FROM wh.marts.fct_member_index_monthly m JOIN floor f USING (member_id, month)
           WHERE m.index_score <> f.index_score ORDER BY abs(m.index_score - f.index_score) DESC LIMIT 10"""
    ).fetchall()
    return {
        "member_months_compared": both,
        "equal": equal,
        "agreement_rate": round(equal / both, 6) if both else None,
        "only_in_mart": only_mart,
        "only_in_floor": only_floor,
        "worst_mismatches": [[str(v) for v in r] for r in mismatches],
    }


# ---- measuring ----------------------------------------------------------------------------------


def child(argv: list[str]) -> dict:
    """Run one step in a child process; wall, CPU (user+sys incl. its children) and peak RSS."""
    report, log_path = WORK / f"child-{os.getpid()}.json", WORK / f"child-{os.getpid()}.log"
    report.unlink(missing_ok=True)
    cmd = (
        [str(BIN / "pioneer"), *argv[1:]]
        if argv[0] == "cli"
        else [sys.executable, __file__, "--child", *argv]
    )
    load = os.getloadavg()[0]
    t = time.perf_counter()
    with open(log_path, "w") as log:
        env = os.environ | {"BENCH_REPORT": str(report)}
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if status != 0:
        sys.exit(f"step failed: {' '.join(cmd)} (see {log_path})")
    result = {
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024),  # KiB on Linux
        "load_1min_at_start": round(load, 2),
    }
    if report.exists():
        result |= json.loads(report.read_text())
    print(f"  {argv[0]} {argv[1] if argv[0] == 'cli' else ''}: {result}", flush=True)
    return result


def summarise(runs: list[dict]) -> dict:
    """Medians of the numeric figures of the runs, peak RSS the maximum, and every run."""
    out = {}
    for key, value in runs[0].items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            values = [r[key] for r in runs]
            out[key] = max(values) if key == "peak_rss_mib" else statistics.median(values)
        elif not isinstance(value, dict | list):
            out[key] = value
    return out | {"runs": runs}


def dbt_timing(home: Path, top: int = 8) -> dict:
    """Where dbt spent its time: per node execute time from ``run_results.json``."""
    results = json.loads((Home(home).dbt_target / "run_results.json").read_text())
    nodes = [(r["unique_id"], r.get("execution_time") or 0.0) for r in results["results"]]
    kinds: dict[str, float] = {}
    for uid, t in nodes:
        kinds[uid.split(".")[0]] = kinds.get(uid.split(".")[0], 0) + t
    slowest = sorted(nodes, key=lambda n: -n[1])[:top]
    return {
        "elapsed_s": round(results.get("elapsed_time", 0), 1),
        "by_kind_s": {k: round(v, 1) for k, v in kinds.items()},
        "slowest": [[uid.split(".", 2)[-1], round(t, 1)] for uid, t in slowest],
    }


YARDSTICKS = ("floor", "ingest_floor")  # one-query yardsticks, no pipeline stage: not in the peak


def add_ratios(size: dict, out: dict) -> None:
    def ratio(a: str, b: str, figure: str = "wall_s") -> float | None:
        return round(out[a][figure] / out[b][figure], 3) if a in out and b in out else None

    size["ratios"] = {
        "ingest / ingest_floor": ratio("ingest", "ingest_floor"),
        "ingest / ingest_floor (CPU s)": ratio("ingest", "ingest_floor", "cpu_s"),
        "full_build / floor": ratio("full_build", "floor"),
        "full_build / floor (CPU s)": ratio("full_build", "floor", "cpu_s"),
        "nightly / full_build": ratio("nightly", "full_build"),
        "nightly / full_build (CPU s)": ratio("nightly", "full_build", "cpu_s"),
        "quiet_night / full_build": ratio("quiet_night", "full_build"),
        "replay / full_build": ratio("replay", "full_build"),
        "audit / full_build": ratio("audit", "full_build"),
    }
    peaks = [s["peak_rss_mib"] for name, s in out.items() if name not in YARDSTICKS]
    size["peak_rss_mib_pipeline"] = max(peaks) if peaks else None


def growth(sizes: dict, months: int) -> dict:
    """CPU µs per member-month of each pipeline figure at each size, and how far each size is from
    their mean (linear growth: every size within ±25 %)."""
    out: dict = {}
    for step in PIPELINE:
        per = {
            m: round(s["steps"][step]["cpu_s"] / (int(m) * months) * 1e6, 1)
            for m, s in sizes.items()
            if step in s["steps"]
        }
        if len(per) < 2:
            continue
        mean = statistics.mean(per.values())
        out[step] = {
            "cpu_us_per_member_month": per,
            "deviation_from_mean": {m: round(v / mean - 1, 3) for m, v in per.items()},
        }
    return out


# the targets (issue 20); QUIET_NIGHT_S is ours: "a quiet night costs seconds"
QUIET_NIGHT_S = 10.0
PEAK_MIB = 4096


def targets(results: dict) -> list[dict]:
    """Every target of issue 20 against this run: the ratios at the largest size measured, peak
    memory at every size, growth across sizes. ``met`` is None where the run lacks the figures."""
    sizes = results["sizes"]
    largest = sizes[max(sizes, key=int)] if sizes else {"steps": {}, "ratios": {}}
    steps, ratios = largest["steps"], largest["ratios"]

    def row(name: str, value, limit, at_most: bool = True) -> dict:
        met = None if value is None else (value <= limit if at_most else value >= limit)
        return {"target": name, "value": value, "limit": limit, "met": met}

    rows = [
        row("nightly / full build, wall", ratios.get("nightly / full_build"), 0.10),
        row("nightly / full build, CPU s", ratios.get("nightly / full_build (CPU s)"), 0.10),
        row("quiet night, wall s", steps.get("quiet_night", {}).get("wall_s"), QUIET_NIGHT_S),
        row("ingest / ingest floor, wall", ratios.get("ingest / ingest_floor"), 2.0),
        row("ingest events/s", steps.get("ingest", {}).get("events_per_s"), 1_000_000, at_most=False),
        row("full build / floor, wall", ratios.get("full_build / floor"), 2.5),
        row("full build / floor, CPU s", ratios.get("full_build / floor (CPU s)"), 2.5),
    ]
    for m, s in sizes.items():
        rows.append(row(f"peak memory at {int(m):,} members, MiB", s.get("peak_rss_mib_pipeline"), PEAK_MIB))
    for step, g in results.get("growth", {}).items():
        worst = max(g["deviation_from_mean"].values(), key=abs)
        rows.append(row(f"{step}: CPU per member-month, largest deviation from the mean", abs(worst), 0.25))
    if "parity" in steps:
        rows.append(
            row("incremental = full refresh (rows differing)", steps["parity"].get("rows_differing"), 0)
        )
    return rows


def print_table(results: dict) -> None:
    print(f"\nload average before {results['load_before']}, after {results['load_after']}")
    for members, size in results["sizes"].items():
        print(f"\n{int(members):,} members")
        print(f"{'step':<16}{'wall s':>10}{'cpu s':>10}{'peak MiB':>10}  notes")
        for name, s in size["steps"].items():
            note = ""
            if name == "ingest":
                note = f"{s['events_added']:,} events, {s['events_per_s']:,} events/s"
            elif name == "floor":
                a = s["agreement"]
                note = f"agreement {a['agreement_rate']} of {a['member_months_compared']:,} member months"
            print(f"{name:<16}{s['wall_s']:>10.1f}{s['cpu_s']:>10.1f}{s['peak_rss_mib']:>10}  {note}")
        for name, value in size["ratios"].items():
            if value is not None:
                print(f"  {name:<30}{value}")
    print()
    for t in results["targets"]:
        mark = {True: "met", False: "MISSED", None: "not measured"}[t["met"]]
        print(f"{t['target']:<64}{t['value']!s:>12} (limit {t['limit']}): {mark}")


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, cwd=ROOT)


# ---- the child side -----------------------------------------------------------------------------


def child_main(step: str, home: str, *rest: str) -> None:
    """One measured step (runs in its own process); writes what it counted to $BENCH_REPORT."""
    from core.config import Settings

    report: dict = {}
    if step == "ingest":
        from ingest.run import ingest_all

        settings = Settings(home=Path(home), sources=Path(rest[0]), now=dt.datetime.fromisoformat(rest[1]))
        summary = ingest_all(settings)
        report["events_added"] = summary.events_added
        report["files_loaded"] = sum(s.files_loaded for s in summary.sources.values())
    elif step == "build":
        from pioneer.transform import build, publish

        settings = Settings(home=Path(home), now=dt.datetime.fromisoformat(rest[0]))
        summary = build(settings, full_refresh=True)
        publish(settings)
        report |= {"models": summary.models, "tests": summary.tests}
    elif step == "floor":
        clock = dt.datetime.fromisoformat(rest[0])
        db = duckdb.connect()
        db.execute("SET TimeZone = 'Asia/Shanghai'")
        # DuckDB's defaults (80 % of RAM): under the pipeline's 3 GB limit this one query runs out
        # of memory (a hash join that cannot spill); the floor is the yardstick, not a stage
        if int(rest[1]):
            db.execute(f"SET threads = {int(rest[1])}")
        sql = FLOOR_SQL.format(events=Path(home) / "events", month_start=clock.strftime("%Y-%m-01"))
        report["member_months"] = db.execute(f"COPY ({sql}) TO '{WORK / 'floor.parquet'}'").fetchone()[0]
    elif step == "ingest_floor":  # DuckDB's own readers of the landing zone to parquet (issue 20)
        from ingest_floor import ingest_floor

        out = WORK / "ingest-floor-out"
        shutil.rmtree(out, ignore_errors=True)
        figures = ingest_floor(Path(home), out)  # its own clock aside: wait4 measures every step alike
        report |= {k: v for k, v in figures.items() if k not in ("seconds", "cpu_s")}
        shutil.rmtree(out, ignore_errors=True)
    elif step == "parity":  # the nightly home's incremental marts against a full refresh of it
        from parity import parity

        report |= parity(Path(home))
    Path(os.environ.get("BENCH_REPORT", WORK / "child.json")).write_text(json.dumps(report))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        sys.path.insert(0, str(ROOT))
        child_main(*sys.argv[2:])
    else:
        main()
