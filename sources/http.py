"""Fetching publishers' files: one requests session, retries, conditional GET and an immutable raw store.

Every source goes through `Downloader.fetch`, live or offline. Offline, the session answers from
`sources/samples/` through `SampleAdapter`, so parsing, landing and checks run exactly as they do live.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from sources.errors import SourceError
from sources.sample_adapter import SampleAdapter

USER_AGENT = "safe-outcomes/0.1 (+https://github.com/safe-outcomes; council outcomes monitoring)"
CHUNK_BYTES = 8 << 20
# Connecting is retried at most this often (backoff 0, 2, 4 s with the default factor): a host that does not resolve
# or refuses for that long is down for the run (HostBreaker), not a blip. Reads, 429 and 5xx keep `retries`.
CONNECT_RETRIES_MAX = 3
UNREACHABLE = frozenset(
    {"NameResolutionError", "gaierror", "ConnectionRefusedError", "ConnectTimeoutError", "ConnectTimeout"}
)


@dataclass(frozen=True)
class HttpSettings:
    """How patient and how trusting the client is; every number here is configuration."""

    connect_timeout_s: float = 10.0
    read_timeout_s: float = 120.0
    retries: int = 5
    backoff_factor: float = 1.0
    backoff_max_s: float = 120.0
    max_bytes: int = 4 * 1024**3


@dataclass(frozen=True)
class FetchedFile:
    """A file in the raw store and how it got there: the facts `meta.loads` records."""

    url: str
    path: Path
    sha256: str
    bytes: int
    etag: str | None
    last_modified: str | None
    status: str  # "downloaded" or "not_modified"
    fetched_at: str
    # The stored copy's modification time when it was written: a copy still of that size and time is the one
    # fetched (as git's index trusts a file's stat), so an unchanged run does not re-hash gigabytes.
    mtime_ns: int | None = None

    @property
    def changed(self) -> bool:
        return self.status == "downloaded"

    def intact(self) -> bool:
        """The stored copy is still the bytes fetched: its size and modification time are as written, or, for a
        copy remembered without them, its hash still matches."""
        status = self.path.stat()
        if self.mtime_ns is not None:
            return status.st_size == self.bytes and status.st_mtime_ns == self.mtime_ns
        return file_sha256(self.path) == self.sha256


def build_session(settings: HttpSettings, sample_root: Path | None = None) -> requests.Session:
    """A session with urllib3 retries on 429 and 5xx (honouring Retry-After) and exponential backoff.

    With `sample_root`, requests are answered from the bundled snapshot instead of the network.
    """
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    if sample_root is not None:
        adapter: HTTPAdapter = SampleAdapter(sample_root)
    else:
        retry = Retry(
            total=settings.retries,
            connect=min(settings.retries, CONNECT_RETRIES_MAX),
            read=settings.retries,
            status=settings.retries,
            backoff_factor=settings.backoff_factor,
            backoff_max=settings.backoff_max_s,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=frozenset({"GET", "HEAD"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


STORED_NAME = re.compile(r"^[0-9a-f]{64}-")


class RawStore:
    """Immutable, content-addressed files under `<root>/<publisher>/<dataset>/`.

    A file is never rewritten: its name carries its sha256. A small index per URL remembers the
    validators (ETag, Last-Modified) of the latest copy, for conditional GETs.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def folder(self, publisher: str, dataset: str) -> Path:
        return self.root / publisher / dataset

    def _index_path(self, publisher: str, dataset: str, url: str) -> Path:
        key = hashlib.sha256(url.encode()).hexdigest()[:16]
        return self.folder(publisher, dataset) / "_index" / f"{key}.json"

    def last_fetch(self, publisher: str, dataset: str, url: str) -> FetchedFile | None:
        index = self._index_path(publisher, dataset, url)
        if not index.exists():
            return None
        record = json.loads(index.read_text())
        record["path"] = Path(record["path"])
        fetched = FetchedFile(**record)
        return fetched if fetched.path.exists() else None

    def remember(self, publisher: str, dataset: str, fetched: FetchedFile) -> None:
        index = self._index_path(publisher, dataset, fetched.url)
        _private_folder(index.parent, self.root)
        record = asdict(fetched) | {"path": str(fetched.path)}
        _atomic_write_text(index, json.dumps(record, indent=2))

    def prune(self, needed: set[str], superseded: int) -> list[Path]:
        """Delete old copies: of each file keep the latest fetch, the `superseded` newest copies before it, and
        every copy whose sha256 is in `needed` (what the warehouse's loads would re-land); return what went.

        Without this the store kept every version of every file forever (2.7 GB after one national run).
        """
        removed: list[Path] = []
        for index in self.root.glob("*/*/_index"):
            folder = index.parent
            latest = {Path(json.loads(entry.read_text())["path"]).name for entry in index.glob("*.json")}
            copies: dict[str, list[Path]] = {}
            for path in folder.iterdir():
                if path.is_file() and STORED_NAME.match(path.name):
                    copies.setdefault(path.name[65:], []).append(path)
            for versions in copies.values():
                older = sorted(
                    (path for path in versions if path.name not in latest),
                    key=lambda path: path.stat().st_mtime_ns,
                    reverse=True,
                )
                for path in older[superseded:]:
                    if path.name[:64] not in needed:
                        path.unlink()
                        removed.append(path)
        return removed


class HostBreaker:
    """The hosts one run could not reach, and why: a later request to one fails at once, naming the first cause.

    Without it, a run with no network asked every host again for every file and every step retry, and took 987 s to
    say `Exceeded max_retries` eight times. A host is down for the run once the client's own connection retries are
    spent (DNS, refused, connect timeout); the next run asks again.
    """

    def __init__(self) -> None:
        self._down: dict[str, str] = {}
        self._lock = threading.Lock()

    def check(self, url: str) -> None:
        host = urlsplit(url).netloc
        with self._lock:
            cause = self._down.get(host)
        if cause is not None:
            raise SourceError(url, f"{cause}; not asked again in this run")

    def trip(self, url: str, cause: str) -> None:
        with self._lock:
            self._down.setdefault(urlsplit(url).netloc, cause)


_BREAKERS: dict[str, HostBreaker] = {}
_BREAKERS_LOCK = threading.Lock()


def breaker_for(run_id: str) -> HostBreaker:
    """The one breaker of a run (every step of it in this process shares what it learnt)."""
    with _BREAKERS_LOCK:
        return _BREAKERS.setdefault(run_id, HostBreaker())


class Downloader:
    """Streams a URL into the raw store, reusing the last copy when the publisher answers 304.

    With a `breaker` (a run's), a host that cannot be reached fails the fetch for good (no step retry) and every
    later fetch from it at once; without one, such a failure is transient (the caller may try again).
    """

    def __init__(
        self, session: requests.Session, store: RawStore, settings: HttpSettings, breaker: HostBreaker | None = None
    ) -> None:
        self.session = session
        self.store = store
        self.settings = settings
        self.breaker = breaker

    def fetch(self, url: str, publisher: str, dataset: str, expect: str = "csv") -> FetchedFile:
        """Fetch `url` and return the stored file; raise `SourceError` naming the URL on any failure.

        `expect` is "csv" or "json": a body that is empty or is an HTML page is refused, because
        publishers serve their error pages with status 200.
        """
        previous = self.store.last_fetch(publisher, dataset, url)
        if previous is not None and not previous.intact():
            # The stored copy was changed on disk since it was fetched: never reuse it (a 304 would), fetch anew.
            previous = None
        headers = {}
        if previous and previous.etag:
            headers["If-None-Match"] = previous.etag
        if previous and previous.last_modified:
            headers["If-Modified-Since"] = previous.last_modified
        if self.breaker is not None:
            self.breaker.check(url)
        try:
            response = self.session.get(
                url,
                headers=headers,
                stream=True,
                timeout=(self.settings.connect_timeout_s, self.settings.read_timeout_s),
            )
        except requests.exceptions.RequestException as error:
            cause = root_cause(error, url, self.settings)
            if self.breaker is not None and unreachable(error):
                self.breaker.trip(url, cause)
                raise SourceError(url, cause, transient=False) from error
            raise SourceError(url, cause, transient=True) from error
        with response:
            if response.status_code == 304 and previous is not None:
                if previous.mtime_ns is None:  # remembered before times were kept; its hash was just checked
                    _date_copy(previous.path)
                    self.store.remember(
                        publisher, dataset, replace(previous, mtime_ns=previous.path.stat().st_mtime_ns)
                    )
                return replace(previous, status="not_modified", fetched_at=_now())
            if response.status_code >= 400:
                transient = response.status_code == 429 or response.status_code >= 500
                raise SourceError(url, f"HTTP {response.status_code}: {_snippet(response)}", transient=transient)
            try:
                fetched = self._stream_to_store(response, url, publisher, dataset, expect)
            except OSError as error:
                folder = self.store.folder(publisher, dataset)
                raise SourceError(
                    url, f"could not write to the raw store {folder}: {error.strerror or error}"
                ) from error
        self.store.remember(publisher, dataset, fetched)
        return fetched

    def _stream_to_store(
        self, response: requests.Response, url: str, publisher: str, dataset: str, expect: str
    ) -> FetchedFile:
        """Write the body to the store, hashing each chunk on a second thread while the next is read and written
        (hashlib releases the GIL), so a national file costs one pass, not a write and then a hash."""
        folder = self.store.folder(publisher, dataset)
        _private_folder(folder, self.store.root)
        digest = hashlib.sha256()
        size = 0
        head = b""
        handle, partial_name = tempfile.mkstemp(dir=folder, prefix=".partial-")
        partial = Path(partial_name)
        hashing: Future[None] | None = None
        hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")
        try:
            with os.fdopen(handle, "wb") as out:
                try:
                    for chunk in response.iter_content(CHUNK_BYTES):
                        size += len(chunk)
                        if size > self.settings.max_bytes:
                            raise SourceError(url, f"larger than the {self.settings.max_bytes:,}-byte cap")
                        if len(head) < 4096:
                            head += chunk[: 4096 - len(head)]
                        if hashing is not None:
                            hashing.result()
                        hashing = hasher.submit(digest.update, chunk)
                        out.write(chunk)
                except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError) as error:
                    raise SourceError(url, f"body cut short after {size:,} bytes ({error})", transient=True) from error
                except requests.exceptions.Timeout as error:
                    raise SourceError(url, f"timed out while reading the body ({error})", transient=True) from error
                if hashing is not None:
                    hashing.result()
                # On disk before it is named: a copy trusted by its size and time must not be a crash's torn file.
                out.flush()
                os.fsync(out.fileno())
            _sniff(url, head, size, expect, response.headers.get("Content-Type", ""))
            sha = digest.hexdigest()
            final = folder / f"{sha}-{_file_name(url)}"
            _date_copy(partial)
            os.replace(partial, final)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        finally:
            hasher.shutdown(wait=True)
        return FetchedFile(
            url=url,
            path=final,
            sha256=sha,
            bytes=size,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            status="downloaded",
            fetched_at=_now(),
            mtime_ns=final.stat().st_mtime_ns,
        )


def root_cause(error: BaseException, url: str, settings: HttpSettings) -> str:
    """What actually went wrong, in one phrase ("cannot resolve host x"), not urllib3's "Max retries exceeded".

    requests wraps urllib3's MaxRetryError, which wraps the last attempt's error, which wraps the socket's.
    """
    host = urlsplit(url).hostname or url
    chain = _chain(error)
    names = {type(link).__name__ for link in chain}
    retries = min(settings.retries, CONNECT_RETRIES_MAX) if names & UNREACHABLE else settings.retries
    after = f" (after {retries} retries)" if retries else ""
    if "NameResolutionError" in names or "gaierror" in names:
        return f"cannot resolve host {host}{after}: no DNS answer (is this machine offline?)"
    if "ConnectionRefusedError" in names:
        return f"connection refused by {host}{after}"
    if "ConnectionResetError" in names:
        return f"connection reset by {host}{after}"
    if names & {"ConnectTimeoutError", "ConnectTimeout"}:
        return f"no connection to {host} within {settings.connect_timeout_s:g} s{after}"
    if names & {"ReadTimeoutError", "ReadTimeout", "TimeoutError"}:
        return f"timed out: no answer from {host} within {settings.read_timeout_s:g} s{after}"
    return f"could not connect to {host}{after}: {chain[-1]}"


def unreachable(error: BaseException) -> bool:
    """Whether the host could not be reached at all (no DNS answer, refused, no connection in time)."""
    return bool({type(link).__name__ for link in _chain(error)} & UNREACHABLE)


def _chain(error: BaseException) -> list[BaseException]:
    """requests' error, urllib3's, the last attempt's and the socket's, outermost first."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        reason = getattr(current, "reason", None)
        nested = current.args[0] if current.args and isinstance(current.args[0], BaseException) else None
        current = reason if isinstance(reason, BaseException) else nested or current.__cause__ or current.__context__
    return chain


def _sniff(url: str, head: bytes, size: int, expect: str, content_type: str) -> None:
    """Refuse bodies that cannot be the data asked for, before anything parses them."""
    if size == 0:
        raise SourceError(url, "the response body is empty")
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or "text/html" in content_type:
        raise SourceError(url, f"an HTML page was served where {expect.upper()} was expected")
    if expect == "json" and not start.startswith((b"{", b"[")):
        raise SourceError(url, "the body is not JSON")


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in chunks (a national STATS19 file is gigabytes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _date_copy(path: Path) -> None:
    """Date the stored copy a second before now, so any later write to it gives it a newer time however coarse the
    file system's clock is; its size and time then tell an edited copy from the one fetched (as git's index does).
    """
    now = time.time_ns()
    os.utime(path, ns=(now, now - 1_000_000_000))


def _snippet(response: requests.Response) -> str:
    try:
        text = next(response.iter_content(300), b"").decode("utf-8", "replace")
    except requests.exceptions.RequestException:
        text = ""
    return " ".join(text.split())[:300] or response.reason or ""


def _file_name(url: str) -> str:
    name = Path(urlsplit(url).path).name or "index"
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)[:120]


def _private_folder(folder: Path, root: Path) -> None:
    """Create `folder` below the raw store's `root`: every folder created from `root` down is the owner's only
    (0700), like the files in them (mkstemp makes them 0600). Missing folders above `root` get the usual mode."""
    root.parent.mkdir(parents=True, exist_ok=True)
    for path in [*reversed(folder.relative_to(root).parents), folder.relative_to(root)]:
        try:
            os.mkdir(root / path, 0o700)
        except FileExistsError:
            continue


def _atomic_write_text(path: Path, text: str) -> None:
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    with os.fdopen(handle, "w") as out:
        out.write(text)
    os.replace(tmp, path)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
