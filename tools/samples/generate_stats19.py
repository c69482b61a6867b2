"""Generate the bundled, synthetic DfT STATS19 sample used in offline (sample) mode.

Why this exists
---------------
The real DfT road casualty files are large (the 1979-latest collision file is about 1.5 GB) and cannot be
fetched in tests or CI. Sample mode answers HTTP requests from ``sources/samples/<host>/<path>``, so this
script writes small files with the same names, the exact current (2024/2025 release) headers and realistic
values for five South West highway authorities. Every value is synthetic: no real collision is reproduced.

What it writes (under ``data.dft.gov.uk/road-accidents-safety-data/``)
----------------------------------------------------------------------
* ``dft-road-casualty-statistics-{collision|casualty}-1979-latest-published-year.csv``: data years 2005-2025
  (the real file starts in 1979; the sample starts in 2005, which covers a 2005-09 baseline).
* ``dft-road-casualty-statistics-{collision|casualty}-{YYYY}.csv`` for 2021-2025: the same rows as those years
  in the multi-year file.

Format rules followed (see ``shared/sources.md`` section 3): 44-column collision header, 23-column casualty
header, ``\\n`` line endings, no BOM, no quoting, ``-1`` for coded "missing", blank for unknown numbers
and for the adjusted-severity columns of fatal casualties, ``collision_reference`` kept as text with
leading zeros, ``date`` as DD/MM/YYYY, ``day_of_week`` 1 = Sunday.

Geography follows the reorganisations: Dorset County (E10000009) and its districts before 1 April 2019, Dorset
Council (E06000059) and BCP (E06000058) after; Bournemouth (E06000028), Poole (E06000029) and Christchurch
(E07000048, highway Dorset County) before 2019 map to BCP in ``local_authority_highway_current``; Somerset
County (E10000027) and its districts before 1 April 2023 (Taunton Deane E07000190 and West Somerset
E07000191 until March 2019, then Somerset West and Taunton E07000246), Somerset Council (E06000066) after.
``local_authority_district`` is always ``-1`` ("code deprecated"). Police forces follow the DfT code list:
50 Devon and Cornwall, 52 Avon and Somerset, 54 Wiltshire, 55 Dorset.

Choices where the real layout is not known: ``lsoa_*`` and ``casualty_imd_decile`` are ``-1`` before 2015;
``casualty_distance_banding`` is blank before 2020 (the real file is known to be empty for 2019 only);
the ``*_historic`` columns are filled before 2024 and ``-1`` from 2024, and their 2024-specification
partners (``junction_detail``, ``pedestrian_crossing``, ``carriageway_hazards``) the other way round;
``enhanced_*`` severities are ``-1`` before 2023 and occasionally afterwards. Invented outright: the dates
each police force moved to injury-based reporting (CRaSH/COPA), the adjustment probabilities, road numbers,
LSOA code ranges, the value mixes and the year trend (collisions fall about a third from 2005-09 to the
2020s, with a 2020 dip; KSI casualties fall 20-35% in every authority). The seed was picked so that holds.

The sample is built by ``tools/samples/stats19_collisions.py`` (collisions, year by year) and
``stats19_casualties.py`` (their casualties), from the authorities in ``stats19_authorities.py`` and the DfT
conventions in ``stats19_coding.py``; this module writes the files and is the command line.

Rerun
-----
    python -m tools.samples.generate_stats19 [OUTPUT_DIR]      # from the project root

It uses only the standard library and a fixed seed: two runs give byte-identical files.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from sources.stats19 import CASUALTY_HEADER_2024, COLLISION_HEADER_2024
from tools.samples import SAMPLES
from tools.samples.stats19_collisions import Stats19Sample

SINGLE_YEARS = range(2021, 2026)
PUBLISHER_PATH = Path("data.dft.gov.uk") / "road-accidents-safety-data"
DEFAULT_OUTPUT_DIR = SAMPLES / PUBLISHER_PATH

COLLISION_COLUMNS = list(COLLISION_HEADER_2024)

CASUALTY_COLUMNS = list(CASUALTY_HEADER_2024)


def write_csv(path: Path, columns: Sequence[str], rows: Sequence[dict[str, str]]) -> None:
    """Write rows as a DfT-style CSV: header first, no quoting, ``\\n`` line endings, no BOM."""
    lines = [",".join(columns)]
    lines.extend(",".join(row[column] for column in columns) for row in rows)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")


def main(output_dir: Path | str | None = None) -> list[Path]:
    """Generate the sample files into ``output_dir`` (default: the publisher's folder in ``sources/samples``)."""
    target = Path(output_dir) if output_dir is not None else DEFAULT_OUTPUT_DIR
    target.mkdir(parents=True, exist_ok=True)
    sample = Stats19Sample()
    sample.build()
    written: list[Path] = []
    for table, columns, rows in (
        ("collision", COLLISION_COLUMNS, sample.collisions),
        ("casualty", CASUALTY_COLUMNS, sample.casualties),
    ):
        path = target / f"dft-road-casualty-statistics-{table}-1979-latest-published-year.csv"
        write_csv(path, columns, rows)
        written.append(path)
        for year in SINGLE_YEARS:
            path = target / f"dft-road-casualty-statistics-{table}-{year}.csv"
            write_csv(path, columns, [row for row in rows if row["collision_year"] == str(year)])
            written.append(path)
    return written


if __name__ == "__main__":
    for written_path in main(sys.argv[1] if len(sys.argv) > 1 else None):
        print(written_path)
