"""The Fingertips parser on its own: every header it must accept, and every bad file it must refuse clearly."""

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest

from sources.errors import FormatError
from sources.fingertips import (
    FingertipsApi,
    confirm_area_type,
    confirm_titles,
    parse_period,
    read_export,
)
from sources.sample_adapter import sample_path
from sources.source_catalogue import load
from tests.conftest import REAL_DATA, SAMPLES

API = FingertipsApi("https://fingertips.phe.org.uk/api/")
SAMPLE_90284 = sample_path(SAMPLES, API.data_url(90284, 502, 15))
SAMPLE_90284_REGIONS = sample_path(SAMPLES, API.data_url(90284, 502, 6))


def _lines(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def _write(tmp_path: Path, rows: list[list[str]], name: str = "export.csv") -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path = tmp_path / name
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _dorset_rows(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    """(sex, period) -> the file's Dorset area row, read with the csv module only."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return {
            (row["Sex"], row["Time period"]): row
            for row in csv.DictReader(handle)
            if row["Area Code"] == "E06000059" and row["Category Type"] == ""
        }


def test_sample_export_parses_with_values_as_in_the_file() -> None:
    frame = read_export(SAMPLE_90284, "sample", 90284, 15, "90284/15")
    expected = _dorset_rows(SAMPLE_90284)
    dorset = frame[(frame["area_code"] == "E06000059") & (frame["category_type"] == "")]
    assert len(dorset) == len(expected) == 15  # 5 financial years x Persons, Male, Female
    for row in dorset.to_dict(orient="records"):
        published = expected[(row["sex"], row["time_period"])]
        assert row["value"] == float(published["Value"])
        assert row["lower_998"] == float(published["Lower CI 99.8 limit"])
        assert row["count"] == float(published["Count"])
        assert row["denominator"] == float(published["Denominator"])
        assert row["period_type"] == "financial_year"
        assert row["_source_row"] >= 2
    assert set(frame["header_columns"]) == {27}
    assert set(frame["parent_comparison_header"]) == {"Compared to percentiles"}


def test_england_listed_again_as_its_own_child_is_dropped_once() -> None:
    rows = _lines(SAMPLE_90284)[1:]
    england_area_rows = [row for row in rows if row[4] == "E92000001" and row[9] == ""]
    frame = read_export(SAMPLE_90284, "sample", 90284, 15, "90284/15")
    kept = frame[(frame["area_code"] == "E92000001") & (frame["category_type"] == "")]
    # the sample lists each England area row twice (parent '' and parent E92000001), as the real export does
    assert len(england_area_rows) == 2 * len(kept) == 30
    assert set(kept["parent_code"]) == {""}


def test_region_parent_header_and_rows() -> None:
    frame = read_export(SAMPLE_90284_REGIONS, "sample", 90284, 6, "90284/6")
    assert set(frame["parent_comparison_header"]) == {"Compared to Regions (statistical) value or percentiles"}
    south_west = frame[(frame["area_code"] == "E12000009") & (frame["sex"] == "Persons")]
    assert len(south_west) == 5
    assert set(frame[frame["area_code"] == "E06000059"]["parent_code"]) == {"E12000009"}


def test_older_26_column_export_with_region_short_name(tmp_path: Path) -> None:
    rows = _lines(SAMPLE_90284_REGIONS)
    rows[0][22] = "Compared to Region value or percentiles"  # fingertips-open's tests, 2020
    old = _write(tmp_path, [row[:26] for row in rows])
    frame = read_export(old, "old.csv", 90284, 6, "90284/6")
    assert set(frame["header_columns"]) == {26}
    assert set(frame["time_period_range"]) == {""}
    assert len(frame) == len(rows) - 1


def test_column_not_used_as_column_23(tmp_path: Path) -> None:
    rows = _lines(SAMPLE_90284)
    rows[0][22] = "Column not used"  # as in a 2025 export kept by DfE's dashboard repository
    frame = read_export(_write(tmp_path, rows), "x.csv", 90284, 15, "90284/15")
    assert set(frame["parent_comparison_header"]) == {"Column not used"}


def test_missing_value_column_is_refused_naming_it(tmp_path: Path) -> None:
    rows = [[cell for index, cell in enumerate(row) if index != 12] for row in _lines(SAMPLE_90284)]
    with pytest.raises(FormatError, match=r"line 1: the header lacks 'Value'"):
        read_export(_write(tmp_path, rows), "no-value.csv", 90284, 15, "90284/15")


def test_other_column_counts_are_refused(tmp_path: Path) -> None:
    rows = [row[:25] for row in _lines(SAMPLE_90284)]
    with pytest.raises(FormatError, match="26- or 27-column Fingertips header, found 25"):
        read_export(_write(tmp_path, rows), "short.csv", 90284, 15, "90284/15")


def test_suppression_marker_in_a_numeric_column_names_line_and_column(tmp_path: Path) -> None:
    rows = _lines(SAMPLE_90284)
    rows[5][12] = "[c]"
    with pytest.raises(FormatError, match=r"bad.csv, line 6, column 'Value': '\[c\]' is not a number"):
        read_export(_write(tmp_path, rows, "bad.csv"), "bad.csv", 90284, 15, "90284/15")


def test_json_error_body_instead_of_csv(tmp_path: Path) -> None:
    path = tmp_path / "error.csv"
    path.write_text(json.dumps({"Message": "An error has occurred."}))
    with pytest.raises(FormatError, match="JSON error instead of CSV: An error has occurred"):
        read_export(path, "https://x/api/all_data", 90284, 15, "90284/15")


def test_file_for_another_indicator_is_refused() -> None:
    with pytest.raises(FormatError, match="asked for indicator 11001 but the file holds 90284"):
        read_export(SAMPLE_90284, "sample", 11001, 15, "11001/15")


def test_repeated_england_row_with_different_figures_is_refused(tmp_path: Path) -> None:
    rows = _lines(SAMPLE_90284)
    repeat = next(index for index, row in enumerate(rows) if row[2] == "E92000001" and row[4] == "E92000001")
    rows[repeat][17] = str(int(rows[repeat][17]) + 1)
    with pytest.raises(FormatError, match=rf"line {repeat + 1}, column 'Count'.*listed twice"):
        read_export(_write(tmp_path, rows), "x.csv", 90284, 15, "90284/15")


def test_unknown_period_form_is_refused(tmp_path: Path) -> None:
    rows = _lines(SAMPLE_90284)
    rows[3][11] = "Q1 2023"
    with pytest.raises(FormatError, match=r"line 4, column 'Time period': time period 'Q1 2023'"):
        read_export(_write(tmp_path, rows), "x.csv", 90284, 15, "90284/15")


def test_new_value_note_is_left_untyped_for_the_check(tmp_path: Path) -> None:
    rows = _lines(SAMPLE_90284)
    rows[4][19] = "Data for this period revised by the provider"
    frame = read_export(_write(tmp_path, rows), "x.csv", 90284, 15, "90284/15")
    noted = frame[frame["_source_row"] == 5].iloc[0]
    assert noted["note_kind"] is None
    assert noted["status_token"] == "Data for this period revised by the provider"


@pytest.mark.parametrize(
    ("label", "period_type", "start", "end"),
    [
        ("2022/23", "financial_year", date(2022, 4, 1), date(2023, 3, 31)),
        ("2020/21 - 22/23", "financial_years_3", date(2020, 4, 1), date(2023, 3, 31)),
        ("2022", "calendar_year", date(2022, 1, 1), date(2022, 12, 31)),
        ("2019 - 21", "calendar_years_3", date(2019, 1, 1), date(2021, 12, 31)),
        ("1999/00", "financial_year", date(1999, 4, 1), date(2000, 3, 31)),
    ],
)
def test_periods(label: str, period_type: str, start: date, end: date) -> None:
    period = parse_period(label)
    assert period is not None
    assert (period.period_type, period.start, period.end) == (period_type, start, end)


@pytest.mark.parametrize("label", ["2022/24", "2022 - 21", "Q1 2023", "2022-23"])
def test_periods_not_known(label: str) -> None:
    assert parse_period(label) is None


def _metadata(tmp_path: Path, answer: object) -> Path:
    path = tmp_path / "metadata.json"
    path.write_text(json.dumps(answer))
    return path


def expected_titles() -> dict[int, str]:
    """Each catalogued Fingertips indicator's title, as the catalogue states it."""
    return {int(d.option("fingertips_id")): d.title for d in load().of_publisher("ohid")}


def test_titles_confirmed() -> None:
    path = sample_path(SAMPLES, API.metadata_url([90284]))
    titles = confirm_titles(path, "m", [90284], expected_titles())
    assert titles[90284].startswith("Hospital admissions caused by unintentional and deliberate injuries")


def test_unknown_indicator_id_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="indicator 99999 is not known to Fingertips"):
        confirm_titles(_metadata(tmp_path, {}), "m", [99999], expected_titles())


def test_changed_title_is_an_error(tmp_path: Path) -> None:
    answer = {"11001": {"IID": 11001, "Descriptive": {"Name": "Road deaths per billion vehicle miles"}}}
    with pytest.raises(FormatError, match="indicator 11001 is titled 'Road deaths per billion vehicle miles'"):
        confirm_titles(_metadata(tmp_path, answer), "m", [11001], expected_titles())


def test_id_without_an_expected_title_is_an_error(tmp_path: Path) -> None:
    answer = {"93203": {"IID": 93203, "Descriptive": {"Name": "Domestic abuse-related incidents and crimes"}}}
    with pytest.raises(FormatError, match=r"93203 .* has no expected title"):
        confirm_titles(_metadata(tmp_path, answer), "m", [93203], expected_titles())


def test_metadata_error_body(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"the API answered with an error: An error has occurred\."):
        confirm_titles(_metadata(tmp_path, {"Message": "An error has occurred."}), "m", [11001], expected_titles())


def test_area_types(tmp_path: Path) -> None:
    path = sample_path(SAMPLES, API.area_types_url())
    assert confirm_area_type(path, "a", 502) == "Upper tier local authorities (post 4/23)"
    with pytest.raises(FormatError, match="area type 999 is not listed"):
        confirm_area_type(path, "a", 999)


def test_real_export_dorset_and_england_as_published() -> None:
    real = REAL_DATA / "la_hospital_admissions_2324.csv"
    if not real.exists():
        pytest.skip(f"{real} is not present (shared real-data folder absent)")
    frame = read_export(real, str(real), 90284, 15, "90284/15")
    with open(real, encoding="utf-8-sig", newline="") as handle:
        published = [
            row
            for row in csv.DictReader(handle)
            if row["Category Type"] == ""
            and (row["Area Code"] == "E06000059" or (row["Area Code"] == "E92000001" and row["Parent Code"] == ""))
        ]
    areas = frame[frame["area_code"].isin(["E06000059", "E92000001"]) & (frame["category_type"] == "")]
    assert (
        len(areas) == len(published) == 38 + 36
    )  # England 2010/11-2023/24 (sexes from 2012/13), Dorset 2012/13-2023/24
    by_key = {(row["area_code"], row["sex"], row["time_period"]): row for row in areas.to_dict(orient="records")}
    for row in published:
        loaded = by_key[(row["Area Code"], row["Sex"], row["Time period"])]
        for column, name in (("value", "Value"), ("upper_95", "Upper CI 95.0 limit"), ("denominator", "Denominator")):
            assert loaded[column] == float(row[name])
        assert (loaded["lower_998"] != loaded["lower_998"]) == (row["Lower CI 99.8 limit"] == "")
