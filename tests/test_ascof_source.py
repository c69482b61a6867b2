"""The ASCOF parser on both publishers' formats, written as fixtures here from shared/sources.md section 2."""

from datetime import date
from pathlib import Path

import pytest

from assets.ascof import release_files
from sources.ascof import read_measures, release_period
from sources.errors import FormatError
from sources.source_catalogue import load
from tests.conftest import SAMPLES, sample_downloader
from tools.samples.generate_ascof import parse_releases, write_samples

SAFE = "The proportion of people who use services who feel safe"
NHS_DIGITAL = f"""\
Geographical Code,Geographical Description,Geographical Level,ONS Code,ASCOF Measure Code,Disaggregation Level,\
Measure Type,Measure Value,Measure Group,Measure Group Description
England,England,England,E92000001,4A,Total,Outcome,69.2,4A,{SAFE}
England,England,England,E92000001,4A,Total,Margin of Error,0.4,4A,{SAFE}
838,Dorset,Council,E06000059,4A,Total,Numerator,180,4A,{SAFE}
838,Dorset,Council,E06000059,4A,Total,Denominator,250,4A,{SAFE}
838,Dorset,Council,E06000059,4A,Total,Outcome,72.4,4A,{SAFE}
838,Dorset,Council,E06000059,4A1864,18-64,Outcome,[c],4A,{SAFE}
838,Dorset,Council,E06000059,4A65OV,65 and over,Base,[x],4A,{SAFE}
838,Dorset,Council,E06000059,2B,Total,Denominator,[z],2B,Proportion of older people at home 91 days after discharge
838,Dorset,Council,E06000059,4B,Total,Outcome,86.0,4B,The proportion of people who use services who say \
that those services have made them feel safe and secure
"""

DHSC = """\
Geographical code,Geographical description,Geographical level,ONS code,ASCOF measure code,Disaggregation level,\
Measure type,Measure value
England,England,England,E92000001,4A,Total,Outcome,70.1
SW,South West,Regional,E12000009,4A,Female,Outcome,71.0
838,Dorset,Local authority,E06000059,4A1864,18 to 64,Outcome,66.5
838,Dorset,Local authority,E06000059,4B,Total,Outcome,[c]
838,Dorset,Local authority,E06000059,1A,Total,Outcome,19.1
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ascof.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_nhs_digital_format(tmp_path: Path) -> None:
    frame = read_measures(_file(tmp_path, NHS_DIGITAL), "u", "2021-22", ["4A", "4B"])
    assert set(frame["layout"]) == {"nhs_digital"}
    assert len(frame) == 8  # the 2B row is another measure: not landed
    rows = {
        (row["geographical_code"], row["measure_code"], row["measure_type"]): row for row in frame.to_dict("records")
    }
    assert rows[("838", "4A", "Outcome")]["value"] == 72.4
    assert rows[("838", "4A", "Outcome")]["_source_row"] == 6
    suppressed = rows[("838", "4A1864", "Outcome")]
    assert (suppressed["value"] != suppressed["value"], suppressed["value_status"]) == (True, "suppressed")
    assert suppressed["status_token"] == "[c]"
    assert rows[("838", "4A65OV", "Base")]["value_status"] == "not_available"
    assert rows[("838", "4A65OV", "Base")]["disaggregation_code"] == "65+"
    assert rows[("England", "4A", "Margin of Error")]["measure_type_code"] == "margin_of_error"
    assert set(frame["period_start"]) == {date(2021, 4, 1)}


def test_older_header_spelling_and_blank_suppression(tmp_path: Path) -> None:
    text = NHS_DIGITAL.replace("ONS Code", "ONS Area Code").replace(",[c],", ",,")
    frame = read_measures(_file(tmp_path, text), "u", "2019-20", ["4A"])
    blank = frame[frame["measure_code"] == "4A1864"].iloc[0]
    assert (blank["status_token"], blank["value_status"]) == ("", "suppressed")
    assert set(frame["ons_code"]) == {"E92000001", "E06000059"}


def test_dhsc_format(tmp_path: Path) -> None:
    frame = read_measures(_file(tmp_path, DHSC), "u", "2024-25", ["4A", "4B"])
    assert set(frame["layout"]) == {"dhsc"}
    assert len(frame) == 4
    assert list(frame["level"]) == ["england", "region", "council", "council"]
    assert list(frame["disaggregation_code"]) == ["total", "female", "18-64", "total"]
    assert frame.iloc[3]["value_status"] == "suppressed"
    assert set(frame["measure_group"]) == {""}


def test_unknown_marker_is_typed_for_the_check(tmp_path: Path) -> None:
    frame = read_measures(_file(tmp_path, DHSC.replace("66.5", "[u]")), "u", "2024-25", ["4A", "4B"])
    row = frame[frame["measure_code"] == "4A1864"].iloc[0]
    assert (row["status_token"], row["value_status"]) == ("[u]", "unknown_marker")


def test_missing_measure_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="measure 4C is not in this 2024-25 file"):
        read_measures(_file(tmp_path, DHSC), "u", "2024-25", ["4A", "4C"])


def test_missing_column_is_an_error(tmp_path: Path) -> None:
    text = DHSC.replace(",Measure value", ",Value")
    with pytest.raises(FormatError, match="line 1: the header lacks 'measure value'"):
        read_measures(_file(tmp_path, text), "u", "2024-25", ["4A"])


def test_release_names() -> None:
    assert release_period("2024-25") == (date(2024, 4, 1), date(2025, 3, 31))
    with pytest.raises(ValueError, match="financial year"):
        release_period("2024")


def test_bundled_sample_is_exactly_what_its_generator_writes_for_the_configured_releases(tmp_path: Path) -> None:
    releases = {file.release: file.url for file in release_files(sample_downloader(), load().dataset("ascof_measures"))}
    written = write_samples(releases, tmp_path)
    assert len(written) == len(releases) == 3
    for path in written:
        assert path.read_bytes() == (SAMPLES / path.relative_to(tmp_path)).read_bytes(), path


def test_generator_release_arguments() -> None:
    assert parse_releases(["2019-20=https://a/x.csv,2021-22=https://b/y.csv", "2024-25=https://c/z.csv?q=1"]) == {
        "2019-20": "https://a/x.csv",
        "2021-22": "https://b/y.csv",
        "2024-25": "https://c/z.csv?q=1",
    }
    with pytest.raises(ValueError, match="RELEASE=URL"):
        parse_releases(["https://a/x.csv"])
