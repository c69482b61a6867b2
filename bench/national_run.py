"""`./run bench national [SCALE]`: the whole main command on national-scale STATS19, against DuckDB's bare read.

Why this exists: the load benchmark (`./run bench`) times landing one file whole, which the main job never
does; what a council waits for is the whole command, fresh, unchanged and after a publisher's revision. This
generates consistent national collision and casualty files (every year 1979-2025, England's real districts and
upper-tier authorities, per-year files from 2021 cut from the national ones, as DfT publishes them), puts them
beside the rest of the bundled sample, and runs `safe-outcomes run` in sample mode:

1. floor: DuckDB's bare typed `read_csv` of the two national files into tables, in its own process;
2. fresh: the main command on an empty data folder;
3. unchanged: the same command again;
4. revision: after one line of the newest per-year casualty file is revised.

For each it measures wall seconds, CPU seconds of the whole process tree (the kernel's accounting of waited
children) and the peak resident memory of the process tree (the sum over its processes, sampled from /proc);
each case starts with the disk's write-back done.
SCALE multiplies the national 12,000,000 casualty rows (`./run bench national 0.25`). Generated files are kept
in BENCH_DIR (default /tmp/safe-outcomes-bench-national) and reused for the same scale. The last line is for
scripts: `fresh/floor X.XX revision/fresh X.XX unchanged_s X.X peak_rss_mb N`.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate_national_casualties import CASUALTY_FILE, COLLISION_FILE, generate  # noqa: E402

NATIONAL_ROWS = 12_000_000
DFT = "data.dft.gov.uk/road-accidents-safety-data"
PER_YEAR_FROM, NEWEST = 2021, 2025
TABLES = {"collisions": ("collision", COLLISION_FILE), "casualties": ("casualty", CASUALTY_FILE)}


@dataclass
class Measure:
    case: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float


def per_year_files(folder: Path) -> None:
    """DfT's per-year files hold the same rows as the national file's year: cut them out with DuckDB."""
    import duckdb

    con = duckdb.connect()
    for prefix, national in TABLES.values():
        source = str(folder / national).replace("'", "''")
        for year in range(PER_YEAR_FROM, NEWEST + 1):
            target = str(folder / f"dft-road-casualty-statistics-{prefix}-{year}.csv").replace("'", "''")
            con.execute(
                f"copy (select * from read_csv('{source}', all_varchar = true, header = true) "
                f"where collision_year = '{year}') to '{target}' (header, quote '')"
            )


def prepare(work: Path, rows: int) -> Path:
    """The sample folder: national DfT files (generated once per size) and the bundled sample of the rest."""
    samples = work / "samples"
    dft = samples / DFT
    stamp = dft / ".rows"
    if not (stamp.is_file() and stamp.read_text() == str(rows)):
        shutil.rmtree(samples, ignore_errors=True)
        dft.mkdir(parents=True)
        print(f"generating {rows:,} casualty rows into {dft} ...", flush=True)
        generate(dft, rows)
        per_year_files(dft)
        stamp.write_text(str(rows))
    for host in (ROOT / "sources" / "samples").iterdir():
        if host.name != DFT.split("/")[0] and not (samples / host.name).exists():
            (samples / host.name).symlink_to(host, target_is_directory=True)
    return samples


def revise_newest_casualty_file(samples: Path) -> None:
    """One line changes: the first slight casualty of the newest per-year file becomes serious (same length)."""
    path = samples / DFT / f"dft-road-casualty-statistics-casualty-{NEWEST}.csv"
    with open(path, "r+b") as handle:
        header = handle.readline().decode().rstrip("\n").split(",")
        severity = header.index("casualty_severity")
        while line := handle.readline():
            fields = line.decode().rstrip("\n").split(",")
            if fields[severity] == "3":
                fields[severity] = "2"
                handle.seek(-len(line), os.SEEK_CUR)
                handle.write((",".join(fields) + "\n").encode())
                return
    raise RuntimeError(f"no slight casualty in {path}")


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of `pid` and every process below it, in MB."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total / 1024


def measure(case: str, command: list[str], env: dict[str, str]) -> Measure:
    """Run `command`, polling its process tree's memory; fail loudly if it fails.

    Each case starts with nothing waiting to be written to disk (`os.sync()`, untimed): otherwise the gigabytes a
    fresh run writes are flushed during the next case, whose every SQLite commit (Dagster's event log) then waits
    for them, and an unchanged run measured 9 s on its own and 12-13 s straight after a fresh one.
    """
    os.sync()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = [0.0]

    def poll() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], _tree_rss_mb(process.pid))
            time.sleep(0.1)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    output, _ = process.communicate()
    wall = time.perf_counter() - started
    poller.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        sys.stdout.write(output.decode(errors="replace")[-6000:])
        raise SystemExit(f"{case}: the command failed with exit status {process.returncode}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Measure(case, wall, cpu, peak[0])


def bare_read(database: str, *files: str) -> None:
    """The floor: DuckDB reads each national file, typed as the loader types it, into a table (child process)."""
    import duckdb

    from sources.stats19 import CANONICAL, read_header

    con = duckdb.connect(database)
    for table, path in zip(TABLES, files, strict=True):
        types = dict.fromkeys(read_header(Path(path)), "VARCHAR")
        for column in CANONICAL[table]:
            for alias in column.aliases:
                if alias in types:
                    types[alias] = column.type
        columns = ", ".join(f"'{name}': '{kind}'" for name, kind in types.items())
        con.execute(
            f"create table {table} as select * from read_csv('{path}', header = true, auto_detect = false, "
            f"dateformat = '%d/%m/%Y', nullstr = ['', 'NULL'], columns = {{{columns}}})"
        )
    con.close()


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--bare-read":
        bare_read(*argv[1:])
        return 0
    scale = float(argv[0]) if argv else 1.0
    rows = max(int(NATIONAL_ROWS * scale), 1000)
    work = Path(os.environ.get("BENCH_DIR", "/tmp/safe-outcomes-bench-national")) / str(rows)
    samples = prepare(work, rows)
    data, home = work / "data", work / "dagster"
    shutil.rmtree(data, ignore_errors=True)
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SAFE_OUTCOMES_DATA_DIR": str(data),
        "DAGSTER_HOME": str(home),
        "SAFE_OUTCOMES_SAMPLE_DIR": str(samples),
        "SAFE_OUTCOMES_STEP_RETRIES": "0",
    }
    floor_db = work / "floor.duckdb"
    floor_db.unlink(missing_ok=True)
    national = [str(samples / DFT / name) for _, name in TABLES.values()]
    command = [sys.executable, "-m", "pipelines.main", "run"]
    bare = [sys.executable, __file__, "--bare-read", str(floor_db), *national]
    results = [measure("floor: bare typed read_csv", bare, env)]
    floor_db.unlink(missing_ok=True)
    results.append(measure("fresh: empty data folder", command, env))
    results.append(measure("unchanged", command, env))
    revise_newest_casualty_file(samples)
    results.append(measure(f"revision: one line of the {NEWEST} casualty file", command, env))
    revise_newest_casualty_file(samples)  # leaves a different file for the next revision run, same size
    floor, fresh, unchanged, revision = results
    print(f"\n{rows:,} casualty rows (scale {scale:g}) in {work}\n")
    print("| case | wall s | CPU s | wall x floor | CPU x floor | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for result in results:
        print(
            f"| {result.case} | {result.wall_s:.1f} | {result.cpu_s:.1f} | {result.wall_s / floor.wall_s:.2f} | "
            f"{result.cpu_s / floor.cpu_s:.2f} | {result.peak_rss_mb:,.0f} |"
        )
    peak = max(result.peak_rss_mb for result in results[1:])
    print(
        f"fresh/floor {fresh.wall_s / floor.wall_s:.2f} revision/fresh {revision.wall_s / fresh.wall_s:.2f} "
        f"unchanged_s {unchanged.wall_s:.1f} peak_rss_mb {peak:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
