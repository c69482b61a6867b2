"""Older DuckDB releases, as report tools embed them, in virtual environments of their own; and a small reader
for the Excel workbook (its XML, with the standard library only).

Each environment is made once with `python -m venv` and pip from PyPI, under a cache folder
(`$SAFE_OUTCOMES_TEST_CACHE`, else `~/.cache/safe-outcomes`), and reused by every later run and worktree. It is
made under a file lock and marked complete last (a virtual environment cannot be moved once made), so two test
runs never share half an environment. When PyPI cannot be reached, the tests that need one are skipped with
pip's own words.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

# The oldest DuckDB that reads the snapshot (storage format 64, with column comments) and has a wheel for
# Python 3.11; and the DuckDB command line from PyPI that could not open the snapshot before issue 12.
OLDEST_PYTHON_READER = "duckdb==0.10.3"
COMMAND_LINE_READER = "duckdb-cli==1.5.6"
NETWORK_TROUBLE = (
    "No matching distribution",
    "Could not find a version",
    "Failed to establish",
    "Temporary failure in name resolution",
    "Connection refused",
    "Network is unreachable",
    "ProxyError",
    "Read timed out",
    "ConnectTimeout",
)


def cache_root() -> Path:
    configured = os.environ.get("SAFE_OUTCOMES_TEST_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "safe-outcomes"


def reader_environment(requirement: str) -> Path:
    """A virtual environment with `requirement` installed (made once, then reused); skips if PyPI is unreachable."""
    root = cache_root() / "readers"
    root.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9.]+", "-", requirement)
    folder = root / f"{slug}-py{sys.version_info.major}.{sys.version_info.minor}"
    if (folder / ".installed").exists():
        return folder
    with open(root / f".{slug}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (folder / ".installed").exists():
            return folder
        shutil.rmtree(folder, ignore_errors=True)  # half made by a run that was stopped: made again
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, capture_output=True, timeout=300)
        pip = [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        installed = subprocess.run([*pip, requirement], capture_output=True, text=True, timeout=900)
        if installed.returncode != 0:
            shutil.rmtree(folder, ignore_errors=True)
            words = (installed.stderr or installed.stdout).strip().splitlines()
            reason = words[-1] if words else f"exit {installed.returncode}"
            if any(trouble in installed.stderr + installed.stdout for trouble in NETWORK_TROUBLE):
                pytest.skip(f"PyPI unreachable, so {requirement} could not be installed: {reason}")
            raise AssertionError(f"pip install {requirement} failed: {installed.stderr[-2000:]}")
        (folder / ".installed").write_text(requirement + "\n")  # complete: what every later run checks first
    return folder


def read_workbook(path: Path) -> dict[str, dict]:
    """Sheet name -> {"cells": {(row, column): value}, "tables": {table name: (first row, first column, last row,
    last column)}}, rows and columns from 0. Strings, numbers (float) and booleans; dates come back as numbers."""
    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "p": "http://schemas.openxmlformats.org/package/2006/relationships",
    }
    with zipfile.ZipFile(path) as archive:

        def xml(name: str) -> ElementTree.Element:
            return ElementTree.fromstring(archive.read(name))

        def targets(rels: str, folder: str) -> dict[str, str]:
            if rels not in archive.namelist():
                return {}
            return {
                rel.get("Id"): os.path.normpath(os.path.join(folder, rel.get("Target")))
                for rel in xml(rels).findall("p:Relationship", ns)
            }

        shared = []
        if "xl/sharedStrings.xml" in archive.namelist():
            for item in xml("xl/sharedStrings.xml").findall("m:si", ns):
                shared.append("".join(text.text or "" for text in item.iter(f"{{{ns['m']}}}t")))
        sheets = {}
        workbook_rels = targets("xl/_rels/workbook.xml.rels", "xl")
        for sheet in xml("xl/workbook.xml").find("m:sheets", ns):
            part = workbook_rels[sheet.get(f"{{{ns['r']}}}id")]
            cells = {}
            for cell in xml(part).iter(f"{{{ns['m']}}}c"):
                value = cell.find("m:v", ns)
                inline = cell.find("m:is", ns)
                kind = cell.get("t", "n")
                if kind == "inlineStr" and inline is not None:
                    content: object = "".join(text.text or "" for text in inline.iter(f"{{{ns['m']}}}t"))
                elif value is None:
                    continue
                elif kind == "s":
                    content = shared[int(value.text)]
                elif kind == "b":
                    content = value.text == "1"
                elif kind in ("str", "e"):
                    content = value.text
                else:
                    content = float(value.text)
                cells[_coordinates(cell.get("r"))] = content
            tables = {}
            folder, name = os.path.split(part)
            for target in targets(f"{folder}/_rels/{name}.rels", folder).values():
                if "/tables/" in target:
                    table = xml(target)
                    first, last = table.get("ref").split(":")
                    tables[table.get("name")] = (*_coordinates(first), *_coordinates(last))
            sheets[sheet.get("name")] = {"cells": cells, "tables": tables}
    return sheets


def table_rows(sheet: dict, name: str) -> list[dict[str, object]]:
    """The rows of an Excel table on `sheet`, as dicts keyed by its header."""
    first_row, first_column, last_row, last_column = sheet["tables"][name]
    cells = sheet["cells"]
    header = [cells.get((first_row, column)) for column in range(first_column, last_column + 1)]
    return [
        {
            title: cells.get((row, column))
            for title, column in zip(header, range(first_column, last_column + 1), strict=True)
        }
        for row in range(first_row + 1, last_row + 1)
        if any((row, column) in cells for column in range(first_column, last_column + 1))
    ]


def _coordinates(reference: str) -> tuple[int, int]:
    letters, digits = re.fullmatch(r"([A-Z]+)(\d+)", reference).groups()
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return int(digits) - 1, column - 1
