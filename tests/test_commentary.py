"""The lead officers' commentary folder as a source: landed through the one flow, refused with the row named when
malformed (leaving the warehouse as it was), kept with every version, and read back for the report period."""

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.reference import areas
from assets.resources import ReportResource
from sources.commentary import BUNDLED, commentary_files
from sources.errors import FormatError
from tests.conftest import asset, graph_for, make_resources, table_fingerprints
from warehouse.commentary import commentary_for

HEADER = "indicator,commentary,actions,risk_level,officer"


def land(data_dir: Path, folder: Path, levels: str = "Low,Medium,High") -> dg.ExecuteInProcessResult:
    resources = make_resources(data_dir)
    resources["report"] = ReportResource(
        reports_dir=str(data_dir / "reports"), commentary_dir=str(folder), risk_levels=levels
    )
    step = asset(graph_for(), "landing", "indicator_commentary")
    return dg.materialize([areas, step], resources=resources, raise_on_error=False)


def failure_message(result: dg.ExecuteInProcessResult) -> str:
    failure = next(event for event in result.all_events if event.is_step_failure)
    return str(failure.step_failure_data.error.message)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "commentary"
    shutil.copytree(BUNDLED, copy)
    return copy


def test_an_empty_folder_then_a_malformed_file_refused_by_row_then_an_edit_kept_with_history(
    data_dir: Path, folder: Path, tmp_path: Path
) -> None:
    # A council with no commentary yet: the step succeeds with nothing to land.
    empty = tmp_path / "empty"
    empty.mkdir()
    assert land(data_dir, empty).success
    warehouse = data_dir / "warehouse" / "outcomes.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert commentary_for(con, "2025-12-31").empty

    assert land(data_dir, folder).success
    before = table_fingerprints(warehouse)

    bad = folder / "2026-03-31.csv"
    bad.write_text(
        f"{HEADER}\ncsc_cin_rate,Fine,,Low,Ann Officer\ncsc_unknown,Text,,Low,Ann Officer\n"
        "csc_cla_rate,Text,,Low,\ncsc_cpp_rate,Text,,Severe,Ann Officer\n",
        encoding="utf-8",
    )
    result = land(data_dir, folder)
    assert not result.success
    message = failure_message(result)
    assert f"{bad}, line 3, column 'indicator': row 3: unknown indicator 'csc_unknown'" in message
    assert "row 4, column 'officer': the officer is empty" in message
    assert "row 5, column 'risk_level': risk level 'Severe' is not one of Low, Medium, High" in message
    assert table_fingerprints(warehouse) == before
    bad.unlink()

    path = folder / "2025-12-31.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    # The officer adds a row in Excel: saved as Windows-1252, the risk level typed in lower case.
    lines.append('ph_ksi_rate,"Casualties fell after the £40,000 A35 scheme.",,high,Road Safety Manager')
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    assert land(data_dir, folder).success
    with duckdb.connect(str(warehouse), read_only=True) as con:
        current = commentary_for(con, "2026-03-31")  # a later report with no file yet shows the latest earlier one
        versions = con.execute(
            "select count(distinct _load_id), count(*) from clean.indicator_commentary_history"
        ).fetchall()[0]
    ksi = current[current["indicator_id"] == "ph_ksi_rate"].iloc[0]
    assert ksi["commentary"] == "Casualties fell after the £40,000 A35 scheme." and ksi["risk_level"] == "High"
    assert ksi["period"] == "2025-12-31" and len(current) == len(lines) - 1
    assert versions == (2, 4 + 5)  # the first file's 4 rows and the edited file's 5, each load kept


def test_a_file_not_named_by_its_period_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "2025-12-31.csv").write_text(f"{HEADER}\n", encoding="utf-8")
    (tmp_path / "Q4 commentary.csv").write_text(f"{HEADER}\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"Q4 commentary.csv: a commentary file is named by its report period"):
        commentary_files(tmp_path)
