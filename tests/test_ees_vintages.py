"""Older EES header vintages read by name: the 2024 CIN release (rates, `Referrals`, `Re_referrals_percent`),
absence up to 2022/23 (`school_type`), the pre-2021 `:` marker, and column order not mattering.

Headers are copied from sources.md section 4.3 / 5 (the real 2024 B1 and C1 headers from DfE's dashboard
repository at commit 6f27b068; the 2022/23 absence header from the EES data-catalogue page); values are made up.
"""

from pathlib import Path

import pandas as pd
import pytest

from sources import ees
from sources.errors import FormatError
from tests.dfe_support import ees_dataset

PREFIX = "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name"
B1_2024 = (
    f"{PREFIX},old_la_code,new_la_code,la_name,category,Anypoint_episodes,Anypoint_episodes_rate,Anypoint_child,"
    "Anypoint_child_rate,Started_episodes,Started_episodes_rate,Started_child,Started_child_rate,Ended_episodes,"
    "Ended_episodes_rate,Ended_child,Ended_child_rate,At31_episodes,At31_episodes_rate,Awaiting_assessment,"
    "Awaiting_assessment_rate"
)
C1_2024 = (
    f"{PREFIX},old_la_code,new_la_code,la_name,category,Referrals,Referrals_rate,Re_referrals,Re_referrals_percent,"
    "No_Further_Action,No_Further_Action_percent,Not_in_Need,Not_in_Need_percent,Referrals_child,Referrals_child_rate,"
    "Re_referrals_child,Re_referrals_child_percent"
)
ABSENCE_2023 = (
    f"{PREFIX},old_la_code,new_la_code,la_name,school_type,num_schools,enrolments,sess_possible,sess_overall,"
    "sess_authorised,sess_unauthorised,sess_overall_percent,sess_authorised_percent,sess_unauthorised_percent,"
    "enrolments_pa_10_exact,enrolments_pa_10_exact_percent,sess_possible_pa_10_exact,sess_overall_pa_10_exact,"
    "sess_authorised_pa_10_exact,sess_unauthorised_pa_10_exact,sess_overall_percent_pa_10_exact,"
    "sess_authorised_percent_pa_10_exact,sess_unauthorised_percent_pa_10_exact,enrolments_pa_50_exact,"
    "enrolments_pa_50_exact_percent"
)


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_b1_2024_release_keeps_its_published_rate(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "b1.csv",
        [
            B1_2024,
            "2024,Reporting year,National,E92000001,England,,,,,,Children in Need,"
            "780000,649.3,720000,599.4,400000,333,380000,316.3,370000,308,350000,291.4,403720,336.1,15000,12.5",
            "2019,Reporting year,Local authority,E92000001,England,E12000009,South West,835,E10000009,Dorset,"
            "Children in Need,4488,:,4218,:,2334,:,2245,:,1776,:,1690,:,2712,:,69,:",
        ],
    )
    rows = ees.parse(path, ees_dataset("cin_b1"))
    assert rows[["numerator", "published", "published_status"]].values.tolist()[0] == [403720.0, 336.1, "ok"]
    dorset = rows.iloc[1]
    assert (dorset["area_code"], dorset["old_la_code"], dorset["numerator"]) == ("E10000009", "835", 2712.0)
    assert (dorset["published_status"], dorset["published_token"]) == ("not_available", ":")
    assert pd.isna(dorset["published"])


def test_c1_2024_names_map_to_the_same_measures(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c1.csv",
        [
            C1_2024,
            "2024,Reporting year,Local authority,E92000001,England,E12000009,South West,838,E06000059,Dorset,"
            "Referrals and Re-referrals,2454,369.7,345,14.1,300,12.2,500,20.4,2200,331.4,310,14.1",
        ],
    )
    row = ees.parse(path, ees_dataset("cin_c1")).iloc[0]
    assert (row["numerator"], row["denominator"], row["published"]) == (345.0, 2454.0, 14.1)


def test_absence_up_to_2022_23_uses_school_type(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "absence.csv",
        [
            ABSENCE_2023,
            "202223,Academic year,Local authority,E92000001,England,E12000009,South West,838,E06000059,Dorset,"
            "State-funded secondary,30,17000,5440000,500000,350000,150000,9.19,6.43,2.76,4590,27,"
            "1500000,300000,200000,100000,20,13.33,6.67,400,2.35",
        ],
    )
    row = ees.parse(path, ees_dataset("pupil_absence")).iloc[0]
    assert (row["breakdown"], bool(row["is_headline"])) == ("State-funded secondary", True)
    assert (row["period_year"], str(row["period_start"]), row["published"]) == (2023, "2022-09-01", 27.0)


def test_column_order_does_not_matter(tmp_path: Path) -> None:
    lines = [
        f"{PREFIX},old_la_code,new_la_code,la_name,category,CPP_start,CPP_subsequent,CPP_subsequent_percent",
        "2025,Reporting year,Local authority,E92000001,England,E12000009,South West,838,E06000059,Dorset,"
        "Child Protection Plans which are a second or subsequent plan,335,92,27.5",
    ]
    cin_order = write(tmp_path, "cin.csv", lines)
    frame = pd.read_csv(cin_order, dtype=str)
    swapped = tmp_path / "cla_order.csv"
    frame[[*frame.columns[:8], "la_name", "new_la_code", *frame.columns[10:]]].to_csv(swapped, index=False)
    dataset = ees_dataset("cin_d3")
    assert ees.parse(swapped, dataset).equals(ees.parse(cin_order, dataset))


def test_an_unknown_geographic_level_is_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "d5.csv",
        [
            f"{PREFIX},old_la_code,new_la_code,la_name,category,CPP_At31",
            "2025,Reporting year,Local authority district,E92000001,England,E12000009,South West,,E07000048,"
            "Christchurch,Child Protection Plans by length of time,12",
        ],
    )
    with pytest.raises(FormatError, match=r"line 2, column 'geographic_level'.*'Local authority district'"):
        ees.parse(path, ees_dataset("cin_d5"))


@pytest.mark.parametrize(
    ("token", "status"),
    [
        ("c", "suppressed"),
        ("x", "not_available"),
        ("z", "not_applicable"),
        ("u", "low_reliability"),
        ("k", "rounds_to_zero"),
        ("low", "rounds_to_zero"),
        (":", "not_available"),
    ],
)
def test_every_suppression_token_is_a_typed_status(tmp_path: Path, token: str, status: str) -> None:
    path = write(
        tmp_path,
        "d5.csv",
        [
            f"{PREFIX},old_la_code,new_la_code,la_name,category,CPP_At31",
            f"2025,Reporting year,Local authority,E92000001,England,E12000009,South West,838,E06000059,Dorset,"
            f"Child Protection Plans by length of time,{token}",
        ],
    )
    row = ees.parse(path, ees_dataset("cin_d5")).iloc[0]
    assert pd.isna(row["numerator"])
    assert (row["numerator_status"], row["numerator_token"]) == (status, token)
