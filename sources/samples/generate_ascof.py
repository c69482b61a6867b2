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

Rerun: ``PYTHONPATH=. python sources/samples/generate_ascof.py`` (deterministic).
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

from pipelines.settings import DEFAULTS
from sources.sample_adapter import sample_path

ROOT = Path(__file__).resolve().parent
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


def main() -> None:
    releases = dict(item.split("=", 1) for item in DEFAULTS["ASCOF_RELEASES"].split(","))
    for release, url in releases.items():
        path = sample_path(ROOT, url)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dhsc(release) if release >= "2024-25" else nhs_digital(release), encoding="utf-8")


if __name__ == "__main__":
    main()
