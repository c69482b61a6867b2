"""`safe-outcomes sources`: what tonight's run would fetch from each publisher, and whether it can.

The first step of going live. For every catalogue source it resolves the current file as the run does (EES by
publication and data set title, ASCOF's GOV.UK page to its CSV attachment, fixed addresses as they are) and makes
one conditional request for each file (headers only: a STATS19 file is gigabytes), then prints one table:
source, resolved URL, release or version, last modified, and a status:

* ok: the publisher answered and the file is the one last fetched (304, or the same ETag);
* changed: the publisher has a file this warehouse has not fetched yet (tonight's run will land it);
* unreachable: no answer (DNS, refused, timeout, 5xx), named by its root cause: try again later;
* refused: an answer that will not fix itself (4xx, a renamed or withdrawn data set): the catalogue needs a look.

It never retries and gives each request CONNECT_TIMEOUT_S and READ_TIMEOUT_S, runs the sources side by side and
stops waiting after DEADLINE_S, so the table comes within a minute even when nothing answers. Exit 1 if any source
is unreachable or refused. Offline (SAFE_OUTCOMES_SOURCE_MODE=sample) it asks the bundled sample the same way.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

from sources import ascof, discovery, fingertips, population, stats19
from sources.errors import FormatError, SourceError
from sources.http import Downloader, HttpSettings, RawStore, build_session, root_cause
from sources.source_catalogue import Catalogue, CatalogueError, Dataset, load

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 15.0
DEADLINE_S = 50.0
LOCAL_FOLDERS = frozenset({"drop_folder", "commentary_folder"})
STATUSES = ("ok", "changed", "unreachable", "refused")


@dataclass(frozen=True)
class Row:
    """One line of the table: a file of a source (a source with several files has several lines)."""

    source: str
    url: str
    release: str
    last_modified: str
    status: str
    reason: str = ""


@dataclass(frozen=True)
class RunSettings:
    """The settings that decide which files a run fetches beyond the catalogue."""

    population_route: str = "dfe_file"
    council: str = "E06000059"
    nomis_years: str = "2018-2024"
    stats19_years: tuple[int, ...] = (2024,)


@dataclass(frozen=True)
class Target:
    """A file to ask about, and where the raw store keeps the copy last fetched (for the conditional request)."""

    resolved: discovery.Resolved
    publisher: str
    folder: str


def targets(dataset: Dataset, downloader: Downloader, run: RunSettings) -> list[Target]:
    """The files the run would fetch for `dataset`, resolved as the run resolves them."""
    from assets.ascof import release_files
    from assets.dfe import resolve
    from assets.ohid import child_area_type

    locate = dataset.locate
    if locate == "ees":
        return [Target(resolve(downloader, dataset), "dfe", dataset.option("ees_key"))]
    if locate == "release_files":
        return [Target(file, ascof.PUBLISHER, "measures") for file in release_files(downloader, dataset)]
    if locate == "fingertips_export":
        api = fingertips.FingertipsApi(dataset.publisher.option("base_url"))
        child, note = child_area_type(downloader, dataset)
        fingertips_id = int(dataset.option("fingertips_id"))
        fallback = f" (fallback: no data for {dataset.publisher.option('child_area_type')})" if note else ""
        return [
            Target(
                discovery.Resolved(
                    api.data_url(fingertips_id, child, int(parent)), f"area type {child}{fallback} in {parent}"
                ),
                fingertips.PUBLISHER,
                "all_data",
            )
            for parent in dataset.publisher.option("parent_area_types")
        ]
    if locate == "year_files":
        files = stats19.Stats19Files(dataset.publisher.option("base_url"), dataset.option("single_year_files_from"))
        table = dataset.option("stats19_table")
        urls = files.years_by_url(table, list(run.stats19_years))
        return [Target(discovery.Resolved(url, _years(years)), stats19.PUBLISHER, table) for url, years in urls.items()]
    if locate == "population":
        if run.population_route == "nomis":  # the council and England (the run adds its region from the warehouse)
            url = population.nomis_url(dataset.option("nomis_base"), [run.council, "E92000001"], run.nomis_years)
        else:
            url = dataset.option("dfe_file_url")
        return [Target(discovery.Resolved(url, run.population_route), population.PUBLISHER, population.DATASET_KEY)]
    raise CatalogueError(f"{dataset.file}: {dataset.key} has locator {locate!r}, which has no address to check")


def _years(years: list[int]) -> str:
    return f"data year {years[0]}" if len(years) == 1 else f"data years {years[0]}-{years[-1]}"


def probe(session: requests.Session, store: RawStore, source: str, target: Target) -> Row:
    """One conditional GET of the file's headers: ok when it is the copy last fetched, changed when not."""
    resolved = target.resolved
    previous = store.last_fetch(target.publisher, target.folder, resolved.url)
    headers = {}
    if previous and previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous and previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified
    release = ", ".join(part for part in (resolved.release, resolved.version and f"v{resolved.version}") if part)
    try:
        with session.get(
            resolved.url, headers=headers, stream=True, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S)
        ) as response:
            modified = response.headers.get("Last-Modified") or resolved.last_modified
            if response.status_code == 304:
                return Row(source, resolved.url, release, modified, "ok", "not modified since the last fetch")
            if response.status_code in (429,) or response.status_code >= 500:
                return Row(source, resolved.url, release, modified, "unreachable", f"HTTP {response.status_code}")
            if response.status_code >= 400:
                return Row(source, resolved.url, release, modified, "refused", f"HTTP {response.status_code}")
            etag = response.headers.get("ETag")
            if previous and etag and etag == previous.etag:
                return Row(source, resolved.url, release, modified, "ok", "same ETag as the last fetch")
            reason = "never fetched here" if previous is None else "differs from the last fetch"
            return Row(source, resolved.url, release, modified, "changed", reason)
    except requests.exceptions.RequestException as error:
        settings = HttpSettings(connect_timeout_s=CONNECT_TIMEOUT_S, read_timeout_s=READ_TIMEOUT_S, retries=0)
        return Row(
            source,
            resolved.url,
            release,
            resolved.last_modified,
            "unreachable",
            root_cause(error, resolved.url, settings),
        )


def check_source(dataset: Dataset, downloader: Downloader, run: RunSettings) -> list[Row]:
    """Resolve one source and probe each of its files; a resolution failure is the source's one row."""
    try:
        found = targets(dataset, downloader, run)
    except SourceError as error:
        status = "unreachable" if error.transient else "refused"
        return [Row(dataset.key, error.url, "", "", status, error.problem)]
    except (FormatError, CatalogueError) as error:
        return [Row(dataset.key, "", "", "", "refused", str(error))]
    except Exception as error:  # one source's bug must not hide the others' answers
        return [Row(dataset.key, "", "", "", "refused", f"{type(error).__name__}: {error}")]
    return [probe(downloader.session, downloader.store, dataset.key, target) for target in found]


def check_all(
    catalogue: Catalogue,
    downloader: Downloader,
    run: RunSettings,
    deadline_s: float = DEADLINE_S,
) -> list[Row]:
    """Every HTTP source of the catalogue, side by side; those with no answer by the deadline are unreachable."""
    # The council's own folders (its returns, the officers' commentary) are no publisher's to ask.
    datasets = [dataset for dataset in catalogue.datasets if dataset.locate not in LOCAL_FOLDERS]
    results: dict[str, list[Row]] = {}

    def work(dataset: Dataset) -> Callable[[], None]:
        def task() -> None:
            results[dataset.key] = check_source(dataset, downloader, run)

        return task

    # Daemon threads: a request still hanging at the deadline must not hold the command open.
    threads = [threading.Thread(target=work(dataset), daemon=True) for dataset in datasets]
    for thread in threads:
        thread.start()
    ends = time.monotonic() + deadline_s
    for thread in threads:
        thread.join(max(0.0, ends - time.monotonic()))
    rows: list[Row] = []
    for dataset in datasets:
        rows += results.get(dataset.key) or [
            Row(dataset.key, "", "", "", "unreachable", f"no answer within {deadline_s:g} s")
        ]
    return rows


def table(rows: list[Row]) -> str:
    """The rows as an aligned text table, the reason after the status."""
    header = ("source", "resolved URL", "release / version", "last modified", "status")
    cells = [
        (r.source, r.url, r.release, r.last_modified, f"{r.status}: {r.reason}" if r.reason else r.status) for r in rows
    ]
    widths = [max(len(str(line[i])) for line in [header, *cells]) for i in range(len(header) - 1)]
    lines = [
        "  ".join(str(value).ljust(widths[i]) if i < len(widths) else str(value) for i, value in enumerate(line))
        for line in [header, *cells]
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the table of every catalogue source; exit 1 if any is unreachable or refused."""
    from pipelines.settings import catalogue_dir, read, stats19_years, validate_environment

    argparse.ArgumentParser(prog="safe-outcomes sources", description=__doc__).parse_args(argv or [])
    problems = validate_environment()
    if problems:
        print("safe-outcomes sources: fix these settings first:", file=sys.stderr)
        for problem in problems:
            print(" - " + problem, file=sys.stderr)
        return 2
    mode = read("SAFE_OUTCOMES_SOURCE_MODE")
    settings = HttpSettings(connect_timeout_s=CONNECT_TIMEOUT_S, read_timeout_s=READ_TIMEOUT_S, retries=0)
    sample_dir = read("SAFE_OUTCOMES_SAMPLE_DIR")
    from assets.resources import SAMPLES

    sample_root = (Path(sample_dir) if sample_dir else SAMPLES) if mode == "sample" else None
    downloader = Downloader(
        build_session(settings, sample_root), RawStore(Path(read("SAFE_OUTCOMES_RAW_DIR"))), settings
    )
    started = time.monotonic()
    catalogue = load(catalogue_dir() or None)
    run = RunSettings(
        population_route=read("ONS_POPULATION_ROUTE"),
        council=read("SAFE_OUTCOMES_COUNCIL"),
        nomis_years=read("ONS_NOMIS_YEARS"),
        stats19_years=tuple(int(year) for year in stats19_years()),
    )
    rows = check_all(catalogue, downloader, run)
    print(table(rows))
    failed = [row for row in rows if row.status in ("unreachable", "refused")]
    counts = ", ".join(f"{sum(row.status == status for row in rows)} {status}" for status in STATUSES)
    sources = len({row.source for row in rows})
    print(f"\n{len(rows)} files of {sources} sources ({mode} mode) in {time.monotonic() - started:.1f} s: {counts}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
