"""Errors a council's data engineer can act on: each names the URL or file, and the line and column."""

from __future__ import annotations


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
