"""The council's own statutory returns, read from its drop folder: the CIN census (XML) and SSDA903 (CSV tables).

A case management system exports these in DfE's formats. The CIN census is parsed with defusedxml (no DTDs,
no entities, no network) after a size check, then validated against DfE's XSD with xmlschema; SSDA903 tables
are recognised by their header and read by column name. Problems with single values (a date that is not a
date) do not stop the parse: they come back as `RowProblem`s naming the file, the line and the field, so the
data officer gets every problem in one report. A file that cannot be read at all raises `FormatError`.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from sources.errors import FormatError

PUBLISHER = "council_returns"
SCHEMA = Path(__file__).resolve().parent / "schemas" / "CIN_schema_2024.xsd"
# Councils' systems write SSDA903 dates as dd/mm/yyyy; some exports use ISO dates, Excel's date-times or
# two-digit years (tried first: '%d/%m/%Y' would read '01/02/24' as the year 24).
DATE_FORMATS = ("%d/%m/%y", "%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S")

# Elements whose value identifies a child: schema errors about them never quote the value.
IDENTIFIERS = {"LAchildID", "UPN", "FormerUPN"}
# SSDA903 tables by their header (sources.md 4.5); the dates of each are parsed, the rest kept as text.
S903_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "header": (("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"), ("DOB", "MC_DOB")),
    "episodes": (
        (
            "CHILD",
            "DECOM",
            "RNE",
            "LS",
            "CIN",
            "PLACE",
            "PLACE_PROVIDER",
            "DEC",
            "REC",
            "REASON_PLACE_CHANGE",
            "HOME_POST",
            "PL_POST",
            "URN",
        ),
        ("DECOM", "DEC"),
    ),
    "ad1": (
        ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
        ("DOB", "DATE_INT", "DATE_MATCH"),
    ),
    "placed_adoption": (
        ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
        ("DOB", "DATE_PLACED", "DATE_PLACED_CEASED"),
    ),
    "missing": (("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"), ("DOB", "MIS_START", "MIS_END")),
}
# Columns that tell one table from another when a header is incomplete: the error can then name the table.
S903_MARKERS = {
    "episodes": "DECOM",
    "ad1": "DATE_INT",
    "placed_adoption": "DATE_PLACED",
    "missing": "MIS_START",
    "header": "ETHNIC",
}


@dataclass(frozen=True)
class RowProblem:
    """One value that could not be read: where it is and what is wrong, for the data officer's report."""

    file: str
    line: int
    field: str
    child: str | None
    problem: str
    value: str | None = None


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


@dataclass
class S903Table:
    """One SSDA903 CSV table, columns lower-cased, dates parsed, each row with its Excel-style row number."""

    name: str
    frame: pd.DataFrame
    problems: list[RowProblem] = field(default_factory=list)


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
        reason = first.reason or first.message
        if str(first.path).rsplit("/", 1)[-1] in IDENTIFIERS:
            reason = "the identifier is not valid (its value is left out: it would identify a child)"
        raise FormatError(
            name,
            f"fails DfE's CIN census schema at {first.path}: {reason}"
            + (f" ({len(errors) - 1} more schema errors)" if len(errors) > 1 else ""),
            line=line,
        )
    extract = _cin_tables(name, root, lines)
    extract.lea = root.findtext("Header/Source/LEA")
    return extract


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
        children=_frame(children, ["la_child_id", "birth_date", "gender"], ["birth_date"]),
        referrals=_frame(
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
        assessments=_frame(
            assessments,
            ["la_child_id", "episode", "referral_date", "assessment_start", "assessment_authorised"],
            ["referral_date", "assessment_start", "assessment_authorised"],
        ),
        plans=_frame(
            plans,
            ["la_child_id", "episode", "referral_date", "plan_start", "plan_end"],
            ["referral_date", "plan_start", "plan_end"],
        ),
        cpps=_frame(
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


def _frame(rows: list[dict[str, Any]], columns: list[str], dates: list[str]) -> pd.DataFrame:
    """A frame with fixed columns even when empty, dates as datetime64 (DuckDB lands them as DATE)."""
    frame = pd.DataFrame(rows, columns=[*columns, "_source_row"])
    for column in dates:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
    frame["_source_row"] = frame["_source_row"].astype("int64")
    return frame


def s903_table_name(header: list[str]) -> str:
    """Which SSDA903 table a header belongs to; FormatError naming the missing columns if it is incomplete."""
    columns = {column.strip().upper() for column in header}
    for name, (expected, _) in S903_TABLES.items():
        if set(expected) <= columns:
            return name
    for name, marker in S903_MARKERS.items():
        if marker in columns:
            missing = [column for column in S903_TABLES[name][0] if column not in columns]
            raise FormatError("", f"looks like the SSDA903 {name} table but lacks the column(s) {', '.join(missing)}")
    raise FormatError(
        "", "the header is not one of the SSDA903 tables (header, episodes, AD1, PlacedAdoption, Missing)"
    )


def read_s903(path: Path, max_bytes: int) -> S903Table:
    """Read one SSDA903 CSV table, recognised by its header; dates that do not parse become RowProblems."""
    name = path.name
    size = path.stat().st_size
    if size > max_bytes:
        raise FormatError(name, f"the file is {size:,} bytes, over the configured limit of {max_bytes:,}")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FormatError(name, f"not UTF-8 text (byte {error.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise FormatError(name, "the file is empty")
    try:
        table = s903_table_name(header)
    except FormatError as error:
        raise FormatError(name, error.problem, line=1) from None
    expected, date_columns = S903_TABLES[table]
    position = {column.strip().upper(): index for index, column in enumerate(header)}
    rows, problems = [], []
    for row_number, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            raise FormatError(name, f"expected {len(header)} values but found {len(values)}", line=row_number)
        record: dict[str, Any] = {}
        for column in expected:
            value = values[position[column]].strip()
            record[column.lower()] = value or None
        for column in date_columns:
            raw = record[column.lower()]
            parsed = _s903_date(raw)
            if raw is not None and parsed is None:
                problems.append(
                    RowProblem(name, row_number, column, record["child"], "not a date in a format councils use", raw)
                )
            record[column.lower()] = parsed
        record["_source_row"] = row_number
        rows.append(record)
    # A table with a header and no rows is a real answer (no child went missing this quarter).
    frame = _frame(rows, [column.lower() for column in expected], [column.lower() for column in date_columns])
    return S903Table(table, frame, problems)


def _s903_date(value: str | None) -> date | None:
    if value is None:
        return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def quarter_folders(root: Path) -> dict[date, Path]:
    """The drop folder's subfolders named by the quarter end the extract was taken on (YYYY-MM-DD)."""
    folders = {}
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        if not folder.is_dir():
            continue
        try:
            folders[date.fromisoformat(folder.name)] = folder
        except ValueError:
            continue
    return folders


def extract_files(folder: Path) -> list[Path]:
    """The extract files in a quarter's folder: XML and CSV, not hidden (half-copied files are often hidden)."""
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and not path.name.startswith(".") and path.suffix.lower() in (".xml", ".csv")
    )


def file_sha256(path: Path) -> str:
    """The file's SHA-256, read in chunks: what meta.loads records and the sensor compares."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def scan_drop_folder(root: Path, known: dict[str, list[Any]]) -> tuple[dict[str, str], dict[str, list[Any]]]:
    """Fingerprint every quarter's files by content: `({quarter end: digest}, file facts for next time)`.

    A file whose size and modification time are unchanged keeps its known hash, so the folder is not re-read
    every time; a file touched or copied again is hashed, and only a change of content changes the digest.
    """
    facts: dict[str, list[Any]] = {}
    digests = {}
    for as_at, folder in quarter_folders(root).items():
        parts = []
        for path in extract_files(folder):
            relative = f"{folder.name}/{path.name}"
            stat = path.stat()
            previous = known.get(relative)
            if previous and previous[0] == stat.st_size and previous[1] == stat.st_mtime_ns:
                sha256 = previous[2]
            else:
                sha256 = file_sha256(path)
            facts[relative] = [stat.st_size, stat.st_mtime_ns, sha256]
            parts.append(f"{path.name}:{sha256}")
        if parts:
            digests[as_at.isoformat()] = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return digests, facts
