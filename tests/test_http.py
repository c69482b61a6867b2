"""The HTTP client against a local server: retries, Retry-After, timeouts, 304s, and bodies that are not data."""

import hashlib
import json
import socket
import threading
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sources import http
from sources.errors import SourceError
from sources.http import Downloader, HttpSettings, RawStore, build_session

CSV = "collision_index,collision_year\n2024550000001,2024\n"


def downloader(tmp_path: Path, **settings: float) -> Downloader:
    chosen = HttpSettings(**({"retries": 3, "backoff_factor": 0.01, "read_timeout_s": 5.0} | settings))
    return Downloader(build_session(chosen), RawStore(tmp_path / "raw"), chosen)


def test_downloads_into_the_raw_store_named_by_hash(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/data/file.csv").respond_with_data(CSV, content_type="text/csv")
    fetched = downloader(tmp_path).fetch(httpserver.url_for("/data/file.csv"), "dft", "collisions")
    assert fetched.status == "downloaded"
    assert fetched.path.read_text() == CSV
    assert fetched.path.parent == tmp_path / "raw" / "dft" / "collisions"
    assert fetched.path.name.startswith(fetched.sha256)
    assert fetched.bytes == len(CSV)
    assert not list(fetched.path.parent.glob(".partial-*"))


def test_503_then_success_is_retried(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/flaky.csv").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/flaky.csv").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/flaky.csv").respond_with_data(CSV, content_type="text/csv")
    fetched = downloader(tmp_path).fetch(httpserver.url_for("/flaky.csv"), "dft", "collisions")
    assert fetched.path.read_text() == CSV
    assert len(httpserver.log) == 3


def test_429_honours_retry_after(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/limited.csv").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_ordered_request("/limited.csv").respond_with_data(CSV, content_type="text/csv")
    started = time.monotonic()
    downloader(tmp_path).fetch(httpserver.url_for("/limited.csv"), "dft", "collisions")
    assert time.monotonic() - started >= 0.95  # waited as told, not the 0.01 s backoff


def test_persistent_503_gives_up_naming_the_url(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/down.csv").respond_with_data("maintenance", status=503)
    url = httpserver.url_for("/down.csv")
    with pytest.raises(SourceError) as raised:
        downloader(tmp_path, retries=2).fetch(url, "dft", "collisions")
    assert url in str(raised.value)
    assert len(httpserver.log) == 3  # the first try and two retries
    assert "HTTP 503: maintenance" in str(raised.value)  # the last answer, with what the server said
    assert raised.value.transient  # the step may try again later


def test_a_404_is_final_and_not_retried(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone.csv").respond_with_data("Not Found", status=404)
    with pytest.raises(SourceError) as raised:
        downloader(tmp_path, retries=3).fetch(httpserver.url_for("/gone.csv"), "dft", "collisions")
    assert "HTTP 404" in str(raised.value) and not raised.value.transient
    assert len(httpserver.log) == 1


def test_a_host_that_does_not_resolve_is_named_as_the_root_cause(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as raised:
        downloader(tmp_path, retries=1).fetch("https://no-such-host.invalid/data.csv", "dft", "collisions")
    message = str(raised.value)
    assert "cannot resolve host no-such-host.invalid (after 1 retries)" in message
    assert "Max retries exceeded" not in message and raised.value.transient


def test_a_refused_connection_is_named_as_the_root_cause(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SourceError) as raised:
        downloader(tmp_path, retries=0).fetch(f"http://127.0.0.1:{port}/x.csv", "dft", "collisions")
    assert "connection refused by 127.0.0.1" in str(raised.value) and raised.value.transient


def test_a_server_that_hangs_past_the_read_timeout(tmp_path: Path, httpserver: HTTPServer) -> None:
    released = threading.Event()

    def hang(request: Request) -> Response:
        released.wait(timeout=5)
        return Response(CSV)

    httpserver.expect_request("/hang.csv").respond_with_handler(hang)
    url = httpserver.url_for("/hang.csv")
    started = time.monotonic()
    with pytest.raises(SourceError) as raised:
        downloader(tmp_path, retries=0, read_timeout_s=0.3).fetch(url, "dft", "collisions")
    waited = time.monotonic() - started
    released.set()  # let the server's handler finish so it does not spill into the next test
    assert "timed out" in str(raised.value) and url in str(raised.value)
    assert waited < 2.0


def test_304_reuses_the_last_file(tmp_path: Path, httpserver: HTTPServer) -> None:
    etag = '"v1"'

    def conditional(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304)
        return Response(CSV, headers={"ETag": etag, "Last-Modified": "Wed, 01 Oct 2025 09:30:00 GMT"})

    httpserver.expect_request("/cond.csv").respond_with_handler(conditional)
    client = downloader(tmp_path)
    first = client.fetch(httpserver.url_for("/cond.csv"), "dft", "collisions")
    second = client.fetch(httpserver.url_for("/cond.csv"), "dft", "collisions")
    assert (first.status, second.status) == ("downloaded", "not_modified")
    assert second.path == first.path and second.sha256 == first.sha256
    second_request = [request for request, _ in httpserver.log if request.path == "/cond.csv"][1]
    assert second_request.headers.get("If-Modified-Since") == "Wed, 01 Oct 2025 09:30:00 GMT"


@pytest.mark.parametrize(
    ("body", "content_type", "problem"),
    [
        ("<!DOCTYPE html><html><body>Service unavailable</body></html>", "text/csv", "HTML page"),
        ("\n  <html><head><title>Error</title></head></html>", "text/plain", "HTML page"),
        ("collision_index\n1\n", "text/html; charset=utf-8", "HTML page"),
        ("", "text/csv", "empty"),
    ],
)
def test_bodies_that_are_not_csv_are_refused(
    tmp_path: Path, httpserver: HTTPServer, body: str, content_type: str, problem: str
) -> None:
    httpserver.expect_request("/file.csv").respond_with_data(body, content_type=content_type)
    url = httpserver.url_for("/file.csv")
    with pytest.raises(SourceError) as raised:
        downloader(tmp_path).fetch(url, "dft", "collisions")
    assert problem in str(raised.value) and url in str(raised.value)
    assert not list((tmp_path / "raw").rglob("*.csv"))  # nothing half-written is left behind


def test_json_expected_but_not_served(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/x").respond_with_data("a,b\n1,2\n", content_type="text/plain")
    with pytest.raises(SourceError, match="not JSON"):
        downloader(tmp_path).fetch(httpserver.url_for("/api/x"), "ohid", "metadata", expect="json")


def test_size_cap(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big.csv").respond_with_data("x" * 5000, content_type="text/csv")
    with pytest.raises(SourceError, match="cap"):
        downloader(tmp_path, max_bytes=1000).fetch(httpserver.url_for("/big.csv"), "dft", "collisions")


def test_http_error_names_url_and_status(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone.csv").respond_with_data("Not here", status=404)
    url = httpserver.url_for("/gone.csv")
    with pytest.raises(SourceError, match="HTTP 404") as raised:
        downloader(tmp_path).fetch(url, "dft", "collisions")
    assert raised.value.url == url


def test_sample_mode_answers_from_the_bundled_snapshot_with_conditional_get(tmp_path: Path) -> None:
    samples = tmp_path / "samples"
    (samples / "data.example.org" / "files").mkdir(parents=True)
    (samples / "data.example.org" / "files" / "a.csv").write_text(CSV)
    (samples / "data.example.org" / "api" / "all_data").mkdir(parents=True)
    (samples / "data.example.org" / "api" / "all_data" / "by_id@b=2&id=7").write_text("[1]")
    settings = HttpSettings()
    client = Downloader(build_session(settings, sample_root=samples), RawStore(tmp_path / "raw"), settings)
    first = client.fetch("https://data.example.org/files/a.csv", "dft", "collisions")
    again = client.fetch("https://data.example.org/files/a.csv", "dft", "collisions")
    assert first.path.read_text() == CSV and again.status == "not_modified"
    query = client.fetch("https://data.example.org/api/all_data/by_id?id=7&b=2", "ohid", "x", expect="json")
    assert query.path.read_text() == "[1]"
    with pytest.raises(SourceError, match="HTTP 404"):
        client.fetch("https://data.example.org/files/missing.csv", "dft", "collisions")


def test_a_raw_store_that_cannot_be_written_names_the_url_and_folder(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/file.csv").respond_with_data(CSV, content_type="text/csv")
    store = tmp_path / "raw"
    (store / "dft").mkdir(parents=True)
    (store / "dft" / "collisions").write_text("a file where the dataset folder should be")
    url = httpserver.url_for("/file.csv")
    with pytest.raises(SourceError) as raised:
        downloader(tmp_path).fetch(url, "dft", "collisions")
    message = str(raised.value)
    assert url in message and str(store / "dft" / "collisions") in message
    assert not raised.value.transient


def etag_v1(request: Request) -> Response:
    """A server whose file has one version, ETag "v1": 304 to a client that has it."""
    if request.headers.get("If-None-Match") == '"v1"':
        return Response(status=304)
    return Response(CSV, headers={"ETag": '"v1"'}, content_type="text/csv")


def test_a_raw_store_copy_edited_on_disk_is_not_reused(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/edited.csv").respond_with_handler(etag_v1)
    client = downloader(tmp_path)
    first = client.fetch(httpserver.url_for("/edited.csv"), "dft", "collisions")
    first.path.write_text(CSV.replace("2024550000001", "2024550000009"))  # someone edits the stored copy
    again = client.fetch(httpserver.url_for("/edited.csv"), "dft", "collisions")
    assert again.status == "downloaded"  # fetched afresh, not a 304 reusing the edited bytes
    assert "If-None-Match" not in httpserver.log[-1][0].headers
    assert again.path.read_text() == CSV
    assert hashlib.sha256(again.path.read_bytes()).hexdigest() == again.sha256


def test_an_unchanged_copy_is_trusted_by_its_size_and_time_not_hashed_again(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A national STATS19 file is gigabytes: an unchanged run must not re-read it to see it was not edited.
    A copy remembered before times were kept is hashed once, then dated and trusted like the others."""

    httpserver.expect_request("/national.csv").respond_with_handler(etag_v1)
    client = downloader(tmp_path)
    url = httpserver.url_for("/national.csv")
    first = client.fetch(url, "dft", "collisions")
    assert first.mtime_ns == first.path.stat().st_mtime_ns < time.time_ns()
    index = next((tmp_path / "raw" / "dft" / "collisions" / "_index").glob("*.json"))
    record = json.loads(index.read_text())
    index.write_text(json.dumps({key: value for key, value in record.items() if key != "mtime_ns"}))
    hashed: list[Path] = []
    real_hash = http.file_sha256
    monkeypatch.setattr(http, "file_sha256", lambda path: hashed.append(path) or real_hash(path))
    assert client.fetch(url, "dft", "collisions").status == "not_modified"
    assert hashed == [first.path]  # the old record: hashed once, then remembered with the copy's time
    assert json.loads(index.read_text())["mtime_ns"] == first.path.stat().st_mtime_ns
    again = client.fetch(url, "dft", "collisions")
    assert again.status == "not_modified" and again.sha256 == first.sha256
    assert hashed == [first.path]  # trusted by size and time: not read again
