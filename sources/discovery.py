"""Finding a publisher's current file at run time, from what does not change: a publication and a title.

A release's file ids change every year (EES B5 was `95ca05c4…` in the 2023 release and `259377e5…` in 2024), so
the catalogue names each source by its publication and its data set title, and each run asks the publisher which
file that is now. The answers' shapes (recorded in `sources/samples/`, see `sources/samples/SOURCE.md`):

* EES content API (what the website itself uses), `{content_base}publications/{slug}`:
  `{"id", "slug", "title", "latestRelease": {"id", "slug", "title"}, ...}` (EES `PublicationDto`);
  `{content_base}data-set-files?publicationId=&latestOnly=true&page=&pageSize=` (at most 40 a page):
  `{"results": [{"id", "fileId", "filename", "title", "release": {"id", "title", "slug"}, "published",
  "lastUpdated", "api": {"id", "version"} | null, ...}], "paging": {"page", "pageSize", "totalResults",
  "totalPages"}}` (EES `DataSetFileSummaryViewModel`). A data set file's CSV is
  `{catalogue_base}{id}/csv` (the website rewrites it to `{content_base}data-set-files/{id}/download`).
* EES public API, `{api_base}publications/{publication id}/data-sets?page=&pageSize=` (at most 20 a page):
  `{"results": [{"id", "title", "summary", "status": "Published|Deprecated|Withdrawn", "latestVersion":
  {"version", "published", ...}}], "paging": {...}}` (EES `DataSetViewModel`); its CSV is
  `{api_base}data-sets/{id}/csv?dataSetVersion={version}`.
* GOV.UK Content API, `https://www.gov.uk/api/content/<path>` for the page `https://www.gov.uk/<path>`:
  `{"title", "public_updated_at", "withdrawn_notice", "details": {"attachments": [{"attachment_type", "id",
  "title", "url", "content_type", "filename", "file_size"}]}}` (alphagov/publishing-api content schemas).

Titles are compared loosely (case, spacing, dashes and quotes, and the trailing year range DfE appends, e.g.
", England 2013 to 2021"), so a title survives the yearly release but a renamed or withdrawn data set is an error
naming the publication and the title, with the nearest titles the publisher does have.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from sources.errors import SourceError

# A JSON answer by URL: the caller fetches (through the one Downloader, so answers are stored and conditional).
FetchJson = Callable[[str], Any]

CONTENT_PAGE_SIZE = 40  # the EES content API's largest page
API_PAGE_SIZE = 20  # the EES public API's largest page
MAX_PAGES = 10


class DiscoveryError(SourceError):
    """The publisher answered, but not with the data set the catalogue names: renamed, withdrawn or ambiguous."""


@dataclass(frozen=True)
class Resolved:
    """Where a catalogue source is today: the file to fetch and what the publisher calls it (`meta.loads`)."""

    url: str
    release: str  # the publisher's release (EES "Reporting year 2025", an ASCOF year "2024-25")
    version: str = ""  # the EES API's data set version, where it numbers them
    file_id: str = ""  # the publisher's id of this file (EES data set file id, API data set id, GOV.UK asset)
    title: str = ""  # the data set's title as the publisher writes it now
    last_modified: str = ""  # when the publisher says it last changed it


def title_key(title: str) -> str:
    """A title as compared: case, spacing, dashes and quotes, and a trailing year range do not count."""
    text = unicodedata.normalize("NFKC", title)
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text).replace("\u2018", "'").replace("\u2019", "'")
    text = " ".join(text.casefold().split())
    text = re.sub(r"(,?\s*england)?,?\s*\d{4}(/\d{2})?\s+to\s+\d{4}(/\d{2})?$", "", text)
    return text.strip(" ,.-")


def _url(base: str, path: str, **params: object) -> str:
    query = urlencode({name: value for name, value in params.items() if value is not None})
    return f"{base.rstrip('/')}/{path.lstrip('/')}" + (f"?{query}" if query else "")


def read_json(path: Path, url: str) -> Any:
    """A stored JSON answer; anything else is a SourceError naming the URL."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SourceError(url, f"the answer is not valid JSON ({error})") from error


def _pick(candidates: list[dict], title: str, where: str, url: str) -> dict:
    """The one candidate whose title is `title` (loosely); else an error naming `where` and the nearest titles."""
    wanted = title_key(title)
    found = [candidate for candidate in candidates if title_key(str(candidate.get("title", ""))) == wanted]
    if len(found) == 1:
        return found[0]
    titles = [str(candidate.get("title", "")) for candidate in candidates]
    if found:
        raise DiscoveryError(url, f"{where} has {len(found)} data sets titled {title!r}; make the title more exact")
    near = difflib.get_close_matches(title, titles, n=3, cutoff=0.5)
    hint = f"; nearest: {near}" if near else f"; it has {len(titles)} other data sets"
    raise DiscoveryError(
        url,
        f"{where} has no data set titled {title!r} (renamed or withdrawn? correct `data_set_title` in the "
        f"catalogue){hint}",
    )


def _pages(fetch: FetchJson, first_url: Callable[[int], str]) -> tuple[list[dict], str]:
    """Every result of a paged EES answer (`results`, `paging.totalPages`), and the first page's URL."""
    results: list[dict] = []
    page = 1
    while True:
        url = first_url(page)
        body = fetch(url)
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise SourceError(url, f"expected a paged list with `results`, got {json.dumps(body)[:200]}")
        results.extend(item for item in body["results"] if isinstance(item, dict))
        pages = int((body.get("paging") or {}).get("totalPages") or 1)
        if page >= min(pages, MAX_PAGES):
            return results, first_url(1)
        page += 1


def ees_publication(fetch: FetchJson, content_base: str, slug: str) -> dict:
    """The publication's id and latest release, by slug (an unknown slug is the publisher's 404)."""
    url = _url(content_base, f"publications/{slug}")
    body = fetch(url)
    if not isinstance(body, dict) or "id" not in body:
        raise SourceError(url, f"expected an EES publication with an id, got {json.dumps(body)[:200]}")
    return body


def ees_data_set_file(fetch: FetchJson, options: dict[str, str], slug: str, title: str) -> Resolved:
    """The latest release's data file titled `title`, through the content service the website uses."""
    publication = ees_publication(fetch, options["content_base"], slug)
    files, url = _pages(
        fetch,
        lambda page: _url(
            options["content_base"],
            "data-set-files",
            publicationId=publication["id"],
            latestOnly="true",
            page=page,
            pageSize=CONTENT_PAGE_SIZE,
        ),
    )
    latest = (publication.get("latestRelease") or {}).get("title", "")
    where = f"EES publication {slug!r} (latest release {latest!r})"
    chosen = _pick(files, title, where, url)
    file_id = str(chosen["id"])
    return Resolved(
        url=f"{options['catalogue_base'].rstrip('/')}/{file_id}/csv",
        release=str((chosen.get("release") or {}).get("title") or latest),
        file_id=file_id,
        title=str(chosen.get("title", "")),
        last_modified=str(chosen.get("lastUpdated") or chosen.get("published") or ""),
    )


def ees_api_data_set(fetch: FetchJson, options: dict[str, str], slug: str, title: str) -> Resolved:
    """The publication's API data set titled `title` at its latest version, through the EES public API."""
    publication = ees_publication(fetch, options["content_base"], slug)
    data_sets, url = _pages(
        fetch,
        lambda page: _url(
            options["api_base"], f"publications/{publication['id']}/data-sets", page=page, pageSize=API_PAGE_SIZE
        ),
    )
    where = f"the EES API's data sets of publication {slug!r}"
    chosen = _pick(data_sets, title, where, url)
    status = str(chosen.get("status", "Published"))
    version = (chosen.get("latestVersion") or {}).get("version")
    if status.lower() == "withdrawn" or not version:
        raise DiscoveryError(url, f"{where}: {title!r} is {status.lower()} and has no published version to fetch")
    data_set_id = str(chosen["id"])
    latest = (publication.get("latestRelease") or {}).get("title", "")
    return Resolved(
        url=_url(options["api_base"], f"data-sets/{data_set_id}/csv", dataSetVersion=version),
        release=str(latest),
        version=str(version),
        file_id=data_set_id,
        title=str(chosen.get("title", "")),
        last_modified=str((chosen.get("latestVersion") or {}).get("published") or ""),
    )


def govuk_content_url(page_url: str) -> str:
    """The GOV.UK Content API address of a www.gov.uk page: `/api/content` before its path."""
    parts = urlsplit(page_url)
    return f"{parts.scheme}://{parts.netloc}/api/content{parts.path}"


def govuk_csv_attachment(fetch: FetchJson, page_url: str, release: str, words: str) -> Resolved:
    """The page's CSV attachment whose title has every word of `words` (case-insensitive).

    Rule: of the attachments that are CSV (content type text/csv or a `.csv` file name), keep those whose title
    contains all of `words`; exactly one must remain. A page with two CSVs (the measures and, say, a time series
    or the data dictionary) is therefore told apart by the words, and a page where none or both match is an
    error naming the page and the CSV titles it has.
    """
    url = govuk_content_url(page_url)
    body = fetch(url)
    if not isinstance(body, dict) or not isinstance(body.get("details"), dict):
        raise SourceError(url, f"expected a GOV.UK content item with details, got {json.dumps(body)[:200]}")
    if (body.get("withdrawn_notice") or {}).get("explanation"):
        raise DiscoveryError(url, f"the page {page_url} has been withdrawn: {body['withdrawn_notice']['explanation']}")
    attachments = [item for item in body["details"].get("attachments") or [] if isinstance(item, dict)]
    csvs = [
        item
        for item in attachments
        if str(item.get("content_type", "")).startswith("text/csv")
        or str(item.get("filename") or item.get("url") or "").lower().endswith(".csv")
    ]
    needed = [word.casefold() for word in words.split()]
    matching = [item for item in csvs if all(word in str(item.get("title", "")).casefold() for word in needed)]
    if len(matching) != 1:
        titles = [str(item.get("title", "")) for item in csvs]
        raise DiscoveryError(
            url,
            f"the page {page_url} has {len(matching)} CSV attachments whose title contains {words!r} "
            f"(expected exactly one); its CSV attachments: {titles}",
        )
    chosen = matching[0]
    return Resolved(
        url=str(chosen["url"]),
        release=release,
        file_id=str(chosen.get("id") or chosen.get("filename") or ""),
        title=str(chosen.get("title", "")),
        last_modified=str(body.get("public_updated_at") or ""),
    )
