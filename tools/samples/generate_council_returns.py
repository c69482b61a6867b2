"""Synthetic council extracts in the statutory formats: a CIN census XML and SSDA903 CSV tables per quarter end.

No real child is in them. A few hundred made-up children are followed over three years before the first
quarter end: referrals (some within 12 months of the last one), assessments, CIN plans, child protection
plans (some a second plan), looked-after episodes with placement moves, adoptions and missing episodes.
Each quarter's folder is the extract as the case management system would have produced it on that date:
later events are absent and end dates after it are blank. `--errors` adds deliberate mistakes, one of each
kind the checks must catch. The bundled offline sample (`sources/samples/council_returns/`) is:

    python -m tools.samples.generate_council_returns sources/samples/council_returns --children 150 \\
        --as-at 2024-12-31 2025-03-31
"""

from __future__ import annotations

import argparse
import csv
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from xml.etree.ElementTree import Element, ElementTree, SubElement, indent

from sources.council_returns import S903_TABLES

ETHNICITIES = ("WBRI",) * 14 + ("WOTH", "MWBC", "MOTH", "AIND", "BAFR", "NOBT")
CEASED_REASONS = ("E4A", "E8", "E13", "E41", "E45", "E5", "E15", "E17")
PLACEMENTS = ("U1", "U3", "U4", "U6", "R1", "K2", "S1")


@dataclass
class Referral:
    """One CIN episode of a made-up child, with its assessments, CIN plans and child protection plans."""

    referral: date
    closure: date | None
    reason: str | None
    nfa: bool
    need: str
    assessments: list[tuple[date, date | None]] = field(default_factory=list)
    plans: list[tuple[date, date | None]] = field(default_factory=list)
    cpps: list[tuple[date, date | None, str, int]] = field(default_factory=list)


@dataclass
class Child:
    """A made-up child: identifiers, CIN episodes, looked-after episodes, missing episodes."""

    child_id: str
    birth: date
    sex: str
    ethnicity: str
    upn: str
    referrals: list[Referral] = field(default_factory=list)
    episodes: list[dict[str, object]] = field(default_factory=list)
    missing: list[tuple[date, date | None]] = field(default_factory=list)
    placed_for_adoption: tuple[date, date | None] | None = None


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max((last - first).days, 0)))


def simulate(seed: int, first_as_at: date, last_as_at: date, children: int = 300) -> list[Child]:
    """Case histories from three years before `first_as_at` up to `last_as_at`."""
    rng = random.Random(seed)
    start = first_as_at.replace(year=first_as_at.year - 3)
    result = []
    for number in range(children):
        birth = _day(rng, start - timedelta(days=16 * 365), last_as_at - timedelta(days=30))
        child = Child(
            child_id=f"DC{410000 + number * 7}",
            birth=birth,
            sex=rng.choice("12"),
            ethnicity=rng.choice(ETHNICITIES),
            upn=f"A{838000000000 + number:012d}"[:13],
        )
        _cin_history(rng, child, max(start, birth), last_as_at)
        if rng.random() < 0.22:
            _looked_after(rng, child, max(start, birth), last_as_at)
        result.append(child)
    return result


def _cin_history(rng: random.Random, child: Child, start: date, end: date) -> None:
    when = _day(rng, start, end)
    plans_so_far = 0
    while when <= end:
        if rng.random() < 0.2:
            referral = Referral(when, when, "RC8", True, "N9")
        else:
            assessed = when + timedelta(days=rng.randint(0, 7))
            authorised = assessed + timedelta(days=rng.randint(15, 45) if rng.random() < 0.95 else rng.randint(64, 90))
            closure = authorised + timedelta(days=rng.randint(20, 400))
            need = rng.choice(("N1",) * 5 + ("N2", "N3", "N4", "N5", "N8")) if rng.random() < 0.97 else "N0"
            referral = Referral(when, closure, "RC7", False, need)
            referral.assessments.append((assessed, authorised))
            if rng.random() < 0.3:
                cpp_start = authorised + timedelta(days=rng.randint(5, 30))
                cpp_end = cpp_start + timedelta(days=rng.randint(90, 450))
                category = rng.choice(("NEG", "NEG", "EMO", "PHY", "SAB", "MUL"))
                referral.cpps.append((cpp_start, cpp_end, category, plans_so_far))
                plans_so_far += 1
                referral.closure = max(closure, cpp_end + timedelta(days=rng.randint(0, 60)))
            elif rng.random() < 0.5:
                referral.plans.append((authorised + timedelta(days=rng.randint(1, 10)), referral.closure))
        child.referrals.append(referral)
        if rng.random() > 0.4 or referral.closure is None:
            break
        when = referral.closure + timedelta(days=rng.randint(10, 420))


def _looked_after(rng: random.Random, child: Child, start: date, end: date) -> None:
    decom = _day(rng, start, end)
    legal = "V3" if rng.random() < 0.08 else rng.choice(("C2", "C2", "C2", "J2", "E1", "V2"))
    while decom <= end:
        moved = decom + timedelta(days=rng.randint(30, 500))
        ceases = rng.random() < 0.55
        reason = "X1" if not ceases else ("E11" if rng.random() < 0.2 else rng.choice(CEASED_REASONS))
        if reason == "E11" and rng.random() < 0.3:
            reason = "E12"
        episode = {
            "CHILD": child.child_id,
            "DECOM": decom,
            "RNE": "S" if not child.episodes else "P",
            "LS": "E1" if reason in ("E11", "E12") else legal,
            "CIN": rng.choice(("N1", "N1", "N2", "N4", "N5")),
            "PLACE": "A5" if reason in ("E11", "E12") else rng.choice(PLACEMENTS),
            "PLACE_PROVIDER": "PR1",
            "DEC": moved,
            "REC": reason,
            "REASON_PLACE_CHANGE": "CARPL" if reason == "X1" else None,
            "HOME_POST": "DT1",
            "PL_POST": "DT2",
            "URN": "SC123456",
        }
        child.episodes.append(episode)
        if reason in ("E11", "E12"):
            child.placed_for_adoption = (decom, None)
        if rng.random() < 0.15:
            gone = _day(rng, decom, moved)
            back = gone + timedelta(days=rng.randint(0, 4))
            child.missing.append((gone, back if rng.random() < 0.9 else None))
        if reason != "X1":
            return
        decom = moved


def _as_of(value: date | None, as_at: date) -> date | None:
    return value if value is not None and value <= as_at else None


def _add(parent: Element, tag: str, value: object) -> None:
    if value is not None:
        SubElement(parent, tag).text = value.isoformat() if isinstance(value, date) else str(value)


def cin_census(children: list[Child], as_at: date, lea: str) -> ElementTree:
    """The CIN census message as the system would export it on `as_at`."""
    message = Element("Message")
    header = SubElement(message, "Header")
    details = SubElement(header, "CollectionDetails")
    _add(details, "Collection", "CIN")
    _add(details, "Year", as_at.year if as_at.month <= 3 else as_at.year + 1)
    _add(details, "ReferenceDate", as_at)
    source = SubElement(header, "Source")
    _add(source, "SourceLevel", "L")
    _add(source, "LEA", lea)
    _add(source, "SoftwareCode", "Local case management system")
    _add(source, "Release", "ver 3.1.21")
    _add(source, "SerialNo", "001")
    _add(source, "DateTime", f"{as_at.isoformat()}T18:00:00")
    people = SubElement(message, "Children")
    for child in children:
        referrals = [referral for referral in child.referrals if referral.referral <= as_at]
        if not referrals:
            continue
        node = SubElement(people, "Child")
        identifiers = SubElement(node, "ChildIdentifiers")
        _add(identifiers, "LAchildID", child.child_id)
        _add(identifiers, "UPN", child.upn)
        _add(identifiers, "PersonBirthDate", child.birth)
        _add(identifiers, "GenderCurrent", child.sex)
        characteristics = SubElement(node, "ChildCharacteristics")
        _add(characteristics, "Ethnicity", child.ethnicity)
        for referral in referrals:
            episode = SubElement(node, "CINdetails")
            closure = _as_of(referral.closure, as_at)
            _add(episode, "CINreferralDate", referral.referral)
            _add(episode, "ReferralSource", "5A")
            _add(episode, "PrimaryNeedCode", referral.need)
            _add(episode, "CINclosureDate", closure)
            _add(episode, "ReasonForClosure", referral.reason if closure else None)
            for started, authorised in referral.assessments:
                if started <= as_at:
                    assessment = SubElement(episode, "Assessments")
                    _add(assessment, "AssessmentActualStartDate", started)
                    _add(assessment, "AssessmentAuthorisationDate", _as_of(authorised, as_at))
            for started, ended in referral.plans:
                if started <= as_at:
                    plan = SubElement(episode, "CINPlanDates")
                    _add(plan, "CINPlanStartDate", started)
                    _add(plan, "CINPlanEndDate", _as_of(ended, as_at))
            _add(episode, "ReferralNFA", "true" if referral.nfa else "false")
            for started, ended, category, previous in referral.cpps:
                if started <= as_at:
                    cpp = SubElement(episode, "ChildProtectionPlans")
                    _add(cpp, "CPPstartDate", started)
                    _add(cpp, "CPPendDate", _as_of(ended, as_at))
                    _add(cpp, "InitialCategoryOfAbuse", category)
                    _add(cpp, "LatestCategoryOfAbuse", category)
                    _add(cpp, "NumberOfPreviousCPP", previous)
    indent(message)
    return ElementTree(message)


def _dmy(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def s903_tables(children: list[Child], as_at: date) -> dict[str, list[list[str]]]:
    """The SSDA903 tables (header row first) as the system would export them on `as_at`."""
    header, episodes, missing, placed = (
        [list(S903_TABLES[table][0])] for table in ("header", "episodes", "missing", "placed_adoption")
    )
    for child in children:
        open_episodes = [episode for episode in child.episodes if episode["DECOM"] <= as_at]  # type: ignore[operator]
        if not open_episodes:
            continue
        header.append([child.child_id, child.sex, _dmy(child.birth), child.ethnicity, child.upn, "", ""])
        for episode in open_episodes:
            ended = _as_of(episode["DEC"], as_at)  # type: ignore[arg-type]
            row = {
                **episode,
                "DECOM": _dmy(episode["DECOM"]),  # type: ignore[arg-type]
                "DEC": _dmy(ended),
                "REC": episode["REC"] if ended else "",
                "REASON_PLACE_CHANGE": episode["REASON_PLACE_CHANGE"] if ended else "",
            }
            episodes.append([str(row[column] or "") for column in episodes[0]])
        for gone, back in child.missing:
            if gone <= as_at:
                missing.append([child.child_id, _dmy(child.birth), "M", _dmy(gone), _dmy(_as_of(back, as_at))])
        if child.placed_for_adoption and child.placed_for_adoption[0] <= as_at:
            placed.append([child.child_id, _dmy(child.birth), _dmy(child.placed_for_adoption[0]), "", ""])
    return {"header": header, "episodes": episodes, "missing": missing, "placed_adoption": placed}


def add_errors(xml: ElementTree, tables: dict[str, list[list[str]]]) -> None:
    """One of each mistake the checks must catch (errors block; notes warn)."""
    first = xml.getroot().find("Children/Child/CINdetails")
    assert first is not None
    assessment = first.find("Assessments/AssessmentActualStartDate")
    if assessment is not None:
        assessment.text = "2000-01-01"  # an assessment before its referral
    episodes = tables["episodes"]
    episodes.append(list(episodes[1]))  # the same episode twice
    swapped = episodes[2]
    swapped[7] = "01/01/2000"  # ceased before it started
    swapped[8] = swapped[8] or "E8"
    episodes[3][1] = "31/02/2024"  # a date that does not exist
    tables["header"][1][0] = ""  # a blank child id


def write(folder: Path, xml: ElementTree, tables: dict[str, list[list[str]]]) -> None:
    """A quarter's folder as the council drops it: the CIN census XML and one CSV per SSDA903 table."""
    folder.mkdir(parents=True, exist_ok=True)
    xml.write(folder / "cin_census.xml", encoding="UTF-8", xml_declaration=True)
    for name, rows in tables.items():
        with open(folder / f"ssda903_{name}.csv", "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, lineterminator="\r\n").writerows(rows)


def generate(
    out: Path, as_at: list[date], seed: int = 7, children: int = 300, lea: str = "838", errors: bool = False
) -> list[Path]:
    """Write one folder per quarter end (`out/YYYY-MM-DD/`); returns the folders."""
    people = simulate(seed, min(as_at), max(as_at), children)
    folders = []
    for day in sorted(as_at):
        xml = cin_census(people, day, lea)
        tables = s903_tables(people, day)
        if errors:
            add_errors(xml, tables)
        folder = out / day.isoformat()
        write(folder, xml, tables)
        folders.append(folder)
    return folders


def main(argv: list[str] | None = None) -> None:
    """Command line: write the extracts for the given quarter ends."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--as-at", nargs="+", type=date.fromisoformat, required=True, help="quarter ends")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--children", type=int, default=300)
    parser.add_argument("--lea", default="838", help="the council's DfE 3-digit LA code")
    parser.add_argument("--errors", action="store_true", help="add one of each deliberate mistake")
    args = parser.parse_args(argv)
    for folder in generate(args.out, args.as_at, args.seed, args.children, args.lea, args.errors):
        print(folder)


if __name__ == "__main__":
    main()
