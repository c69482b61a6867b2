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

from sources import ees, population
from sources.sample_adapter import sample_path
from sources.source_catalogue import load
from tools.samples import SAMPLES
from tools.samples.ees_files import absence, b1, c1, cla_adopted, cla_rate, d3, d5
from tools.samples.population_files import nomis_file, population_file


def _write(url: str, text: str) -> None:
    path = sample_path(SAMPLES, url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")


def main() -> None:
    rng = random.Random(2025)
    catalogue = load()
    dfe = catalogue.publishers["dfe"]
    api_base, catalogue_base = dfe.option("api_base"), dfe.option("catalogue_base")
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
    for entry in catalogue.of_publisher("dfe"):
        dataset = ees.dataset_from(entry.options, entry.title)
        if dataset.route == "api":
            versions = {
                "paging": {"page": 1, "pageSize": 20, "totalResults": 2, "totalPages": 1},
                "results": [
                    {
                        "version": "2.0",
                        "type": "Major",
                        "status": "Published",
                        "published": "2025-11-06T09:30:00+00:00",
                        "totalResults": texts[dataset.key].count("\n") - 1,
                        "release": {"title": "Reporting year 2025", "slug": "2025"},
                        "timePeriod": {"start": "2018", "end": "2025"},
                    },
                    {
                        "version": "1.0",
                        "type": "Major",
                        "status": "Published",
                        "published": "2024-10-31T09:30:00+00:00",
                        "totalResults": 0,
                        "release": {"title": "Reporting year 2024", "slug": "2024"},
                        "timePeriod": {"start": "2013", "end": "2024"},
                    },
                ],
            }
            versions_url = ees.api_versions_url(api_base, dataset.api_id or "")
            _write(versions_url, json.dumps(versions, indent=2) + "\n")
            _write(ees.api_csv_url(api_base, dataset.api_id or "", "2.0"), texts[dataset.key])
        else:
            _write(ees.catalogue_csv_url(catalogue_base, dataset.catalogue_id), texts[dataset.key])
    ons = catalogue.dataset("ons_population")
    _write(ons.option("dfe_file_url"), population_file())
    years = list(range(2018, 2025))
    codes = ["E06000059", "E12000009", "E92000001"]
    _write(population.nomis_url(ons.option("nomis_base"), codes, "2018-2024"), nomis_file(codes, years))


if __name__ == "__main__":
    main()
