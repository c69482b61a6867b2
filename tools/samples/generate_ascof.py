"""Generate the bundled, synthetic ASCOF measures sample used in offline (sample) mode.

Why this exists
---------------
No real ASCOF CSV was at hand (shared/real-data/README.md), so the three files the default configuration names
are written here from shared/sources.md section 2, in each publisher's format:

* 2019-20, NHS Digital: 10 columns, ``ONS Area Code``, ``Measure Group`` and ``Measure Group Description``
  (``Proportion of people who use services who feel safe``); suppressed survey cells left blank; measure type
  ``Margin Of Error`` (capital O, as some loaders spell it).
* 2021-22, NHS Digital: 10 columns with ``ONS Code``, description ``The proportion of people who use services
  who feel safe``, suppression ``[c]``, not available ``[x]``, not applicable ``[z]``; ``Margin of Error``.
* 2024-25, DHSC: the 8 sentence-case columns of gov.uk's "How to use the CSV file" page, levels ``England`` /
  ``Regional`` / ``Local authority`` / ``Council type``, disaggregation ``18 to 64``.

Each file also holds measures other than 4A and 4B (1A, 2B) and council-type rows, which the loader must skip.
Measure codes carry the disaggregation suffixes (``4A1864``, ``4A65OV``, ``4AM``, ``4AF``). Numerators,
denominators and bases are rounded to 5, outcomes and margins to 1 dp, as NHS Digital's 2022-23 code does.
Every number is synthetic. Invented outright: the council-type codes (``UA``, ``SC``), region codes (``SW``,
``SE``) and the Isles of Scilly being suppressed.

Rerun from the project root with the releases to write, each ``RELEASE=URL`` (the form of the ASCOF_RELEASES
setting; the file goes where the offline adapter serves that URL). Deterministic. The bundled sample is::

    python -m tools.samples.generate_ascof \
        2019-20=https://files.digital.nhs.uk/65/E7A20E/meas-from-asc-of-eng-1920-open-data-csv.csv \
        2021-22=https://files.digital.nhs.uk/A4/766F29/meas-from-asc-of-eng-2022-csv-v3.csv \
        2024-25=https://assets.publishing.service.gov.uk/media/6762a9f1cdb5e64b69e30b7a/measures-from-ascof-england-2024-to-2025.csv
"""

from __future__ import annotations

import argparse
import csv
import io
import random
from collections.abc import Mapping, Sequence
from pathlib import Path

from sources.sample_adapter import sample_path
from tools.samples import SAMPLES

# CASSR code, name, level, ONS code, level of 'feel safe'
AREAS = [
    ("England", "England", "England", "E92000001", 70.0),
    ("SW", "South West", "Region", "E12000009", 71.0),
    ("SE", "South East", "Region", "E12000008", 69.5),
    ("UA", "Unitary Authority", "Council Type", "", 70.2),
    ("838", "Dorset", "Council", "E06000059", 72.4),
    ("839", "Bournemouth, Christchurch and Poole", "Council", "E06000058", 68.9),
    ("878", "Devon", "Council", "E10000008", 71.7),
    ("420", "Isles of Scilly", "Council", "E06000053", None),
    ("850", "Hampshire", "Council", "E10000014", 73.1),
]
BREAKDOWNS = [("", "Total"), ("1864", "18-64"), ("65OV", "65 and over"), ("M", "Male"), ("F", "Female")]
DHSC_LEVELS = {"England": "England", "Region": "Regional", "Council": "Local authority", "Council Type": "Council type"}
DESCRIPTIONS = {
    "2019-20": {"4A": "Proportion of people who use services who feel safe",
                "4B": "Proportion of people who use services who say that those services have made them feel safe "
                "and secure",
                "1A": "Social care-related quality of life score",
                "2B": "Proportion of older people (65 and over) who were still at home 91 days after discharge"},
}  # fmt: skip
DESCRIPTIONS["2021-22"] = {code: "The " + text[0].lower() + text[1:] for code, text in DESCRIPTIONS["2019-20"].items()}


def _round5(value: float) -> int:
    return int(5 * round(value / 5))


def _rows(release: str, rng: random.Random) -> list[dict]:
    rows = []
    marker = "" if release == "2019-20" else "[c]"
    for code, name, level, ons, base_level in AREAS:
        for measure, shift in (("4A", 0.0), ("4B", 15.0), ("1A", None), ("2B", None)):
            for suffix, breakdown in BREAKDOWNS if measure in ("4A", "4B") else BREAKDOWNS[:1]:
                row = {"code": code, "name": name, "level": level, "ons": ons, "measure": measure + suffix,
                       "group": measure, "breakdown": breakdown}  # fmt: skip
                if shift is None:
                    other = rng.uniform(18, 20) if measure == "1A" else 82.0
                    rows.append(row | {"type": "Outcome", "value": f"{other:.1f}"})
                    continue
                if base_level is None:
                    for kind in ("Numerator", "Denominator", "Outcome", "Margin of Error"):
                        rows.append(row | {"type": kind, "value": marker})
                    rows.append(row | {"type": "Base", "value": "[x]" if marker else ""})
                    continue
                respondents = (250 if level == "Council" else 2500 if level != "England" else 60000) * (
                    0.5 if suffix else 1.0
                )
                outcome = min(base_level + shift + rng.uniform(-2.5, 2.5) - 2 * (suffix == "1864"), 99.0)
                numerator = _round5(respondents * outcome / 100)
                denominator = _round5(respondents)
                margin = 196 * (outcome / 100 * (1 - outcome / 100) / respondents) ** 0.5
                rows.append(row | {"type": "Numerator", "value": str(numerator)})
                rows.append(row | {"type": "Denominator", "value": str(denominator)})
                rows.append(row | {"type": "Outcome", "value": f"{outcome:.1f}"})
                rows.append(row | {"type": "Margin of Error", "value": f"{margin:.1f}"})
                rows.append(row | {"type": "Base", "value": str(_round5(respondents * 1.02))})
        if release != "2019-20" and level == "Council":
            rows.append({"code": code, "name": name, "level": level, "ons": ons, "measure": "2B", "group": "2B",
                         "breakdown": "Total", "type": "Denominator", "value": "[z]"})  # fmt: skip
    return rows


def nhs_digital(release: str) -> str:
    ons_header = "ONS Area Code" if release == "2019-20" else "ONS Code"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([
        "Geographical Code", "Geographical Description", "Geographical Level", ons_header, "ASCOF Measure Code",
        "Disaggregation Level", "Measure Type", "Measure Value", "Measure Group", "Measure Group Description",
    ])  # fmt: skip
    for row in _rows(release, random.Random(release)):
        kind = "Margin Of Error" if release == "2019-20" and row["type"] == "Margin of Error" else row["type"]
        writer.writerow([row["code"], row["name"], row["level"], row["ons"], row["measure"], row["breakdown"], kind,
                         row["value"], row["group"], DESCRIPTIONS[release][row["group"]]])  # fmt: skip
    return out.getvalue()


def dhsc(release: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([
        "Geographical code", "Geographical description", "Geographical level", "ONS code", "ASCOF measure code",
        "Disaggregation level", "Measure type", "Measure value",
    ])  # fmt: skip
    for row in _rows(release, random.Random(release)):
        breakdown = {"18-64": "18 to 64"}.get(row["breakdown"], row["breakdown"])
        kind = "Margin of error" if row["type"] == "Margin of Error" else row["type"]
        writer.writerow([row["code"], row["name"], DHSC_LEVELS[row["level"]], row["ons"], row["measure"], breakdown,
                         kind, row["value"]])  # fmt: skip
    return out.getvalue()


def write_samples(releases: Mapping[str, str], samples: Path = SAMPLES) -> list[Path]:
    """Write each release's file (release -> URL) where the offline adapter serves its URL; return the paths."""
    written = []
    for release, url in releases.items():
        path = sample_path(samples, url)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dhsc(release) if release >= "2024-25" else nhs_digital(release), encoding="utf-8")
        written.append(path)
    return written


def parse_releases(items: Sequence[str]) -> dict[str, str]:
    """``RELEASE=URL`` items, each possibly a comma-joined list of them (as the ASCOF_RELEASES setting is)."""
    pairs = [pair.strip() for item in items for pair in item.split(",") if pair.strip()]
    if bad := [pair for pair in pairs if "=" not in pair]:
        raise ValueError(f"expected RELEASE=URL, got {bad}")
    return dict(pair.split("=", 1) for pair in pairs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("releases", nargs="+", help="RELEASE=URL, e.g. 2024-25=https://...csv")
    parser.add_argument("--samples", type=Path, default=SAMPLES, help="the snapshot folder (sources/samples)")
    args = parser.parse_args(argv)
    for path in write_samples(parse_releases(args.releases), args.samples):
        print(path)


if __name__ == "__main__":
    main()
