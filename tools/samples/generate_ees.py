"""Write the bundled DfE EES and ONS population samples (synthetic numbers, the publishers' exact formats).

Run from the project root: `python -m tools.samples.generate_ees`. The numbers are made up (seeded, so the
files are reproducible); the headers, column order, empty-column quirks (`"",""` in D3/D5), suppression
markers, BOM (CLA rate file), geography (old Dorset to 2019, Dorset Council from 2020; placeholder rows for
authorities that did not exist) and rounding (England and regions to the nearest 10; CIN percentages to 1
dp, CLA rates and percentages to whole numbers) follow the real files in `shared/real-data/` and sources.md.
"""

from __future__ import annotations

import json
import random

from sources import ees, population
from sources.sample_adapter import sample_path
from sources.source_catalogue import load
from tools.samples import SAMPLES

ENGLAND = ("E92000001", "England")
REGIONS = {"E12000009": "South West", "E12000004": "East Midlands"}

# (new_la_code, old_la_code, name, region, first reporting year, last reporting year, children aged 0-17)
AUTHORITIES = [
    ("E10000009", "835", "Dorset", "E12000009", 2018, 2019, 76000),
    ("E06000028", "837", "Bournemouth", "E12000009", 2018, 2019, 37000),
    ("E06000029", "836", "Poole", "E12000009", 2018, 2019, 29000),
    ("E06000059", "838", "Dorset", "E12000009", 2020, 2025, 66500),
    ("E06000058", "839", "Bournemouth, Christchurch and Poole", "E12000009", 2020, 2025, 74000),
    ("E10000008", "878", "Devon", "E12000009", 2018, 2025, 139000),
    ("E06000054", "865", "Wiltshire", "E12000009", 2018, 2025, 105000),
    ("E10000027", "933", "Somerset", "E12000009", 2018, 2023, 110000),
    ("E06000066", "933", "Somerset", "E12000009", 2024, 2025, 111000),
    ("E10000021", "928", "Northamptonshire", "E12000004", 2018, 2021, 170000),
    ("E06000061", "940", "North Northamptonshire", "E12000004", 2022, 2025, 78000),
    ("E06000062", "941", "West Northamptonshire", "E12000004", 2022, 2025, 94000),
]
CIN_YEARS = list(range(2025, 2017, -1))
CLA_YEARS = list(range(2025, 2020, -1))
ABSENCE_YEARS = ["202425", "202324", "202223", "202122"]
REGION_CHILDREN = {"E12000009": 1_060_000, "E12000004": 1_010_000}
ENGLAND_CHILDREN = 12_000_000


def _fmt(value: float, places: int) -> str:
    """DfE writes 37 rather than 37.0."""
    text = f"{value:.{places}f}"
    return text[:-2] if places and text.endswith(".0") else text


def _round10(value: float) -> int:
    return int(round(value / 10.0) * 10)


def _csv_field(value: str) -> str:
    return f'"{value}"' if "," in value else value


def _exists(authority: tuple, year: int) -> bool:
    return authority[4] <= year <= authority[5]


def _population(authority: tuple, mid_year: int) -> int:
    return int(authority[6] * (1 + 0.004 * (mid_year - 2020)))


def _cin_prefix(year: int, level: str, area: tuple | None, quoted_empty: bool = False) -> str:
    empty = '""' if quoted_empty else ""
    start = f"{year},Reporting year,{level},{ENGLAND[0]},{ENGLAND[1]}"
    if level == "National":
        return f"{start},{empty},{empty},,{empty},{empty}"
    if level == "Regional":
        return f"{start},{area[0]},{area[1]},,{empty},{empty}"
    code, old, name, region = area[:4]
    return f"{start},{region},{REGIONS[region]},{old},{code},{_csv_field(name)}"


def _cla_prefix(year: int, level: str, area: tuple | None) -> str:
    start = f"{year},Reporting year,{level},{ENGLAND[0]},{ENGLAND[1]}"
    if level == "National":
        return f"{start},,,,,"
    if level == "Regional":
        return f"{start},{area[0]},{area[1]},,,"
    code, old, name, region = area[:4]
    return f"{start},{region},{REGIONS[region]},{old},{_csv_field(name)},{code}"


def _areas(year: int, prefix: object) -> list[tuple[str, int]]:
    """(row prefix, children) for England, the regions and the authorities that existed in `year`."""
    rows = [(prefix(year, "National", None), ENGLAND_CHILDREN)]
    rows += [(prefix(year, "Regional", (code, name)), REGION_CHILDREN[code]) for code, name in REGIONS.items()]
    rows += [(prefix(year, "Local authority", a), _population(a, year - 1)) for a in AUTHORITIES if _exists(a, year)]
    return rows


def _is_summary(prefix: str) -> bool:
    return ",National," in prefix or ",Regional," in prefix


def b1(rng: random.Random) -> str:
    header = (
        "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
        "old_la_code,new_la_code,la_name,category,Anypoint_episodes,Anypoint_child,Started_episodes,Started_child,"
        "Ended_episodes,Ended_child,At31_episodes,awaiting_assessment"
    )
    lines = [header]
    for year in CIN_YEARS:
        for prefix, children in _areas(year, _cin_prefix):
            at31 = children * rng.uniform(0.030, 0.036)
            values = [at31 * 1.9, at31 * 1.75, at31 * 0.95, at31 * 0.9, at31 * 0.9, at31 * 0.85, at31, at31 * 0.01]
            counts = [_round10(v) if _is_summary(prefix) else int(v) for v in values]
            cells = [str(c) for c in counts]
            if year == 2023 and "E10000027" in prefix:
                cells[-1] = "x"
            if "Wiltshire" in prefix and year == 2019:
                cells[-1] = "c"
            lines.append(f"{prefix},Children in Need," + ",".join(cells))
    return "\n".join(lines) + "\n"


def c1(rng: random.Random) -> str:
    header = (
        "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
        "old_la_code,new_la_code,la_name,category,referral_count,rereferral_count,rereferral_percent,"
        "no_further_action_count,no_further_action_percent,not_in_need_count,not_in_need_percent,"
        "referral_child_count,rereferral_child_count,rereferral_child_percent"
    )
    lines = [header]
    for year in CIN_YEARS:
        for prefix, children in _areas(year, _cin_prefix):
            referrals = children * rng.uniform(0.045, 0.055)
            rereferrals = referrals * rng.uniform(0.14, 0.24)
            nfa = referrals * rng.uniform(0.02, 0.08)
            not_in_need = referrals * rng.uniform(0.2, 0.35)
            ref_child = referrals * 0.92
            reref_child = rereferrals * 0.9
            percents = [rereferrals / referrals, nfa / referrals, not_in_need / referrals, reref_child / ref_child]
            counts = [referrals, rereferrals, nfa, not_in_need, ref_child, reref_child]
            counts = [_round10(v) if _is_summary(prefix) else int(v) for v in counts]
            cells = [
                str(counts[0]),
                str(counts[1]),
                _fmt(100 * percents[0], 1),
                str(counts[2]),
                _fmt(100 * percents[1], 1),
                str(counts[3]),
                _fmt(100 * percents[2], 1),
                str(counts[4]),
                str(counts[5]),
                _fmt(100 * percents[3], 1),
            ]
            if not _is_summary(prefix):
                # Percentages from the unrounded counts, as DfE computes them.
                cells[2] = _fmt(100 * counts[1] / counts[0], 1)
            if year == 2020 and ("E06000059" in prefix or "E06000058" in prefix):
                cells[1] = cells[2] = cells[8] = cells[9] = "x"  # as the real 2020 Dorset and BCP rows
            if year == 2024 and "E06000054" in prefix:
                cells = ["u"] * len(cells)  # low reliability, as Herefordshire 2024 in the real file
            lines.append(f"{prefix},Referrals and Re-referrals," + ",".join(cells))
    return "\n".join(lines) + "\n"


def d3(rng: random.Random) -> str:
    header = (
        "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
        "old_la_code,new_la_code,la_name,category,CPP_start,CPP_subsequent,CPP_subsequent_percent"
    )
    lines = [header]
    for year in CIN_YEARS:
        for prefix, children in _areas(year, lambda y, lv, a: _cin_prefix(y, lv, a, quoted_empty=True)):
            start = children * rng.uniform(0.0045, 0.0055)
            subsequent = start * rng.uniform(0.2, 0.28)
            exact = 100 * subsequent / start
            if _is_summary(prefix):
                start, subsequent = _round10(start), _round10(subsequent)
            else:
                start, subsequent = int(start), int(subsequent)
                exact = 100 * subsequent / start
            cells = [str(start), str(subsequent), _fmt(exact, 1)]
            if year == 2018 and "E06000029" in prefix:
                cells[1:] = ["c", "c"]
            lines.append(f"{prefix},Child Protection Plans which are a second or subsequent plan," + ",".join(cells))
    return "\n".join(lines) + "\n"


def d5(rng: random.Random) -> str:
    header = (
        "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
        "old_la_code,new_la_code,la_name,category,CPP_At31,3_months_or_less,3_months_or_less_percent,"
        "more_than_3_months_6_months,more_than_3_months_6_months_percent,more_than_6_months_less_than_1_year,"
        "more_than_6_months_less_than_1_year_percent,1_year_less_than_2_years,1_year_less_than_2_years_percent,"
        "2_years_or_more,2_years_or_more_percent"
    )
    shares = [0.31, 0.26, 0.27, 0.14, 0.02]
    lines = [header]
    for year in CIN_YEARS:
        for prefix, children in _areas(year, lambda y, lv, a: _cin_prefix(y, lv, a, quoted_empty=True)):
            total = children * rng.uniform(0.0036, 0.0044)
            parts = [total * share for share in shares]
            if _is_summary(prefix):
                total, parts = _round10(total), [_round10(p) for p in parts]
            else:
                total, parts = int(total), [int(p) for p in parts]
            cells = [str(total)]
            for part in parts:
                cells += [str(part), _fmt(100 * part / total, 1)]
            if "E06000028" in prefix and year == 2019:
                cells[-2:] = ["c", "c"]
            lines.append(f"{prefix},Child Protection Plans by length of time," + ",".join(cells))
    return "\n".join(lines) + "\n"


CLA_TYPES = [
    ("Children ceasing to be looked after each year", 0.0027),
    ("Children looked after on 31 March each year", 0.0068),
    ("Children starting to be looked after each year", 0.0026),
]


def _cla_areas(year: int) -> list[tuple[str, int | None]]:
    """As the real CLA file: current codes back-cast (Somerset E06000066 from 2021), placeholder rows (x/z)
    for Northamptonshire after it was abolished, no rows for the pre-2019 Dorset codes."""
    rows: list[tuple[str, int | None]] = [(_cla_prefix(year, "National", None), ENGLAND_CHILDREN)]
    rows += [(_cla_prefix(year, "Regional", (c, n)), REGION_CHILDREN[c]) for c, n in REGIONS.items()]
    for authority in AUTHORITIES:
        code = authority[0]
        if code in ("E10000009", "E06000028", "E06000029", "E10000027"):
            continue
        if code == "E06000066" or _exists(authority, year):
            rows.append((_cla_prefix(year, "Local authority", authority), _population(authority, year - 1)))
        elif code in ("E10000021", "E06000061", "E06000062"):
            rows.append((_cla_prefix(year, "Local authority", authority), None))
    return rows


def cla_rate(rng: random.Random) -> tuple[str, dict[str, int]]:
    """The file, and the count of children ceasing to be looked after per row prefix (for the adopted file)."""
    header = (
        "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
        "old_la_code,la_name,new_la_code,population_type,population_estimate,children_count,rate_per_10000"
    )
    lines = [header]
    ceasing = {}
    for year in CLA_YEARS:
        for prefix, children in _cla_areas(year):
            for population_type, share in CLA_TYPES:
                if children is None:
                    lines.append(f"{prefix},{population_type},x,z,z")
                    continue
                count = children * share * rng.uniform(0.85, 1.15)
                count = _round10(count) if _is_summary(prefix) else int(count)
                rate = 10_000 * count / children
                lines.append(f"{prefix},{population_type},{children},{count},{_fmt(rate, 0)}")
                if population_type.startswith("Children ceasing"):
                    ceasing[prefix] = count
    return "\ufeff" + "\n".join(lines) + "\n", ceasing


def cla_adopted(rng: random.Random, ceasing: dict[str, int]) -> str:
    header = (
        "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
        "old_la_code,la_name,new_la_code,characteristic,breakdown,children_count,children_percent"
    )
    lines = [header]
    for year in CLA_YEARS:
        for prefix, children in _cla_areas(year):
            if children is None:
                for characteristic, breakdown in (("Adopted", "Total"), ("Special guardianship orders", "Total")):
                    lines.append(f"{prefix},{characteristic},{breakdown},z,z")
                continue
            leaving = ceasing[prefix]
            adopted = leaving * rng.uniform(0.08, 0.14)
            unopposed = adopted * rng.uniform(0.4, 0.6)
            sgo = leaving * rng.uniform(0.1, 0.15)
            if _is_summary(prefix):
                adopted, unopposed, sgo = _round10(adopted), _round10(unopposed), _round10(sgo)
            else:
                adopted, unopposed, sgo = int(adopted), int(unopposed), int(sgo)
            dispensed = adopted - unopposed
            for breakdown, count in (
                ("Adopted - application unopposed", unopposed),
                ("Adopted - consent dispensed with", dispensed),
                ("Total", adopted),
            ):
                small = 0 < count <= 5 and not _is_summary(prefix)
                cells = "c,c" if small else f"{count},{_fmt(100 * count / adopted, 0) if adopted else 'z'}"
                lines.append(f"{prefix},Adopted,{breakdown},{cells}")
            lines.append(f"{prefix},Special guardianship orders,Total,{sgo},100")
    return "\n".join(lines) + "\n"


ABSENCE_HEADER = (
    "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,old_la_code,"
    "new_la_code,la_name,education_phase,num_schools,enrolments,sess_possible,sess_overall,sess_authorised,"
    "sess_unauthorised,sess_overall_percent,sess_authorised_percent,sess_unauthorised_percent,enrolments_pa_10_exact,"
    "enrolments_pa_10_exact_percent,enrolments_pa_50_exact,enrolments_pa_50_exact_percent,sess_auth_illness,"
    "sess_auth_appointments,sess_auth_religious,sess_auth_study,sess_auth_traveller,sess_auth_holiday,"
    "sess_auth_ext_holiday,sess_auth_excluded,sess_auth_interview,sess_auth_reg_performance,"
    "sess_auth_temp_reduced_timetable,sess_auth_other,sess_auth_totalreasons,sess_unauth_holiday,sess_unauth_late,"
    "sess_unauth_other,sess_unauth_noyet,sess_unauth_totalreasons,sess_overall_totalreasons,sess_x_covid,"
    "sess_y_exceptional,sess_q_la_arrangements,sess_auth_illness_rate"
)
PHASES = [
    ("Total", 1.0, 0.18),
    ("State-funded primary", 0.55, 0.15),
    ("State-funded secondary", 0.42, 0.24),
    ("Special", 0.03, 0.37),
]


def absence(rng: random.Random) -> str:
    lines = [ABSENCE_HEADER]
    for period in ABSENCE_YEARS:
        year = 2000 + int(period[4:])
        for prefix, children in _areas(year, _cin_prefix):
            prefix = prefix.replace(f"{year},Reporting year", f"{period},Academic year", 1)
            pupils = children * 0.62
            for phase, share, pa_rate in PHASES:
                enrolments = int(pupils * share)
                schools = max(1, enrolments // 400)
                possible = enrolments * 320
                overall = possible * rng.uniform(0.055, 0.09)
                authorised = overall * 0.7
                unauthorised = overall - authorised
                pa10 = int(enrolments * pa_rate * rng.uniform(0.85, 1.15))
                pa50 = int(enrolments * 0.02)
                reasons = [authorised * 0.6, authorised * 0.1, 0, 0, 0, 0, 0, authorised * 0.05, 0, 0, 0]
                reasons.append(authorised - sum(reasons))
                unauth = [unauthorised * 0.2, unauthorised * 0.05, unauthorised * 0.7, unauthorised * 0.05]
                cells = [
                    schools,
                    enrolments,
                    possible,
                    int(overall),
                    int(authorised),
                    int(unauthorised),
                    _fmt(100 * overall / possible, 2),
                    _fmt(100 * authorised / possible, 2),
                    _fmt(100 * unauthorised / possible, 2),
                    pa10,
                    _fmt(100 * pa10 / enrolments, 2),
                    pa50,
                    _fmt(100 * pa50 / enrolments, 2),
                    *(int(value) for value in reasons),
                    int(authorised),
                    *(int(value) for value in unauth),
                    int(unauthorised),
                    int(overall),
                    0,
                    0,
                    0,
                    _fmt(100 * reasons[0] / possible, 2),
                ]
                lines.append(f"{prefix},{phase}," + ",".join(str(cell) for cell in cells))
    return "\n".join(lines) + "\n"


def population_file() -> str:
    header = (
        "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
        "old_la_code,new_la_code,la_name,age_group,population_estimate"
    )
    lines = [header]
    for mid_year in range(2024, 2016, -1):
        lines.append(
            f"{mid_year},Reporting year,National,E92000001,England,,,,,,{population.AGE_GROUP},{ENGLAND_CHILDREN}"
        )
        for code, name in REGIONS.items():
            lines.append(
                f"{mid_year},Reporting year,Regional,E92000001,England,{code},{name},,,,"
                f"{population.AGE_GROUP},{REGION_CHILDREN[code]}"
            )
        for authority in AUTHORITIES:
            code, old, name, region, first, last, _ = authority
            serves = mid_year + 1  # the estimate for mid-year t is the denominator of reporting year t+1
            if not first <= serves <= last and not (
                code in ("E10000009", "E06000028", "E06000029") and mid_year < 2019
            ):
                continue
            value = "x" if code in ("E10000009", "E06000028", "E06000029") else str(_population(authority, mid_year))
            lines.append(
                f"{mid_year},Reporting year,Local authority,E92000001,England,{region},{REGIONS[region]},{old},{code},"
                f"{_csv_field(name)},{population.AGE_GROUP},{value}"
            )
    return "\n".join(lines) + "\n"


def nomis_file(codes: list[str], years: list[int]) -> str:
    names = {"E92000001": "England", "E12000009": "South West"} | {a[0]: a[2] for a in AUTHORITIES}
    children = {"E92000001": ENGLAND_CHILDREN, "E12000009": REGION_CHILDREN["E12000009"]}
    lines = ['"DATE_NAME","GEOGRAPHY_CODE","GEOGRAPHY_NAME","C_AGE_NAME","OBS_VALUE"']
    for year in years:
        for code in codes:
            authority = next((a for a in AUTHORITIES if a[0] == code), None)
            total = _population(authority, year) if authority else children[code]
            per_age = [total // 18 + (1 if age < total % 18 else 0) for age in range(18)]
            for age, value in enumerate(per_age):
                lines.append(f'"{year}","{code}","{names[code]}","Age {age}",{value}')
    return "\n".join(lines) + "\n"


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
