"""The council's own statutory returns, read from its drop folder: the CIN census (XML) and SSDA903 (CSV tables).

A case management system exports these in DfE's formats (`sources.cin_census`, `sources.ssda903`). Problems
with single values (a date that is not a date) do not stop the parse: they come back as `RowProblem`s naming
the file, the line and the field, so the data officer gets every problem in one report. A file that cannot be
read at all raises `FormatError`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd

from sources.cin_census import SCHEMA, CinExtract, read_cin_census
from sources.drop_folders import quarter_folders
from sources.errors import FormatError
from sources.return_frames import RowProblem
from sources.ssda903 import S903_TABLES, S903Table, read_s903, s903_table_name

__all__ = [
    "S903_TABLES",
    "SCHEMA",
    "CinExtract",
    "RowProblem",
    "S903Table",
    "read_cin_census",
    "read_s903",
    "s903_table_name",
]

PUBLISHER = "council_returns"


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


# The tables the quarterly indicators need from every quarter's folder.
REQUIRED_TABLES = ("cin_referrals", "s903_header", "s903_episodes")


def read_extract(path: Path, max_bytes: int, lea: str | None) -> tuple[dict[str, pd.DataFrame], list[RowProblem]]:
    """One extract file's tables by landing table name, and the values that could not be read.

    A CIN census for another local authority than the council's (DfE's three-digit `lea`) is refused: it would
    put another council's children into this council's figures.
    """
    if path.suffix.lower() == ".xml":
        extract = read_cin_census(path, max_bytes)
        if lea and extract.lea and extract.lea != lea:
            raise FormatError(
                path.name, f"the return is for local authority {extract.lea}, but the council configured is {lea}"
            )
        return extract.tables(), []
    table = read_s903(path, max_bytes)
    return {f"s903_{table.name}": table.frame}, table.problems


def table_problems(files: list[tuple[str, list[str]]], folder: str) -> list[tuple[str | None, FormatError]]:
    """A quarter's files must hold each table once, and the tables the indicators need: (file, problem) pairs."""
    problems: list[tuple[str | None, FormatError]] = []
    seen: set[str] = set()
    for name, tables in files:
        for table in tables:
            if table in seen:
                problems.append(
                    (name, FormatError(name, f"a second file with the {table} table for the same quarter end"))
                )
            seen.add(table)
    problems += [
        (None, FormatError(folder, f"no file with the {table} table")) for table in REQUIRED_TABLES if table not in seen
    ]
    return problems


def children_problems(
    header: tuple[str, pd.DataFrame], episodes: tuple[str, pd.DataFrame]
) -> list[tuple[str, FormatError]]:
    """The SSDA903 header lists every child looked after in the year and the episodes file each child's episodes,
    so a child in one and not the other means a file was cut short (a half-copied file ends at a line boundary
    and every row of it reads well). Names the file that lacks children and the lines of the other that name
    them, never a child's id (it is personal)."""
    if header[1]["child"].isna().any() or episodes[1]["child"].isna().any():
        return []  # a blank id is the rules' to report ("the child id is present"), with its line: not a cut file
    problems = []
    for (name, frame), (other_name, other) in ((episodes, header), (header, episodes)):
        lacking = other[~other["child"].isin(set(frame["child"]))]
        if lacking.empty:
            continue
        lines = ", ".join(str(line) for line in lacking["_source_row"].head(5))
        more = f" and {len(lacking) - 5} more" if len(lacking) > 5 else ""
        last = int(frame["_source_row"].max()) if not frame.empty else 1
        problems.append(
            (
                name,
                FormatError(
                    name,
                    f"{len(lacking)} children of {other_name} (lines {lines}{more}) are not in this file, which "
                    f"ends at line {last}: it was probably cut short while copying; copy it again from the "
                    "case management system's export",
                    line=last,
                    column="CHILD",
                ),
            )
        )
    return problems
