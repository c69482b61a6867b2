"""The council's CIN census return (XML), read safely and checked against DfE's schema.

The file is size-checked, parsed with defusedxml (no DTDs, no entities, no network), then validated against
DfE's XSD with xmlschema. Each element keeps the line it stands on, so every problem names file and line
(and the element), and never quotes a personal value (`PERSONAL`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from sources.errors import FormatError
from sources.return_frames import RowProblem, table_frame

SCHEMA = Path(__file__).resolve().parent / "schemas" / "CIN_schema_2024.xsd"
# Elements whose value is personal (identifies a child, or is their date of birth or death): a message never
# quotes it, since messages reach the console, Dagster's event log, compute logs and the problem report. Each
# with what a valid value looks like, which is what the data officer needs to put it right.
PERSONAL = {
    "LAchildID": "a child id of at least one character",
    "UPN": "a unique pupil number: a letter and 12 digits, or a letter, 11 digits and a letter",
    "FormerUPN": "a unique pupil number: a letter and 12 digits, or a letter, 11 digits and a letter",
    "PersonBirthDate": "a date YYYY-MM-DD",
    "ExpectedPersonBirthDate": "a date YYYY-MM-DD",
    "PersonDeathDate": "a date YYYY-MM-DD",
}
# Personal values shorter than this are not searched for in other messages: too short to identify anyone, and
# replacing them would garble the message (a child id '7' and 'at position 7').
SCRUB_MIN_LENGTH = 4


@dataclass
class CinExtract:
    """A CIN census file as tables, one row per element, each with the line of the element in the file."""

    children: pd.DataFrame
    referrals: pd.DataFrame
    assessments: pd.DataFrame
    plans: pd.DataFrame
    cpps: pd.DataFrame
    lea: str | None = None
    problems: list[RowProblem] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The frames by the landing table each goes to."""
        return {
            "cin_children": self.children,
            "cin_referrals": self.referrals,
            "cin_assessments": self.assessments,
            "cin_plans": self.plans,
            "cin_cpps": self.cpps,
        }


class _LineRecorder(TreeBuilder):
    """A tree builder that notes the line each element starts on, in document order (ElementTree keeps none)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[int] = []
        self.parser: DefusedXMLParser | None = None

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        """Note the parser's current line, then build the element as usual."""
        assert self.parser is not None
        self.lines.append(self.parser.parser.CurrentLineNumber)
        return super().start(tag, attrs)


def read_cin_census(path: Path, max_bytes: int, schema_path: Path = SCHEMA) -> CinExtract:
    """Parse and validate a CIN census XML file; raise FormatError if it is unsafe, malformed or off-schema."""
    name = path.name
    size = path.stat().st_size
    if size > max_bytes:
        raise FormatError(name, f"the file is {size:,} bytes, over the configured limit of {max_bytes:,}")
    recorder = _LineRecorder()
    parser = DefusedXMLParser(target=recorder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    recorder.parser = parser
    try:
        parser.feed(path.read_bytes())
        root = parser.close()
    except DefusedXmlException as error:
        raise FormatError(name, f"refused: the file declares a DTD or entity ({type(error).__name__})") from None
    except ParseError as error:
        line, column = error.position
        raise FormatError(
            name, f"not well-formed XML ({str(error).split(':')[0]}, column {column})", line=line
        ) from None
    lines = {id(element): line for element, line in zip(root.iter(), recorder.lines, strict=True)}
    errors = list(_schema(str(schema_path)).iter_errors(root))
    if errors:
        first = errors[0]
        element = getattr(first, "elem", None)
        line = lines.get(id(element)) if element is not None else None
        tag = str(first.path).rsplit("/", 1)[-1].split("[", 1)[0]
        raise FormatError(
            name,
            f"fails DfE's CIN census schema at {first.path}: {_schema_reason(first, tag, root)}"
            + (f" ({len(errors) - 1} more schema errors)" if len(errors) > 1 else ""),
            line=line,
            column=tag or None,
        )
    extract = _cin_tables(name, root, lines)
    extract.lea = root.findtext("Header/Source/LEA")
    return extract


def _schema_reason(error: Any, tag: str, root: Element) -> str:
    """Why the element fails the schema, without any personal value.

    xmlschema's own message quotes the value and the element's XML (a date of birth, a UPN), so it is never used;
    its short reason is, except for a personal element, where the reason says what a valid value looks like.
    Any personal value of the file that still appears in a reason is taken out.
    """
    if tag in PERSONAL:
        return f"{tag} is not valid: expected {PERSONAL[tag]} (the value is left out: it is personal)"
    reason = str(error.reason or "the element does not match the schema")
    values = (element.text.strip() for element in root.iter() if element.tag in PERSONAL and element.text)
    personal = {value for value in values if len(value) >= SCRUB_MIN_LENGTH}
    for value in sorted(personal, key=len, reverse=True):
        reason = reason.replace(value, "(personal value left out)")
    return reason


@cache
def _schema(path: str) -> Any:
    """DfE's schema, built once per process (about 0.3 s); no network, local files only, XML defused."""
    import xmlschema  # imported only when a CIN file is read

    return xmlschema.XMLSchema(path, allow="local", defuse="always")


def _text(parent: Element, tag: str) -> str | None:
    child = parent.find(tag)
    if child is None or child.text is None or not child.text.strip():
        return None
    return child.text.strip()


def _iso(value: str | None) -> date | None:
    # The schema has already checked xs:date, so these always parse.
    return date.fromisoformat(value[:10]) if value else None


def _cin_tables(name: str, root: Element, lines: dict[int, int]) -> CinExtract:
    children, referrals, assessments, plans, cpps = [], [], [], [], []
    for child in root.iter("Child"):
        identifiers = child.find("ChildIdentifiers")
        child_id = _text(identifiers, "LAchildID") if identifiers is not None else None
        children.append(
            {
                "la_child_id": child_id,
                "birth_date": _iso(_text(identifiers, "PersonBirthDate")) if identifiers is not None else None,
                "gender": _text(identifiers, "GenderCurrent") if identifiers is not None else None,
                "_source_row": lines[id(child)],
            }
        )
        for episode, details in enumerate(child.iter("CINdetails"), start=1):
            referral_date = _iso(_text(details, "CINreferralDate"))
            keys = {"la_child_id": child_id, "episode": episode, "referral_date": referral_date}
            referrals.append(
                {
                    **keys,
                    "referral_source": _text(details, "ReferralSource"),
                    "primary_need": _text(details, "PrimaryNeedCode"),
                    "closure_date": _iso(_text(details, "CINclosureDate")),
                    "reason_for_closure": _text(details, "ReasonForClosure"),
                    "referral_nfa": (_text(details, "ReferralNFA") or "").lower() in ("true", "1"),
                    "_source_row": lines[id(details)],
                }
            )
            for assessment in details.iter("Assessments"):
                assessments.append(
                    {
                        **keys,
                        "assessment_start": _iso(_text(assessment, "AssessmentActualStartDate")),
                        "assessment_authorised": _iso(_text(assessment, "AssessmentAuthorisationDate")),
                        "_source_row": lines[id(assessment)],
                    }
                )
            for plan in details.iter("CINPlanDates"):
                plans.append(
                    {
                        **keys,
                        "plan_start": _iso(_text(plan, "CINPlanStartDate")),
                        "plan_end": _iso(_text(plan, "CINPlanEndDate")),
                        "_source_row": lines[id(plan)],
                    }
                )
            for cpp in details.iter("ChildProtectionPlans"):
                previous = _text(cpp, "NumberOfPreviousCPP")
                cpps.append(
                    {
                        **keys,
                        "cpp_start": _iso(_text(cpp, "CPPstartDate")),
                        "cpp_end": _iso(_text(cpp, "CPPendDate")),
                        "initial_category": _text(cpp, "InitialCategoryOfAbuse"),
                        "latest_category": _text(cpp, "LatestCategoryOfAbuse"),
                        "number_of_previous_cpp": int(previous) if previous else None,
                        "_source_row": lines[id(cpp)],
                    }
                )
    return CinExtract(
        children=table_frame(children, ["la_child_id", "birth_date", "gender"], ["birth_date"]),
        referrals=table_frame(
            referrals,
            [
                "la_child_id",
                "episode",
                "referral_date",
                "referral_source",
                "primary_need",
                "closure_date",
                "reason_for_closure",
                "referral_nfa",
            ],
            ["referral_date", "closure_date"],
        ),
        assessments=table_frame(
            assessments,
            ["la_child_id", "episode", "referral_date", "assessment_start", "assessment_authorised"],
            ["referral_date", "assessment_start", "assessment_authorised"],
        ),
        plans=table_frame(
            plans,
            ["la_child_id", "episode", "referral_date", "plan_start", "plan_end"],
            ["referral_date", "plan_start", "plan_end"],
        ),
        cpps=table_frame(
            cpps,
            [
                "la_child_id",
                "episode",
                "referral_date",
                "cpp_start",
                "cpp_end",
                "initial_category",
                "latest_category",
                "number_of_previous_cpp",
            ],
            ["referral_date", "cpp_start", "cpp_end"],
        ),
    )
