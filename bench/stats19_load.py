"""Benchmark: land a national-scale STATS19 casualty file, against DuckDB's bare typed read of the same file.

Why: the real 1979-latest casualty file has about 12 million rows. The issue's targets are our load within
1.3x of the bare read, load plus every blocking check within 2x, and peak memory under 2 GB. Each case runs
in its own process on a fresh database file, so wall time and peak memory (ru_maxrss) are its own.

    ./run bench [ROWS]          # default 12,000,000 rows; generates the file once under data/bench/

Cases:
  bare          CREATE TABLE AS SELECT * FROM read_csv(file, every column typed)   (the yardstick)
  load          sources.stats19.scan + warehouse.landing.land (canonical columns, line numbers,
                reconcile against the file's line count, one transaction)
  load+checks   the same, then the casualties suite (DuckDB SQL engine at this size) on every year
"""

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CASUALTY_FILE = "dft-road-casualty-statistics-casualty-1979-latest-published-year.csv"
YEARS = list(range(1979, 2025))


def run_case(case: str, csv_path: Path, database: Path) -> dict:
    """Run one case in this process and return its timings (called in a child process)."""
    import duckdb

    from checks.runner import run_suite
    from checks.stats19 import casualties_suite
    from sources.stats19 import CASUALTY_COLUMNS, scan
    from warehouse.database import Warehouse
    from warehouse.landing import land

    started = time.perf_counter()
    if case == "bare":
        read = scan(csv_path, "casualties")
        types = {name: "VARCHAR" for name in read.header}
        for column in CASUALTY_COLUMNS:
            for alias in column.aliases:
                if alias in types:
                    types[alias] = column.type
        columns = ", ".join(f"'{name}': '{kind}'" for name, kind in types.items())
        con = duckdb.connect(str(database))
        con.execute(
            f"create table casualty as select * from read_csv('{csv_path}', header = true, auto_detect = false, "
            f"columns = {{{columns}}})"
        )
        rows = con.execute("select count(*) from casualty").fetchall()[0][0]
        con.close()
        return {"rows": rows, "load_s": time.perf_counter() - started, "peak_rss_mb": _peak_mb()}
    warehouse = Warehouse(database)
    with warehouse.connect() as con:
        landed = land(con, scan(csv_path, "casualties"), "dft_casualties", "collision_year", YEARS, "bench")
        loaded_at = time.perf_counter()
        result = {"rows": landed.rows_loaded, "load_s": loaded_at - started}
        if case == "load+checks":
            verdict = run_suite(con, casualties_suite(), "list_contains(?, collision_year)", [YEARS])
            result |= {
                "checks_s": time.perf_counter() - loaded_at,
                "engine": verdict.engine,
                "checks": verdict.summary(),
            }
    return result | {"peak_rss_mb": _peak_mb()}


def _peak_mb() -> float:
    """This process's peak resident memory (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(case: str, csv_path: Path, work: Path) -> dict:
    """Run a case in a fresh process; add its wall time and peak memory."""
    database = work / f"{case.replace('+', '_')}.duckdb"
    for leftover in work.glob(f"{database.name}*"):
        leftover.unlink()
    started = time.perf_counter()
    child = subprocess.run(
        [sys.executable, __file__, "--case", case, str(csv_path), str(database)],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    result = json.loads(child.stdout.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - started
    return result


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--case":
        print(json.dumps(run_case(argv[1], Path(argv[2]), Path(argv[3]))))
        return 0
    rows = int(argv[0]) if argv else 12_000_000
    work = ROOT / "data" / "bench" / str(rows)
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / CASUALTY_FILE
    if not csv_path.exists():
        print(f"generating {rows:,} casualty rows in {work} ...", flush=True)
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "generate_national_casualties.py"), str(work), str(rows)], check=True
        )
    subprocess.run(["cat", str(csv_path)], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
    results = {}
    for case in ("bare", "load", "load+checks"):
        results[case] = measure(case, csv_path, work)
        print(case, json.dumps(results[case]), flush=True)
    bare = results["bare"]["wall_s"]
    print(f"\nfile: {csv_path.stat().st_size / 1e6:,.0f} MB, {results['bare']['rows']:,} rows, {os.cpu_count()} cores")
    bare_work = results["bare"]["load_s"]
    print("| case | work s | rows/s | x bare read | whole process s | x bare | peak RSS MB |")
    print("|---|---|---|---|---|---|---|")
    for case, result in results.items():
        work_s = result["load_s"] + result.get("checks_s", 0.0)
        print(
            f"| {case} | {work_s:.1f} | {result['rows'] / work_s:,.0f} | {work_s / bare_work:.2f} | "
            f"{result['wall_s']:.1f} | {result['wall_s'] / bare:.2f} | {result['peak_rss_mb']:,.0f} |"
        )
    (work / "results.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
