"""The contents of the DfE EES sample files: children in need (B1, C1, D3, D5), children looked after (rates and
adoptions) and pupil absence, each as the publisher writes it (headers, column order, the empty-column quirks
of D3/D5, suppression markers, the BOM of the CLA rate file, rounding).

Apart from the command line (`generate_ees`) because this is what the files say; the numbers are synthetic and
drawn from the one seeded generator each function is given, in the order `generate_ees.main` calls them.
"""

from __future__ import annotations

import random

from tools.samples.ees_areas import (
    ABSENCE_YEARS,
    AUTHORITIES,
    CIN_YEARS,
    CLA_YEARS,
    ENGLAND_CHILDREN,
    REGION_CHILDREN,
    REGIONS,
    areas_in,
    cin_prefix,
    cla_prefix,
    dfe_number,
    is_summary,
    population_of,
    reported_in,
    round10,
)


def b1(rng: random.Random) -> str:
    header = (
        "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
        "old_la_code,new_la_code,la_name,category,Anypoint_episodes,Anypoint_child,Started_episodes,Started_child,"
        "Ended_episodes,Ended_child,At31_episodes,awaiting_assessment"
    )
    lines = [header]
    for year in CIN_YEARS:
        for prefix, children in areas_in(year, cin_prefix):
            at31 = children * rng.uniform(0.030, 0.036)
            values = [at31 * 1.9, at31 * 1.75, at31 * 0.95, at31 * 0.9, at31 * 0.9, at31 * 0.85, at31, at31 * 0.01]
            counts = [round10(v) if is_summary(prefix) else int(v) for v in values]
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
        for prefix, children in areas_in(year, cin_prefix):
            referrals = children * rng.uniform(0.045, 0.055)
            rereferrals = referrals * rng.uniform(0.14, 0.24)
            nfa = referrals * rng.uniform(0.02, 0.08)
            not_in_need = referrals * rng.uniform(0.2, 0.35)
            ref_child = referrals * 0.92
            reref_child = rereferrals * 0.9
            percents = [rereferrals / referrals, nfa / referrals, not_in_need / referrals, reref_child / ref_child]
            counts = [referrals, rereferrals, nfa, not_in_need, ref_child, reref_child]
            counts = [round10(v) if is_summary(prefix) else int(v) for v in counts]
            cells = [
                str(counts[0]),
                str(counts[1]),
                dfe_number(100 * percents[0], 1),
                str(counts[2]),
                dfe_number(100 * percents[1], 1),
                str(counts[3]),
                dfe_number(100 * percents[2], 1),
                str(counts[4]),
                str(counts[5]),
                dfe_number(100 * percents[3], 1),
            ]
            if not is_summary(prefix):
                # Percentages from the unrounded counts, as DfE computes them.
                cells[2] = dfe_number(100 * counts[1] / counts[0], 1)
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
        for prefix, children in areas_in(year, lambda y, lv, a: cin_prefix(y, lv, a, quoted_empty=True)):
            start = children * rng.uniform(0.0045, 0.0055)
            subsequent = start * rng.uniform(0.2, 0.28)
            exact = 100 * subsequent / start
            if is_summary(prefix):
                start, subsequent = round10(start), round10(subsequent)
            else:
                start, subsequent = int(start), int(subsequent)
                exact = 100 * subsequent / start
            cells = [str(start), str(subsequent), dfe_number(exact, 1)]
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
        for prefix, children in areas_in(year, lambda y, lv, a: cin_prefix(y, lv, a, quoted_empty=True)):
            total = children * rng.uniform(0.0036, 0.0044)
            parts = [total * share for share in shares]
            if is_summary(prefix):
                total, parts = round10(total), [round10(p) for p in parts]
            else:
                total, parts = int(total), [int(p) for p in parts]
            cells = [str(total)]
            for part in parts:
                cells += [str(part), dfe_number(100 * part / total, 1)]
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
    rows: list[tuple[str, int | None]] = [(cla_prefix(year, "National", None), ENGLAND_CHILDREN)]
    rows += [(cla_prefix(year, "Regional", (c, n)), REGION_CHILDREN[c]) for c, n in REGIONS.items()]
    for authority in AUTHORITIES:
        code = authority[0]
        if code in ("E10000009", "E06000028", "E06000029", "E10000027"):
            continue
        if code == "E06000066" or reported_in(authority, year):
            rows.append((cla_prefix(year, "Local authority", authority), population_of(authority, year - 1)))
        elif code in ("E10000021", "E06000061", "E06000062"):
            rows.append((cla_prefix(year, "Local authority", authority), None))
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
                count = round10(count) if is_summary(prefix) else int(count)
                rate = 10_000 * count / children
                lines.append(f"{prefix},{population_type},{children},{count},{dfe_number(rate, 0)}")
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
            if is_summary(prefix):
                adopted, unopposed, sgo = round10(adopted), round10(unopposed), round10(sgo)
            else:
                adopted, unopposed, sgo = int(adopted), int(unopposed), int(sgo)
            dispensed = adopted - unopposed
            for breakdown, count in (
                ("Adopted - application unopposed", unopposed),
                ("Adopted - consent dispensed with", dispensed),
                ("Total", adopted),
            ):
                small = 0 < count <= 5 and not is_summary(prefix)
                cells = "c,c" if small else f"{count},{dfe_number(100 * count / adopted, 0) if adopted else 'z'}"
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
        for prefix, children in areas_in(year, cin_prefix):
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
                    dfe_number(100 * overall / possible, 2),
                    dfe_number(100 * authorised / possible, 2),
                    dfe_number(100 * unauthorised / possible, 2),
                    pa10,
                    dfe_number(100 * pa10 / enrolments, 2),
                    pa50,
                    dfe_number(100 * pa50 / enrolments, 2),
                    *(int(value) for value in reasons),
                    int(authorised),
                    *(int(value) for value in unauth),
                    int(unauthorised),
                    int(overall),
                    0,
                    0,
                    0,
                    dfe_number(100 * reasons[0] / possible, 2),
                ]
                lines.append(f"{prefix},{phase}," + ",".join(str(cell) for cell in cells))
    return "\n".join(lines) + "\n"
