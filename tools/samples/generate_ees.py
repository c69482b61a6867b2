"""Write the bundled DfE EES and ONS population samples (synthetic numbers, the publishers' exact formats).

Run from the project root: `python -m tools.samples.generate_ees`. The numbers are made up (seeded, so the
files are reproducible); the headers, column order, empty-column quirks (`"",""` in D3/D5), suppression
markers, BOM (CLA rate file), geography (old Dorset to 2019, Dorset Council from 2020; placeholder rows for
authorities that did not exist) and rounding (England and regions to the nearest 10; CIN percentages to 1
dp, CLA rates and percentages to whole numbers) follow the real files in `shared/real-data/` and sources.md.

The areas are in `ees_areas`, the DfE files' contents in `ees_files` and the ONS population files in
`population_files`; this module finds each file's URL in the source catalogue and writes it.
"""

from __future__ import annotations

import json
import random

from sources import population
from sources.sample_adapter import sample_path
from sources.source_catalogue import load
from tools.samples import SAMPLES, ees_discovery
from tools.samples.ees_files import absence, b1, c1, cla_adopted, cla_rate, d3, d5
from tools.samples.population_files import nomis_file, population_file


def _write(url: str, text: str) -> None:
    path = sample_path(SAMPLES, url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")


def main() -> None:
    rng = random.Random(2025)
    catalogue = load()
    cla_text, ceasing = cla_rate(rng)
    texts = {
        "cin_b1": b1(rng),
        "cin_c1": c1(rng),
        "cin_d3": d3(rng),
        "cin_d5": d5(rng),
        "cla_rate": cla_text,
        "cla_adopted": cla_adopted(rng, ceasing),
        "pupil_absence": absence(rng),
    }
    for url, answer in ees_discovery.answers(catalogue).items():
        _write(url, json.dumps(answer, indent=2) + "\n")
    for key, text in texts.items():
        _write(ees_discovery.csv_url(catalogue, key), text)
    ons = catalogue.dataset("ons_population")
    _write(ons.option("dfe_file_url"), population_file())
    years = list(range(2018, 2025))
    codes = ["E06000059", "E12000009", "E92000001"]
    _write(population.nomis_url(ons.option("nomis_base"), codes, "2018-2024"), nomis_file(codes, years))


if __name__ == "__main__":
    main()
