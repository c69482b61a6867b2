"""Bad extracts: each reaches the data officer's report (file, line, field) and leaves clean and marts as they were."""

import csv
import io
import re
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from tests.conftest import make_resources, table_fingerprints
from tests.test_council_returns_indicators import run_quarter
from tools.samples.generate_council_returns import generate

Q4 = "2025-01-01"
AS_AT = "2025-03-31"


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse with a good quarter in clean and marts, and that quarter's files in the drop folder."""
    data_dir = tmp_path_factory.mktemp("good") / "data"
    generate(data_dir / "drop", [date(2025, 3, 31)], seed=11, children=60)
    result = run_quarter(make_resources(data_dir), Q4)
    assert result.success
    return data_dir


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def _write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("\r\n".join(lines) + "\r\n")


def malformed_xml(folder: Path) -> tuple[str, int | None, str | None, str]:
    path = folder / "cin_census.xml"
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    return "cin_census.xml", None, None, "not well-formed XML"


def external_entity(folder: Path) -> tuple[str, int | None, str | None, str]:
    path = folder / "cin_census.xml"
    declaration, rest = path.read_text().split("\n", 1)
    doctype = '<!DOCTYPE Message [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    path.write_text(f"{declaration}\n{doctype}\n" + rest.replace("<LAchildID>", "<LAchildID>&secret;", 1))
    return "cin_census.xml", None, None, "refused: the file declares a DTD or entity"


def fails_xsd(folder: Path) -> tuple[str, int | None, str | None, str]:
    path = folder / "cin_census.xml"
    text = path.read_text()
    bad = text.replace("<ReferralNFA>false</ReferralNFA>", "<ReferralNFA>maybe</ReferralNFA>", 1)
    path.write_text(bad)
    return "cin_census.xml", bad[: bad.index("maybe")].count("\n") + 1, None, "fails DfE's CIN census schema"


def missing_column(folder: Path) -> tuple[str, int | None, str | None, str]:
    path = folder / "ssda903_episodes.csv"
    rows = [line.split(",") for line in _lines(path)]
    position = rows[0].index("DEC")
    _write_lines(path, [",".join(row[:position] + row[position + 1 :]) for row in rows])
    return "ssda903_episodes.csv", 1, None, "lacks the column(s) DEC"


def dates_in_wrong_order(folder: Path) -> tuple[str, int | None, str | None, str]:
    path = folder / "ssda903_episodes.csv"
    lines = _lines(path)
    columns = lines[0].split(",")
    number, row = next((n, line.split(",")) for n, line in enumerate(lines) if n and line.split(",")[7])
    row[columns.index("DEC")] = "01/01/2000"
    lines[number] = ",".join(row)
    _write_lines(path, lines)
    return "ssda903_episodes.csv", number + 1, "dec", "DEC (date episode ceased) is on or after DECOM"


def duplicated_episode(folder: Path) -> tuple[str, int | None, str | None, str]:
    path = folder / "ssda903_episodes.csv"
    lines = _lines(path)
    _write_lines(path, [*lines, lines[1]])
    return "ssda903_episodes.csv", 2, "child", "the episode (CHILD, DECOM) appears only once in the extract"


def blank_child_id(folder: Path) -> tuple[str, int | None, str | None, str]:
    path = folder / "ssda903_header.csv"
    lines = _lines(path)
    lines[1] = "," + lines[1].split(",", 1)[1]
    _write_lines(path, lines)
    return "ssda903_header.csv", 2, "child", "the child id (LAchildID or CHILD) is present"


def another_councils_return(folder: Path) -> tuple[str, int | None, str | None, str]:
    path = folder / "cin_census.xml"
    path.write_text(path.read_text().replace("<LEA>838</LEA>", "<LEA>835</LEA>"))
    return "cin_census.xml", None, None, "for local authority 835, but the council configured is 838"


def episodes_file_left_out(folder: Path) -> tuple[str, int | None, str | None, str]:
    (folder / "ssda903_episodes.csv").unlink()
    return f"{AS_AT}/", None, None, "no file with the s903_episodes table"


def episodes_cut_at_a_line_boundary(folder: Path) -> tuple[str, int | None, str | None, str]:
    """A half-copied file: every line that is there reads well, but the last third of the children are gone."""
    path = folder / "ssda903_episodes.csv"
    lines = _lines(path)
    kept = lines[: 1 + (len(lines) - 1) * 2 // 3]
    _write_lines(path, kept)
    return "ssda903_episodes.csv", len(kept), None, "of ssda903_header.csv (lines "


CASES: dict[str, Callable[[Path], tuple[str, int | None, str | None, str]]] = {
    "malformed_xml": malformed_xml,
    "external_entity": external_entity,
    "fails_xsd": fails_xsd,
    "missing_column": missing_column,
    "dates_in_wrong_order": dates_in_wrong_order,
    "duplicated_episode": duplicated_episode,
    "blank_child_id": blank_child_id,
    "another_councils_return": another_councils_return,
    "episodes_file_left_out": episodes_file_left_out,
    "episodes_cut_at_a_line_boundary": episodes_cut_at_a_line_boundary,
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_extract_is_reported_and_changes_nothing(good: Path, tmp_path: Path, case: str) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(good, data_dir)
    database = data_dir / "warehouse" / "outcomes.duckdb"
    before = table_fingerprints(database)
    file, line, field, problem = CASES[case](data_dir / "drop" / AS_AT)

    result = run_quarter(make_resources(data_dir), Q4)

    assert not result.success
    assert table_fingerprints(database) == before
    report = pd.read_csv(data_dir / "reports" / f"{AS_AT}-problems.csv", dtype=str, keep_default_na=False)
    found = report[(report["severity"] == "error") & (report["file"] == file)]
    found = found[found["problem"].str.contains(problem, regex=False)]
    assert not found.empty, report.to_string()
    if line is not None:
        assert str(line) in found["line"].tolist()
    if field is not None:
        assert field in found["field"].tolist()
    raw_ids = set(pd.read_csv(data_dir / "drop" / AS_AT / "ssda903_header.csv", dtype=str)["CHILD"].dropna())
    raw_ids |= set(
        re.findall(r"<LAchildID>([^<&]+)</LAchildID>", (data_dir / "drop" / AS_AT / "cin_census.xml").read_text())
    )
    report_text = report.to_csv(index=False)
    logged = " ".join(str(evaluation.metadata) for evaluation in result.get_asset_check_evaluations())
    for text, where in ((report_text, "the report"), (logged, "Dagster's check metadata")):
        assert not [child for child in raw_ids if re.search(rf"\b{re.escape(child)}\b", text)], f"child ids in {where}"
    assert report["child"].str.fullmatch(r"[0-9a-f]{20}|").all()


def _replace_xml_value(folder: Path, element: str, bad: str) -> tuple[str, int]:
    path = folder / "cin_census.xml"
    text = path.read_text()
    start = text.index(f"<{element}>") + len(element) + 2
    path.write_text(text[:start] + bad + text[text.index("<", start) :])
    return "cin_census.xml", text[:start].count("\n") + 1


def _replace_csv_value(folder: Path, column: str, bad: str) -> tuple[str, int]:
    path = folder / "ssda903_header.csv"
    lines = _lines(path)
    row = lines[3].split(",")
    row[lines[0].split(",").index(column)] = bad
    lines[3] = ",".join(row)
    _write_lines(path, lines)
    return "ssda903_header.csv", 4


# case: (how the value is put in, element or column, the invalid personal value)
PERSONAL_CASES = {
    "cin_birth_date": (_replace_xml_value, "PersonBirthDate", "2011-02-30"),
    "cin_upn": (_replace_xml_value, "UPN", "Q12345X789012"),
    "s903_birth_date": (_replace_csv_value, "DOB", "30/02/2011"),
}


@pytest.mark.parametrize("case", list(PERSONAL_CASES))
def test_an_invalid_personal_value_is_never_quoted_only_its_place(good: Path, tmp_path: Path, case: str) -> None:
    """Where the value is wrong reaches the data officer; the value itself (a birth date, a UPN) goes nowhere."""
    data_dir = tmp_path / "data"
    shutil.copytree(good, data_dir)
    change, field, bad = PERSONAL_CASES[case]
    file, line = change(data_dir / "drop" / AS_AT, field, bad)

    result = run_quarter(make_resources(data_dir), Q4)

    assert not result.success
    report = pd.read_csv(data_dir / "reports" / f"{AS_AT}-problems.csv", dtype=str, keep_default_na=False)
    found = report[(report["severity"] == "error") & (report["file"] == file) & (report["field"] == field)]
    assert str(line) in found["line"].tolist(), report.to_string()
    events = " ".join(str(event) for event in result.all_events)  # messages, failures and metadata of the run
    con = duckdb.connect(str(data_dir / "warehouse" / "outcomes.duckdb"), read_only=True)
    try:
        logged = " ".join(str(row[0]) for row in con.execute("select message from meta.loads").fetchall())
    finally:
        con.close()
    for text, where in ((report.to_csv(index=False), "the report"), (events, "Dagster's events"), (logged, "loads")):
        assert bad not in text, f"the invalid value in {where}"
    if file.endswith(".xml"):
        assert field in events and f"line {line}" in events, "the run's failure says which element and line"


def test_a_formula_in_a_cell_reaches_the_report_as_text_not_as_a_formula(good: Path, tmp_path: Path) -> None:
    """A value from the council's file that Excel would run (formula injection) is written with a leading quote."""
    data_dir = tmp_path / "data"
    shutil.copytree(good, data_dir)
    path = data_dir / "drop" / AS_AT / "ssda903_episodes.csv"
    lines = _lines(path)
    row = lines[2].split(",")
    malicious = "=cmd|' /C calc'!A0"
    row[lines[0].split(",").index("DECOM")] = malicious
    lines[2] = ",".join(row)
    _write_lines(path, lines)

    assert not run_quarter(make_resources(data_dir), Q4).success

    written = (data_dir / "reports" / f"{AS_AT}-problems.csv").read_text()
    cells = [cell for line in csv.reader(io.StringIO(written)) for cell in line]
    assert "'" + malicious in cells, written
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    report = pd.read_csv(io.StringIO(written), dtype=str, keep_default_na=False)
    [problem] = report[(report["file"] == "ssda903_episodes.csv") & (report["field"] == "DECOM")].to_dict("records")
    assert (problem["line"], problem["value"]) == ("3", "'" + malicious)


def test_generated_deliberate_errors_all_reach_the_report(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    generate(data_dir / "drop", [date(2025, 3, 31)], seed=11, children=60, errors=True)
    result = run_quarter(make_resources(data_dir), Q4)
    assert not result.success
    checks = {evaluation.check_name: evaluation.passed for evaluation in result.get_asset_check_evaluations()}
    assert checks["council_returns_rules"] is False
    report = pd.read_csv(data_dir / "reports" / f"{AS_AT}-problems.csv", dtype=str, keep_default_na=False)
    problems = set(report.loc[report["severity"] == "error", "problem"])
    assert {
        "AssessmentActualStartDate is on or after CINreferralDate",
        "the episode (CHILD, DECOM) appears only once in the extract",
        "DEC (date episode ceased) is on or after DECOM",
        "not a date in a format councils use",
        "the child id (LAchildID or CHILD) is present",
    } <= problems
    assert _clean_counts(data_dir / "warehouse" / "outcomes.duckdb") == {
        "child_cin_referrals": 0,
        "child_cpps": 0,
        "child_cla_episodes": 0,
    }, "nothing reaches clean when a blocking rule fails"
    materialised = {event.asset_key for event in result.get_asset_materialization_events()}
    assert dg.AssetKey(["clean", "council_returns"]) not in materialised
    assert dg.AssetKey(["marts", "council_return_indicators"]) not in materialised


def _clean_counts(database: Path) -> dict[str, int]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return {
            table: con.execute(f"select count(*) from clean.{table}").fetchall()[0][0]
            for table in ("child_cin_referrals", "child_cpps", "child_cla_episodes")
        }
    finally:
        con.close()
