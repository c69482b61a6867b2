"""Generate the bundled, synthetic OHID Fingertips sample used in offline (sample) mode.

Why this exists
---------------
Sample mode answers HTTP requests from ``sources/samples/<host>/<path>@<sorted query>``, so the main job runs the
real Fingertips code path offline. This script writes, for the default configuration (indicators 11001, 11201,
10401 and 90284, child area type 502, parents 15 and 6):

* ``api/all_data/csv/by_indicator_id@...``: one 27-column export per indicator and parent area type;
* ``api/indicator_metadata/by_indicator_id@indicator_ids=<id>``: each indicator's metadata JSON (``{"<id>": {"IID": ...,
  "Descriptive": {"Name": ...}}}``, the shape fingertips_py reads);
* ``api/area_types``: the area types list (``Id``, ``Name``, ``Short``);
* ``api/available_data@indicator_id=<id>``: the area types each indicator has data for (``IndicatorId``,
  ``AreaTypeId``).

Format rules followed (shared/sources.md section 1, and the real export in shared/real-data): the exact 27-column
header, column 23 named ``Compared to percentiles`` under England and ``Compared to Regions (statistical) value
or percentiles`` under regions; England rows with empty parent; under parent type 15 England is listed again
as a child of itself with the same figures (as in the real file); empty strings for missing numbers; 99.8%
limits empty on England rows before 2021; deprivation-decile rows (non-empty ``Category Type``) for England;
``Time period Sortable`` as ``YYYY0000``; value notes copied in form from the real file (combined areas,
predecessor applied, suppressed small count). Every number is synthetic; none reproduces a published value.

Areas: England, South West / South East / London regions, Dorset (E06000059), BCP, Cornwall, Isles of Scilly,
Devon, Somerset (E06000066), Hampshire and Camden.

Rerun from the project root: ``python -m tools.samples.generate_fingertips`` (deterministic).
"""

from __future__ import annotations

import csv
import io
import json
import math
import random

from sources.fingertips import FingertipsApi
from sources.sample_adapter import sample_path
from tools.samples import SAMPLES

API = FingertipsApi("https://fingertips.phe.org.uk/api/")
HEADER_LINE = (
    "Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,Age,Category Type,"
    "Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,Lower CI 99.8 limit,Upper CI 99.8 limit,"
    "Count,Denominator,Value note,Recent Trend,Compared to England value or percentiles,{col23},"
    "Time period Sortable,New data,Compared to goal,Time period range"
)
COL23 = {15: "Compared to percentiles", 6: "Compared to Regions (statistical) value or percentiles"}
LA_TYPE = "Counties & UAs (from Apr 2023)"

REGIONS = {
    "E12000009": "South West region (statistical)",
    "E12000008": "South East region (statistical)",
    "E12000007": "London region (statistical)",
}
# area code, name, region, relative level, population scale (persons in the indicator's age group / 1000)
AUTHORITIES = [
    ("E06000059", "Dorset", "E12000009", 1.10, 380),
    ("E06000058", "Bournemouth, Christchurch and Poole", "E12000009", 1.05, 400),
    ("E06000052", "Cornwall", "E12000009", 1.15, 570),
    ("E06000053", "Isles of Scilly", "E12000009", 1.0, 2),
    ("E10000008", "Devon", "E12000009", 0.95, 810),
    ("E06000066", "Somerset", "E12000009", 1.00, 570),
    ("E10000014", "Hampshire", "E12000008", 0.90, 1400),
    ("E09000007", "Camden", "E12000007", 1.20, 210),
]
REGION_LEVEL = {"E12000009": 1.04, "E12000008": 0.93, "E12000007": 1.06}


def _indicators() -> list[dict]:
    financial = [f"{year}/{(year + 1) % 100:02d}" for year in range(2019, 2024)]
    return [
        {
            "id": 11001,
            "name": "Killed and seriously injured (KSI) casualties on England's roads",
            "age": "All ages",
            "sexes": ["Persons"],
            "periods": [(f"{year} - {(year + 2) % 100:02d}", year, "3y") for year in range(2015, 2020)],
            "rate": 45.0,
            "per": 100_000,
            "years": 3,
        },
        {
            "id": 11201,
            "name": "Violent crime - hospital admissions for violence (including sexual violence)",
            "age": "All ages",
            "sexes": ["Persons"],
            "periods": [
                (f"{year}/{(year + 1) % 100:02d} - {(year + 2) % 100:02d}/{(year + 3) % 100:02d}", year, "3y")
                for year in range(2016, 2021)
            ],
            "rate": 38.0,
            "per": 100_000,
            "years": 3,
        },
        {
            "id": 10401,
            "name": "First time entrants to the youth justice system",
            "age": "10-17 yrs",
            "sexes": ["Persons"],
            "periods": [(str(year), year, "1y") for year in range(2019, 2024)],
            "rate": 160.0,
            "per": 100_000,
            "years": 1,
        },
        {
            "id": 90284,
            "name": "Hospital admissions caused by unintentional and deliberate injuries in children "
            "(aged 0 to 14 years)",
            "age": "<15 yrs",
            "sexes": ["Persons", "Male", "Female"],
            "periods": [(label, int(label[:4]), "1y") for label in financial],
            "rate": 90.0,
            "per": 10_000,
            "years": 1,
        },
    ]


def _limits(count: int, denominator: int, per: int, z: float) -> tuple[float, float]:
    spread = z * math.sqrt(max(count, 1))
    return (max(count - spread, 0) / denominator * per, (count + spread) / denominator * per)


def _figures(rng: random.Random, indicator: dict, level: float, scale: float, step: int, sex: str) -> dict:
    sex_factor = {"Persons": 1.0, "Male": 1.15, "Female": 0.85}[sex]
    denominator = int(scale * 1000 * indicator["years"] * (0.5 if sex != "Persons" else 1.0))
    rate = indicator["rate"] * level * sex_factor * (1 - 0.04 * step) * rng.uniform(0.95, 1.05)
    count = max(round(rate * denominator / indicator["per"]), 0)
    value = count / denominator * indicator["per"]
    low95, high95 = _limits(count, denominator, indicator["per"], 1.96)
    low998, high998 = _limits(count, denominator, indicator["per"], 3.09)
    return {"value": value, "count": count, "denominator": denominator, "l95": low95, "u95": high95,
            "l998": low998, "u998": high998}  # fmt: skip


def _compare(figures: dict, benchmark: float) -> str:
    if figures["u95"] < benchmark:
        return "Better"
    if figures["l95"] > benchmark:
        return "Worse"
    return "Similar"


def _number(value: float | None, places: int = 5) -> str:
    return "" if value is None else f"{value:.{places}f}".rstrip("0").rstrip(".")


def _row(indicator, parent, area, area_type, sex, category, period, figures, note, trend, vs_england, vs_parent):
    label, year, span = period
    blank = figures is None
    return [
        indicator["id"],
        indicator["name"],
        parent[0],
        parent[1],
        area[0],
        area[1],
        area_type,
        sex,
        indicator["age"],
        category[0],
        category[1],
        label,
        "" if blank else _number(figures["value"], 7),
        "" if blank else _number(figures["l95"], 7),
        "" if blank else _number(figures["u95"], 7),
        "" if blank or figures.get("no998") else _number(figures["l998"], 7),
        "" if blank or figures.get("no998") else _number(figures["u998"], 7),
        "" if blank else figures["count"],
        "" if blank else figures["denominator"],
        note,
        trend,
        vs_england,
        vs_parent,
        f"{year}0000",
        "",
        "",
        span,
    ]


def export(indicator: dict, parent_type: int) -> str:
    """One indicator's export under one parent area type, as Fingertips writes it."""
    rng = random.Random(indicator["id"])  # the same figures under either parent, as Fingertips gives
    rows = []
    england = ("E92000001", "England")
    last = len(indicator["periods"]) - 1
    for step, period in enumerate(indicator["periods"]):
        for sex in indicator["sexes"]:
            national = _figures(rng, indicator, 1.0, 56_000, step, sex)
            national["no998"] = step < 2
            benchmark = national["value"]
            rows.append(_row(indicator, ("", ""), england, "England", sex, ("", ""), period, national, "", "",
                             "Not compared", "Not compared"))  # fmt: skip
            if parent_type == 15:
                rows.append(_row(indicator, england, england, "England", sex, ("", ""), period, national, "", "",
                                 "Similar", "Not compared"))  # fmt: skip
            if sex == "Persons":
                deciles = (("Most deprived decile (IMD2019)", 1.4), ("Least deprived decile (IMD2019)", 0.7))
                for decile, level in deciles:
                    figures = _figures(rng, indicator, level, 5_600, step, sex)
                    category = ("County & UA deprivation deciles in England (IMD2019, 4/23 geography)", decile)
                    rows.append(_row(indicator, ("", ""), england, "England", sex, category, period, figures, "", "",
                                     "Not compared", "Not compared"))  # fmt: skip
            regional = {}
            for code, name in REGIONS.items():
                figures = _figures(rng, indicator, REGION_LEVEL[code], 5_500, step, sex)
                regional[code] = figures["value"]
                if parent_type == 6:
                    rows.append(_row(indicator, england, (code, name), "Regions (statistical)", sex, ("", ""), period,
                                     figures, "", "", _compare(figures, benchmark), "Not compared"))  # fmt: skip
            for code, name, region, level, scale in AUTHORITIES:
                figures = _figures(rng, indicator, level, scale, step, sex)
                note = ""
                if code == "E06000053":
                    figures = None
                    note = (
                        "Value suppressed for disclosure control due to small count"
                        if indicator["id"] == 11201
                        else "Value for Cornwall and Isles of Scilly combined"
                    )
                elif code == "E06000052" and indicator["id"] != 11201:
                    note = "Value for Cornwall and Isles of Scilly combined"
                elif code == "E06000066" and step == 0:
                    note = "Value for Somerset Cty applied to Somerset UA"
                trend = "No significant change" if step == last and figures else ""
                parent = england if parent_type == 15 else (region, REGIONS[region])
                vs_england = _compare(figures, benchmark) if figures else "Not compared"
                vs_parent = "Not compared"
                if parent_type == 6 and figures:
                    vs_parent = _compare(figures, regional[region])
                rows.append(_row(indicator, parent, (code, name), LA_TYPE, sex, ("", ""), period, figures, note, trend,
                                 vs_england, vs_parent))  # fmt: skip
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER_LINE.format(col23=COL23[parent_type]).split(","))
    writer.writerows(rows)
    return out.getvalue()


def _write(url: str, text: str) -> None:
    path = sample_path(SAMPLES, url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main() -> None:
    indicators = _indicators()
    for indicator in indicators:
        for parent_type in (15, 6):
            _write(API.data_url(indicator["id"], 502, parent_type), export(indicator, parent_type))
    # One metadata answer per indicator: each catalogue data set confirms its own title.
    for indicator in indicators:
        metadata = {
            str(indicator["id"]): {
                "IID": indicator["id"],
                "Descriptive": {"Name": indicator["name"], "DataSource": "synthetic sample"},
                "Unit": {"Label": f"per {indicator['per']:,}"},
            }
        }
        _write(API.metadata_url([indicator["id"]]), json.dumps(metadata, indent=1))
    area_types = [
        {"Id": 15, "Name": "England", "Short": "England"},
        {"Id": 6, "Name": "Regions (statistical)", "Short": "Regions (statistical)"},
        {"Id": 402, "Name": "Upper tier local authorities (4/21-3/23)", "Short": "Counties & UAs (4/21-3/23)"},
        {"Id": 502, "Name": "Upper tier local authorities (post 4/23)", "Short": LA_TYPE},
    ]
    _write(API.area_types_url(), json.dumps(area_types, indent=1))
    # Which area types each indicator has data for (only IndicatorId and AreaTypeId are read).
    for indicator in indicators:
        available = [{"IndicatorId": indicator["id"], "AreaTypeId": area_type} for area_type in (6, 15, 402, 502)]
        _write(API.available_data_url(indicator["id"]), json.dumps(available, indent=1))


if __name__ == "__main__":
    main()
