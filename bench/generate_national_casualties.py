"""Generate a synthetic NATIONAL STATS19 casualty file (and its collision file) for load benchmarks.

Why this exists
---------------
The real ``dft-road-casualty-statistics-casualty-1979-latest-published-year.csv`` has about 12 million rows
(about 1 GB) and cannot be downloaded in CI. Benchmarks and scale tests of the DuckDB loaders need a file of
the same shape: the exact 23-column casualty header and 44-column collision header of the 2024/2025 releases,
rows sorted by year, and the traps that break type sniffers (see ``shared/perf-notes.md`` sections 2-3):

* ``lsoa_of_casualty`` and ``lsoa_of_accident_location`` are ``-1`` for every row before 2015, then
  ``E01...``;
* ``collision_reference`` keeps its leading zeros (``010451590``) and, before 2005, holds letters
  (``01A1BAW34``), as the legacy files do; ``collision_index`` is the year followed by the reference;
* the adjusted-severity columns are blank before 2004 and for fatal casualties;
* ``casualty_distance_banding`` is blank before 2020 and ``local_authority_highway_current`` is ``-1``
  before 2004 (the field maps collisions "back to 2004").

The year mix follows the GB curve of reported casualties (about 12.2 M for 1979-2024). Values come from the
DfT code lists; everything is synthetic.

Usage
-----
    python bench/generate_national_casualties.py OUTDIR [N] [SEED]

writes ``OUTDIR/dft-road-casualty-statistics-casualty-1979-latest-published-year.csv`` with N casualty rows
(default 12,000,000) and ``OUTDIR/dft-road-casualty-statistics-collision-1979-latest-published-year.csv``
with one row per collision (1..n casualties each, about 1.3 on average). Each data year is built with
vectorised numpy in a worker process and written in year order, so only a few years are in memory at once:
for N = 12 M that is about 0.4 GB per process (1.3 GB summed over the parent and two workers), and it
grows with N / 46. On 2 cores 12 M rows take under a minute. The same N and SEED give byte-identical
files whatever the number of workers. Keep the output out of the repository (e.g. ``/tmp/bench-data``).

The data's shape is in ``bench/national_codes.py``, one year's rows in ``national_year.py`` and their text in
``national_cells.py``; this module plans the years, runs the workers, writes the files and is the command line.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from pathlib import Path

import numpy as np

from bench.national_cells import render_all
from bench.national_codes import CASUALTY_CURVE, FIRST_YEAR, LAST_YEAR, Areas, curve
from bench.national_year import build_year
from sources.stats19 import CASUALTY_HEADER_2024, COLLISION_HEADER_2024

DEFAULT_ROWS = 12_000_000
DEFAULT_SEED = 42
CASUALTY_FILE = "dft-road-casualty-statistics-casualty-1979-latest-published-year.csv"
COLLISION_FILE = "dft-road-casualty-statistics-collision-1979-latest-published-year.csv"

CASUALTY_COLUMNS = list(CASUALTY_HEADER_2024)

COLLISION_COLUMNS = list(COLLISION_HEADER_2024)


def plan(rng: np.random.Generator, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Casualties per collision (1..40, mean ~1.3) summing to ``rows``, and collisions per year."""
    per_collision = np.clip(rng.geometric(0.77, size=int(rows / 1.25) + 1000), 1, 40)
    while per_collision.sum() < rows:
        per_collision = np.concatenate([per_collision, np.clip(rng.geometric(0.77, size=1000), 1, 40)])
    total = np.cumsum(per_collision)
    n_collisions = int(np.searchsorted(total, rows) + 1)
    per_collision = per_collision[:n_collisions].astype(np.int8)
    per_collision[-1] -= int(total[n_collisions - 1]) - rows
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    weights = curve({y: float(v) for y, v in CASUALTY_CURVE.items()}, years)
    per_year = rng.multinomial(n_collisions, weights / weights.sum())
    return per_collision, per_year


def render_year(task: tuple[Areas, int, np.ndarray, int]) -> tuple[bytes, bytes]:
    """Build and render one data year in a worker process; its generator depends on (seed, year) only."""
    areas, year, per_collision, seed = task
    collision_cells, casualty_cells = build_year(np.random.default_rng([seed, year]), areas, year, per_collision)
    return render_all(collision_cells), render_all(casualty_cells)


def generate(output_dir: Path, rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED, workers: int = 0) -> dict[str, int]:
    """Write the national casualty and collision files; return row and byte counts.

    Years are built in ``workers`` processes (default: one per CPU, at most 4) and written in year order,
    with at most ``workers`` finished years held in memory.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    areas = Areas(rng)
    per_collision, per_year = plan(rng, rows)
    starts = np.concatenate([[0], np.cumsum(per_year)])
    years = range(FIRST_YEAR, LAST_YEAR + 1)
    tasks = [(areas, year, per_collision[starts[i] : starts[i + 1]], seed) for i, year in enumerate(years)]
    tasks = [task for task in tasks if len(task[2])]
    workers = workers or min(4, os.cpu_count() or 1)
    stats = {"casualty_rows": int(per_collision.sum()), "collision_rows": len(per_collision)}
    with (
        open(output_dir / CASUALTY_FILE, "wb", buffering=8 << 20) as casualty_file,
        open(output_dir / COLLISION_FILE, "wb", buffering=8 << 20) as collision_file,
        ProcessPoolExecutor(max_workers=workers) as pool,
    ):
        casualty_bytes = casualty_file.write((",".join(CASUALTY_COLUMNS) + "\n").encode())
        collision_bytes = collision_file.write((",".join(COLLISION_COLUMNS) + "\n").encode())
        queue = iter(tasks)
        pending = deque(pool.submit(render_year, task) for task in islice(queue, workers))
        while pending:
            collision_text, casualty_text = pending.popleft().result()
            task = next(queue, None)
            if task is not None:
                pending.append(pool.submit(render_year, task))
            collision_bytes += collision_file.write(collision_text)
            casualty_bytes += casualty_file.write(casualty_text)
    stats.update(casualty_bytes=casualty_bytes, collision_bytes=collision_bytes)
    return stats


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help") or len(args) > 3:
        print(__doc__)
        return 0 if args and args[0] in ("-h", "--help") else 2
    rows = int(args[1].replace("_", "")) if len(args) > 1 else DEFAULT_ROWS
    if rows < 1:
        print("N must be at least 1", file=sys.stderr)
        return 2
    seed = int(args[2]) if len(args) > 2 else DEFAULT_SEED
    started = time.perf_counter()
    stats = generate(Path(args[0]), rows, seed)
    elapsed = time.perf_counter() - started
    print(f"casualty:  {stats['casualty_rows']:>11,} rows {stats['casualty_bytes']:>15,} B  {CASUALTY_FILE}")
    print(f"collision: {stats['collision_rows']:>11,} rows {stats['collision_bytes']:>15,} B  {COLLISION_FILE}")
    print(f"PHASE generate {elapsed:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
