"""The source catalogue is the only place a data set is declared: one more entry is one more landing and clean
asset, landed by the one flow and built into the indicators, with no code change; a bad catalogue is refused
with a message naming its file."""

import re
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.graph import Graph
from assets.reference import areas
from sources.source_catalogue import BUNDLED, CatalogueError, load
from tests.conftest import graph_for, make_resources, materialize

ENTRY = re.compile(r"\n\[\[datasets\]\]\n.*?(?=\n\[\[datasets\]\]|\Z)", re.S)


def without(folder: Path, publisher: str, key: str) -> tuple[Path, str]:
    """A copy of the bundled catalogue without data set `key`; returns the folder and the entry taken out."""
    folder.mkdir(parents=True)
    for path in BUNDLED.glob("*.toml"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    text = (folder / f"{publisher}.toml").read_text(encoding="utf-8")
    [entry] = [match.group(0) for match in ENTRY.finditer(text) if f'\nkey = "{key}"\n' in match.group(0)]
    (folder / f"{publisher}.toml").write_text(text.replace(entry, ""), encoding="utf-8")
    return folder, entry


def with_entry(folder: Path, source: Path, publisher: str, entry: str) -> Path:
    """A copy of catalogue `source` with one more entry appended to the publisher's file (nothing else)."""
    folder.mkdir(parents=True)
    for path in source.glob("*.toml"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    with (folder / f"{publisher}.toml").open("a", encoding="utf-8") as handle:
        handle.write(entry + "\n")
    return folder


def keys(graph: Graph) -> set[str]:
    return {key.to_user_string() for asset in graph.all for key in asset.keys}


def indicator_rows(data_dir: Path, indicator: str) -> int:
    con = duckdb.connect(str(data_dir / "warehouse" / "outcomes.duckdb"), read_only=True)
    try:
        return con.execute(
            "select count(*) from marts.indicator_values where indicator_id = ?", [indicator]
        ).fetchall()[0][0]
    finally:
        con.close()


@pytest.mark.parametrize(
    ("publisher", "key", "indicator", "built_by"),
    [
        ("ohid", "ohid_ph_first_time_entrants_yjs", "ph_first_time_entrants_yjs", 1),
        ("dfe", "dfe_pupil_absence", "edu_persistent_absence_secondary_pct", 3),
    ],
    ids=["one-more-fingertips-indicator", "one-more-ees-data-set"],
)
def test_one_more_catalogue_entry_is_one_more_source_and_its_indicator(
    tmp_path: Path, publisher: str, key: str, indicator: str, built_by: int
) -> None:
    fewer, entry = without(tmp_path / "fewer", publisher, key)
    more = with_entry(tmp_path / "more", fewer, publisher, entry)
    for folder, expected in ((fewer, False), (more, True)):
        graph = graph_for(folder)
        assert (f"landing/{key}" in keys(graph)) is expected
        assert (f"clean/{key}" in keys(graph)) is expected
        indicators = graph.indicators[built_by]
        assert (dg.AssetKey(["clean", key]) in indicators.dependency_keys) is expected
        sources = [asset for asset in graph.sources if asset.keys & indicators.dependency_keys]
        data_dir = tmp_path / f"data-{folder.name}"
        result = materialize([areas, *sources, indicators], make_resources(data_dir))
        assert result.success
        assert (indicator_rows(data_dir, indicator) > 0) is expected


def test_duplicate_keys_and_unknown_partitionings_name_the_file(tmp_path: Path) -> None:
    folder, entry = without(tmp_path / "catalogue", "ascof", "ascof_measures")
    (folder / "ascof.toml").write_text((BUNDLED / "ascof.toml").read_text() + entry, encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"ascof\.toml: data set key 'ascof_measures' is used twice"):
        load(folder)
    (folder / "ascof.toml").write_text(
        (BUNDLED / "ascof.toml").read_text().replace('partitioning = "none"', 'partitioning = "weekly"'),
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match=r"ascof\.toml: data set 'ascof_measures' has partitioning 'weekly'"):
        load(folder)
    (folder / "ascof.toml").write_text("[publisher]\nkey = 'ascof'\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"ascof\.toml: \[publisher\] needs a key and a name"):
        load(folder)


def test_every_bundled_entry_names_a_known_locator_and_a_licence() -> None:
    catalogue = load()
    graph = graph_for()
    assert {dataset.key for dataset in catalogue.datasets} == {
        key.path[1] for asset in graph.sources for key in asset.keys if key.path[0] == "clean"
    }
    assert all(publisher.licence for publisher in catalogue.publishers.values())
    assert all(publisher.calendar for publisher in catalogue.publishers.values())
