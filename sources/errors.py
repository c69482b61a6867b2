"""Errors a council's data engineer can act on: each names the URL or file, and the line and column."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path


class SourceError(RuntimeError):
    """A publisher's response could not be used (HTTP error, HTML page, empty or cut-short body).

    `transient` says whether trying again later may help (timeouts, refused connections, 5xx after the
    client's own retries); an HTML page, an empty body or a 404 will not fix itself within a run.
    """

    def __init__(self, url: str, problem: str, transient: bool = False) -> None:
        super().__init__(f"{url}: {problem}")
        self.url = url
        self.problem = problem
        self.transient = transient


class FormatError(ValueError):
    """A file is not in a format the loader knows: names the file, and the line and column where known."""

    def __init__(self, file: str, problem: str, line: int | None = None, column: str | None = None) -> None:
        where = file
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {problem}")
        self.file = file
        self.line = line
        self.column = column
        self.problem = problem


def not_utf8(file: str, path: Path) -> FormatError:
    """Where a file stops being UTF-8, as a line and CSV column a person can open the file at.

    A decoder's byte offset (`position 1823`) means nothing in a spreadsheet or an editor; the line, the
    column's name from the header and the offending byte do, and the usual cause (a copy saved by Excel as
    "CSV" in Windows-1252 rather than "CSV UTF-8") says what to do about it.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, line_start = 1, b""
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                before = chunk[: error.start]
                line += before.count(b"\n")
                line_start = (line_start + before)[(line_start + before).rfind(b"\n") + 1 :]
                return _undecodable(file, path, line, line_start, chunk[error.start])
            line += chunk.count(b"\n")
            line_start = (line_start + chunk)[(line_start + chunk).rfind(b"\n") + 1 :]
    return FormatError(file, "the file is not UTF-8 text (it ends inside a character)", line=line)


def _undecodable(file: str, path: Path, line: int, line_start: bytes, byte: int) -> FormatError:
    """Name the column the bad byte falls in, by the header's names when the file has a readable header."""
    with open(path, "rb") as handle:
        header = next(csv.reader([handle.readline().decode("utf-8-sig", "replace").rstrip("\r\n")]), [])
    index = max(len(next(csv.reader([line_start.decode("utf-8", "replace")]), [])), 1) - 1
    column = header[index] if line > 1 and index < len(header) else f"field {index + 1}"
    return FormatError(
        file,
        f"byte 0x{byte:02x} is not UTF-8 (at character {len(line_start.decode('utf-8', 'replace')) + 1} of the "
        "line): the publishers' files are UTF-8, so this copy was probably re-saved in Windows-1252; download "
        "it again, or save it from Excel as 'CSV UTF-8'",
        line=line,
        column=column,
    )
