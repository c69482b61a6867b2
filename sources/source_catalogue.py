"""The source catalogue: which publishers' data sets the pipeline lands, read from `sources/catalogue/*.toml`.

Sources are data, not code. Each file is one publisher (name, licence, base addresses, publication calendar)
and its `[[datasets]]`: key, warehouse table, partitioning, how the current file is found (`locate`), parser,
check suite and a one-line description the UI shows. The landing flow and the asset factory read nothing else,
so adding one more Fingertips indicator or one more EES data set is one more entry in a file here.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BUNDLED = Path(__file__).resolve().parent / "catalogue"
PARTITIONINGS = ("none", "data_year", "quarter")
REQUIRED = ("key", "title", "table", "partitioning", "partition_column", "locate", "parser", "suite", "description")


class CatalogueError(ValueError):
    """A catalogue file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Calendar:
    """When the publisher's new data is due: a cron deadline (UK time) and how recent a load must be by then."""

    expected: str
    deadline_cron: str
    window_days: int


@dataclass(frozen=True)
class Publisher:
    key: str
    name: str
    licence: str
    calendar: Calendar | None
    options: dict[str, Any] = field(default_factory=dict)

    def option(self, name: str) -> Any:
        return self.options[name]


@dataclass(frozen=True)
class Dataset:
    """One catalogue entry. `options` holds what only its locator or parser reads (ids, column names, URLs)."""

    key: str
    publisher: Publisher
    title: str
    table: str
    partitioning: str
    partition_column: str
    locate: str
    parser: str
    suite: str
    description: str
    file: Path
    options: dict[str, Any] = field(default_factory=dict)

    def option(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)


@dataclass(frozen=True)
class Catalogue:
    directory: Path
    publishers: dict[str, Publisher]
    datasets: tuple[Dataset, ...]

    def dataset(self, key: str) -> Dataset:
        for dataset in self.datasets:
            if dataset.key == key:
                return dataset
        raise CatalogueError(f"{key!r} is not a data set of the catalogue in {self.directory}")

    def of_publisher(self, publisher: str) -> list[Dataset]:
        return [dataset for dataset in self.datasets if dataset.publisher.key == publisher]


def load(directory: Path | str | None = None) -> Catalogue:
    """Every `*.toml` in `directory` (the bundled catalogue when empty), checked: unique keys, known partitionings."""
    folder = Path(directory) if directory else BUNDLED
    if not folder.is_dir():
        raise CatalogueError(f"{folder}: the source catalogue folder does not exist (SAFE_OUTCOMES_CATALOGUE_DIR)")
    publishers: dict[str, Publisher] = {}
    datasets: list[Dataset] = []
    for path in sorted(folder.glob("*.toml")):
        publisher, entries = _read(path)
        if publisher.key in publishers:
            raise CatalogueError(f"{path}: publisher {publisher.key!r} is declared twice")
        publishers[publisher.key] = publisher
        datasets.extend(entries)
    seen: set[str] = set()
    for dataset in datasets:
        if dataset.key in seen:
            raise CatalogueError(f"{dataset.file}: data set key {dataset.key!r} is used twice in {folder}")
        seen.add(dataset.key)
    if not datasets:
        raise CatalogueError(f"{folder}: no data sets (expected *.toml files with [[datasets]] entries)")
    return Catalogue(folder, publishers, tuple(datasets))


def _read(path: Path) -> tuple[Publisher, list[Dataset]]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise CatalogueError(f"{path}: not valid TOML: {error}") from error
    head = dict(raw.get("publisher") or {})
    if "key" not in head or "name" not in head:
        raise CatalogueError(f"{path}: [publisher] needs a key and a name")
    calendar = head.pop("calendar", None)
    try:
        publisher = Publisher(
            key=head.pop("key"),
            name=head.pop("name"),
            licence=head.pop("licence", ""),
            calendar=Calendar(**calendar) if calendar else None,
            options=head,
        )
    except TypeError as error:
        raise CatalogueError(f"{path}: [publisher.calendar] needs expected, deadline_cron, window_days") from error
    entries = []
    for number, entry in enumerate(raw.get("datasets") or [], start=1):
        missing = [name for name in REQUIRED if name not in entry]
        if missing:
            raise CatalogueError(f"{path}: data set {entry.get('key', f'number {number}')!r} lacks {missing}")
        if entry["partitioning"] not in PARTITIONINGS:
            raise CatalogueError(
                f"{path}: data set {entry['key']!r} has partitioning {entry['partitioning']!r}; "
                f"expected one of {list(PARTITIONINGS)}"
            )
        common = {name: entry[name] for name in REQUIRED}
        options = {name: value for name, value in entry.items() if name not in REQUIRED}
        entries.append(Dataset(**common, publisher=publisher, file=path, options=options))
    return publisher, entries
