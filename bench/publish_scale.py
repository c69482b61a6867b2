"""Benchmark: publish the snapshot and its exports at national scale, in full and when one source changed.

Why: issue 12 asks for a publish under 2 s when only the council's quarterly returns changed, with about 2 M
rows in clean tables. The warehouse is the offline demo's (`./run demo` first), grown synthetically: the
STATS19 sample rows repeated until the clean tables hold `ROWS` rows, and the indicator marts repeated for
`--areas-copies` sets of areas (about the number of English upper-tier authorities). Then, on a copy in
data/bench/publish/:

  full         the first publish (no previous snapshot): every table copied, every export written
  unchanged    a publish when nothing changed
  one table N  one small marts table changed (a local target in marts.indicator_targets), then a publish
  returns N    the council's quarterly returns changed, as a `council_returns_job` run changes the published
               tables (its `local_return` values, their history, the report cards, what changed since, the
               report builds), then a publish

Each changed case runs three times; wall time (and the process's CPU time, all threads) per publish, with the
machine's load average, since the machine may be shared.

    .venv/bin/python bench/publish_scale.py [ROWS] [--areas-copies 16] [--council E06000059]
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from warehouse.publish import publish_snapshot  # noqa: E402

MARTS_BY_AREA = ("indicator_values", "indicator_value_history", "indicator_report", "changes_since")


def grow(warehouse: Path, rows: int, areas_copies: int) -> dict[str, int]:
    """Repeat the STATS19 rows until the clean tables hold about `rows`, and the marts for more areas."""
    con = duckdb.connect(str(warehouse))
    try:
        clean = dict(
            con.execute(
                "select table_name, estimated_size from duckdb_tables() where schema_name = 'clean' "
                "and not starts_with(table_name, 'child_')"
            ).fetchall()
        )
        others = sum(size for name, size in clean.items() if name not in ("dft_casualties", "dft_collisions"))
        road = clean["dft_casualties"] + clean["dft_collisions"]
        times = max(1, round((rows - others) / road))
        for table in ("dft_casualties", "dft_collisions", *(f"marts.{name}" for name in MARTS_BY_AREA)):
            name = table if "." in table else f"clean.{table}"
            if name.startswith("clean."):
                select = f"select t.* from {name} t, range({times})"
            else:
                # A copy of every area's rows per extra set, under a made-up code (keys stay unique).
                select = (
                    f"select * from {name} union all select t.* replace (t.area_code || '-' || i as area_code) "
                    f"from {name} t, range(1, {areas_copies}) r(i)"
                )
            con.execute(f"create table {name}_grown as {select}")
            con.execute(f"delete from {name}")
            con.execute(f"insert into {name} select * from {name}_grown")
            con.execute(f"drop table {name}_grown")
        con.execute("checkpoint")
        return dict(
            con.execute(
                "select schema_name || '.' || table_name, estimated_size from duckdb_tables() "
                "where schema_name in ('clean', 'marts') order by 1"
            ).fetchall()
        )
    finally:
        con.close()


def council_returns_changed(warehouse: Path, council: str, round_: int) -> None:
    """What a council_returns_job run changes in the published tables (its child-level tables are not published)."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("begin transaction")
        con.execute(
            "update marts.indicator_values set value = value + 0.1, built_at = now() "
            "where variant = 'local_return' and area_code = ?",
            [council],
        )
        con.execute(
            "update marts.indicator_value_history set superseded_at = now() "
            "where variant = 'local_return' and area_code = ? and superseded_at is null",
            [council],
        )
        con.execute(
            "insert into marts.indicator_value_history by name select *, now() as recorded_at "
            "from marts.indicator_values where variant = 'local_return' and area_code = ?",
            [council],
        )
        con.execute("update marts.indicator_report set built_at = now()")
        # What changed since the previous build: only the council's returns (the first build listed everything).
        con.execute("delete from marts.changes_since where variant <> 'local_return' or area_code <> ?", [council])
        con.execute("update marts.changes_since set since = now() - interval (?) day", [round_])
        con.execute("insert into marts.report_builds values (now(), 0, 1, 0)")
        con.execute("commit")
    finally:
        con.close()


def one_table_changed(warehouse: Path, round_: int) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("update marts.indicator_targets set note = 'bench round ' || ?", [str(round_)])
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rows", nargs="?", type=int, default=2_000_000, help="rows in clean tables")
    parser.add_argument("--areas-copies", type=int, default=16, help="sets of areas in the indicator marts")
    parser.add_argument("--council", default="E06000059")
    parser.add_argument("--warehouse", type=Path, default=ROOT / "data" / "warehouse" / "outcomes.duckdb")
    args = parser.parse_args(argv)
    if not args.warehouse.exists():
        print(f"{args.warehouse} does not exist: run ./run demo first", file=sys.stderr)
        return 2
    folder = ROOT / "data" / "bench" / "publish"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    warehouse, snapshot = folder / "warehouse.duckdb", folder / "published" / "outcomes.duckdb"
    shutil.copyfile(args.warehouse, warehouse)
    sizes = grow(warehouse, args.rows, args.areas_copies)
    clean_rows = sum(size for name, size in sizes.items() if name.startswith("clean."))
    print(f"clean tables: {clean_rows:,} rows; marts.indicator_values: {sizes['marts.indicator_values']:,} rows")
    results: dict[str, object] = {"clean_rows": clean_rows, "tables": sizes}

    def publish(case: str) -> float:
        started, cpu = time.perf_counter(), time.process_time()
        published = publish_snapshot(warehouse, snapshot, council=args.council)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        results[case] = {
            "seconds": round(seconds, 3),
            "cpu_seconds": round(cpu, 3),
            "load_average_1m": os.getloadavg()[0],
            "steps": published.seconds,
            "copied": published.copied,
            "exported": published.exported,
            "full": published.full,
        }
        steps = ", ".join(f"{step} {value:.2f}" for step, value in published.seconds.items() if step != "total")
        print(
            f"{case:<12} {seconds:5.2f} s (cpu {cpu:5.2f} s, load {os.getloadavg()[0]:.1f}): "
            f"tables copied {len(published.copied):>2} of {len(published)}, "
            f"export files written {len(published.exported):>2}; {steps}; "
            f"snapshot {snapshot.stat().st_size / 1e6:.0f} MB"
        )
        return seconds

    publish("full")
    publish("unchanged")
    one = []
    for round_ in range(1, 4):
        one_table_changed(warehouse, round_)
        one.append(publish(f"one table {round_}"))
    returns = []
    for round_ in range(1, 4):
        council_returns_changed(warehouse, args.council, round_)
        returns.append(publish(f"returns {round_}"))
    results["one_table_median_s"] = round(statistics.median(one), 3)
    results["returns_median_s"] = round(statistics.median(returns), 3)
    print(f"one small marts table changed: median {statistics.median(one):.2f} s (target: under 2 s)")
    print(f"council's returns changed: median {statistics.median(returns):.2f} s (target: under 2 s)")
    (folder / "results.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
