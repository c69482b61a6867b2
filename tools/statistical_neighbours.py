"""Write `warehouse/reference/statistical_neighbours.csv` from DfE's children's services statistical neighbour model.

DfE publishes the model wide (`sn_model_<year>_wide.csv`: one row per authority keyed by its old three-digit LA
code, ten neighbours `SN_1`..`SN_10` each with a closeness band `SN_1P`..). The report reads it long, keyed by
GSS code, so the old codes are mapped through `areas.csv` (`dfe_la_code` of the authority current today).

Run from the project root: `python -m tools.statistical_neighbours ../shared/real-data/sn_model_2025_wide.csv 2025`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

REFERENCE = Path(__file__).resolve().parents[1] / "warehouse" / "reference"
NEIGHBOURS = 10


def long_model(wide: pd.DataFrame, areas: pd.DataFrame, model_year: str) -> pd.DataFrame:
    """One row per authority and neighbour, in the model's order, with GSS codes and the closeness band."""
    current = areas[areas["dfe_la_code"].notna() & areas["valid_to"].isna()]
    gss = dict(zip(current["dfe_la_code"], current["area_code"], strict=True))
    unknown = sorted(
        {code for column in ["old_la_code", *(f"SN_{n}" for n in range(1, NEIGHBOURS + 1))] for code in wide[column]}
        - set(gss)
    )
    if unknown:
        raise ValueError(f"old LA codes not in areas.csv as a current authority: {', '.join(unknown)}")
    rows = [
        {
            "version": f"dfe-csc-{model_year}",
            "as_of": f"{model_year}-12-31",
            "area_code": gss[row["old_la_code"]],
            "neighbour_rank": n,
            "neighbour_code": gss[row[f"SN_{n}"]],
            "closeness": str(row[f"SN_{n}P"]).strip(),
            "source_note": f"DfE children's services statistical neighbours, {model_year} model",
        }
        for _, row in wide.iterrows()
        for n in range(1, NEIGHBOURS + 1)
    ]
    return pd.DataFrame(rows)


def main(source: str, model_year: str) -> None:
    wide = pd.read_csv(source, dtype=str, encoding="utf-8-sig")
    areas = pd.read_csv(REFERENCE / "areas.csv", dtype=str)
    long_model(wide, areas, model_year).to_csv(REFERENCE / "statistical_neighbours.csv", index=False)


if __name__ == "__main__":
    main(*sys.argv[1:3])
