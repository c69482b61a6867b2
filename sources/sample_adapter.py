"""A requests transport that answers from the bundled offline snapshot in `sources/samples/`.

Files are laid out by host and path, mirroring the publishers' URLs:
`https://data.dft.gov.uk/road-accidents-safety-data/x.csv` is
`samples/data.dft.gov.uk/road-accidents-safety-data/x.csv`. A query string is kept in the file name
after an `@`, with its parameters sorted (`by_indicator_id@child_area_type_id=502&indicator_ids=90284`), so a
JSON API's answer is a file named by its path and query like any other (`api/data-set-files@latestOnly=true&...`).
A body without a file extension is served as JSON when it starts with `{` or `[` (as the APIs label theirs).
Answers carry an ETag from the file's size and time and honour If-None-Match, so conditional GETs behave as live.
"""

from __future__ import annotations

import io
import mimetypes
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict


def sample_path(root: Path, url: str) -> Path:
    """Where the snapshot keeps the body for `url`."""
    parts = urlsplit(url)
    relative = parts.path.lstrip("/")
    if parts.query:
        relative += "@" + urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return Path(root) / parts.netloc / relative


class SampleAdapter(HTTPAdapter):
    """Serves GETs from disk; anything missing is a 404, as a publisher would answer."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = Path(root)

    def send(self, request: PreparedRequest, **kwargs: object) -> Response:  # type: ignore[override]
        path = sample_path(self.root, request.url or "")
        response = Response()
        response.url = request.url or ""
        response.request = request
        response.headers = CaseInsensitiveDict()
        if not path.is_file():
            response.status_code = 404
            response.reason = "Not Found"
            response.raw = io.BytesIO(f"no bundled sample at {path}".encode())
            return response
        etag = _etag(path)
        response.headers["ETag"] = etag
        if request.headers.get("If-None-Match") == etag:
            response.status_code = 304
            response.reason = "Not Modified"
            response.raw = io.BytesIO(b"")
            return response
        response.status_code = 200
        response.reason = "OK"
        content_type = mimetypes.guess_type(path.name.split("@")[0])[0] or _sniffed_type(path)
        response.headers["Content-Type"] = content_type
        response.headers["Content-Length"] = str(path.stat().st_size)
        response.raw = _Body(path)  # streamed as a live body is: a national file is gigabytes
        return response


class _Body(io.FileIO):
    """A sample file read as a response body, closed when read to its end (requests closes a body it has
    consumed only by dropping it)."""

    def read(self, size: int = -1) -> bytes:
        data = super().read(size)
        if not data:
            self.close()
        return data


def _etag(path: Path) -> str:
    """An ETag from the file's size and modification time, as web servers make them (nginx, Apache): it changes
    when the file does, without reading gigabytes to hash them on every conditional request."""
    status = path.stat()
    return f'"{status.st_size:x}-{status.st_mtime_ns:x}"'


def _sniffed_type(path: Path) -> str:
    """JSON when the body starts like JSON (the APIs' answers carry no file extension)."""
    with open(path, "rb") as handle:
        start = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return "application/json; charset=utf-8" if start in (b"{", b"[") else "application/octet-stream"
