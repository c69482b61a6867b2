"""Publishing the snapshot (issue 12) on small hand-made warehouses: portable types, comments, what an
incremental publish copies and what it leaves alone, exports kept in step, and a failed publish that leaves
the last snapshot and exports exactly as they were."""

import json
import os
from pathlib import Path

import duckdb
import pytest

from warehouse import exports, publish
from warehouse.publish import STORAGE_VERSION, manifest_file, publish_snapshot
from warehouse.published_columns import data_dictionary, portable_type


def make_warehouse(path: Path, workbook: bool = False) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema clean; create schema marts")
    if workbook:  # what the workbook reads, empty
        for table in set(exports.WORKBOOK_TABLES) - {"marts.indicator_values", "marts.indicator_catalogue"}:
            con.execute(f"create table {table} as select 'E06000059' as area_code limit 0")
        con.execute(
            "create table marts.indicator_catalogue as "
            "select 'road_ksi' as indicator_id, 'KSI' as title, 'Killed or seriously injured' as definition"
        )
    con.execute("create table clean.road as select range as id, 'L1' as _load_id from range(1000)")
    con.execute("create table clean.child_episodes as select 'secret' as child")
    con.execute("create table marts.indicator_values as select 'road_ksi' as indicator_id, 1.5 as value")
    con.execute(
        "create table marts.odd as select null as published_at, now()::timestamp_ns as built_at, "
        "now() as stamped, 1::hugeint as big, [1, 2] as listed"
    )
    con.close()
    return path


def columns(snapshot: Path) -> dict[tuple[str, str], tuple[str, str | None]]:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        rows = con.execute(
            "select schema_name || '.' || table_name, column_name, data_type, comment from duckdb_columns() "
            "where database_name = current_database() and not internal"
        ).fetchall()
    finally:
        con.close()
    return {(table, column): (kind, comment) for table, column, kind, comment in rows}


def contents(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def mtimes(folder: Path) -> dict[str, int]:
    return {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}


def test_portable_types() -> None:
    assert portable_type("VARCHAR") == "VARCHAR" and portable_type("DECIMAL(18,3)") == "DECIMAL(18,3)"
    assert portable_type("TIMESTAMP_NS") == portable_type("TIMESTAMP WITH TIME ZONE") == "TIMESTAMP"
    assert portable_type('"NULL"') == portable_type("INTEGER[]") == portable_type("UUID") == "VARCHAR"
    assert portable_type("HUGEINT") == "DECIMAL(38,0)"


def test_the_dictionary_declares_a_type_for_every_column_the_warehouse_writes_from_pandas() -> None:
    dictionary = data_dictionary()
    for table in ("marts.indicator_report", "marts.changes_since"):
        declared = {column: kind for (name, column), (kind, _) in dictionary.items() if name == table and column}
        assert declared and all(declared.values()), table
        for kind in declared.values():
            assert portable_type(kind) == kind, (table, kind)


def test_a_first_publish_writes_portable_types_comments_and_exports(tmp_path: Path) -> None:
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    snapshot = tmp_path / "published" / "outcomes.duckdb"
    published = publish_snapshot(warehouse, snapshot)
    assert published == ["clean.road", "marts.indicator_values", "marts.odd"]
    assert published.full and published.copied == list(published) and published.reused == []
    found = columns(snapshot)
    assert found[("marts.odd", "published_at")][0] == "VARCHAR"
    assert found[("marts.odd", "built_at")][0] == "TIMESTAMP"
    assert found[("marts.odd", "stamped")][0] == "TIMESTAMP"  # TIMESTAMP WITH TIME ZONE, as UTC
    assert found[("marts.odd", "big")][0] == "DECIMAL(38,0)"
    assert found[("marts.odd", "listed")][0] == "VARCHAR"
    assert all(comment for _, comment in found.values())
    assert found[("clean.road", "_load_id")][1].startswith("Identifier of the load")
    assert found[("marts.odd", "listed")][1] == (
        "Column listed of marts.odd (not yet defined in warehouse/reference/published_columns.csv)."
    )
    con = duckdb.connect(str(snapshot), read_only=True)
    assert con.execute("select tags['storage_version'] from duckdb_databases() where not internal").fetchall() == [
        ("v1.0.0+",)
    ]
    assert con.execute("select comment from duckdb_tables() where table_name = 'odd'").fetchall() == [
        ("Table marts.odd of the published snapshot.",)
    ]
    con.close()
    assert sorted(os.listdir(snapshot.parent / "exports")) == [
        "marts.indicator_values.csv", "marts.indicator_values.parquet", "marts.odd.csv", "marts.odd.parquet",
    ]  # fmt: skip
    manifest = json.loads(manifest_file(snapshot).read_text())
    assert manifest["storage_version"] == STORAGE_VERSION and set(manifest["tables"]) == set(published)


def test_an_unchanged_publish_rewrites_nothing(tmp_path: Path) -> None:
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    snapshot = tmp_path / "published" / "outcomes.duckdb"
    publish_snapshot(warehouse, snapshot)
    before = {**mtimes(snapshot.parent), **mtimes(snapshot.parent / "exports")}
    again = publish_snapshot(warehouse, snapshot)
    assert again.copied == [] and again.exported == [] and not again.full
    after = {**mtimes(snapshot.parent), **mtimes(snapshot.parent / "exports")}
    assert {name: time for name, time in after.items() if not name.endswith(".json")} == {
        name: time for name, time in before.items() if not name.endswith(".json")
    }


def test_only_changed_tables_are_copied_and_a_reader_keeps_the_old_snapshot(tmp_path: Path) -> None:
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    snapshot = tmp_path / "published" / "outcomes.duckdb"
    publish_snapshot(warehouse, snapshot)
    untouched = (snapshot.parent / "exports" / "marts.odd.parquet").stat().st_mtime_ns
    reader = duckdb.connect(str(snapshot), read_only=True)
    con = duckdb.connect(str(warehouse))
    con.execute("update marts.indicator_values set value = 2.5")
    con.execute("insert into clean.road values (1000, 'L2')")  # a new load
    con.execute("create table marts.added as select 1 as n")
    con.close()
    published = publish_snapshot(warehouse, snapshot)
    assert sorted(published.copied) == ["clean.road", "marts.added", "marts.indicator_values"]
    assert published.by_load == ["clean.road"]  # the new load's row added to the last snapshot's copy
    assert published.reused == ["marts.odd"] and not published.full
    assert sorted(published.exported) == [
        "marts.added.csv", "marts.added.parquet", "marts.indicator_values.csv", "marts.indicator_values.parquet",
    ]  # fmt: skip
    assert (snapshot.parent / "exports" / "marts.odd.parquet").stat().st_mtime_ns == untouched
    assert reader.execute("select value from marts.indicator_values").fetchall() == [(1.5,)]
    reader.close()
    fresh = duckdb.connect(str(snapshot), read_only=True)
    assert fresh.execute("select value from marts.indicator_values").fetchall() == [(2.5,)]
    assert fresh.execute("select count(*) from clean.road").fetchall() == [(1001,)]
    assert fresh.execute("select count(*) from marts.odd").fetchall() == [(1,)]
    assert fresh.execute("select tags['storage_version'] from duckdb_databases() where not internal").fetchall() == [
        ("v1.0.0+",)
    ]
    assert columns(snapshot)[("marts.added", "n")][1]  # the new table is commented too
    fresh.close()
    parquet = duckdb.sql(f"select value from '{snapshot.parent / 'exports' / 'marts.indicator_values.parquet'}'")
    assert parquet.fetchall() == [(2.5,)]


def test_a_replaced_load_moves_only_its_rows_and_the_snapshot_matches_the_warehouse(tmp_path: Path) -> None:
    """A revised per-year file replaces one load of a national clean table: the snapshot's copy loses that load's
    rows and gains the new load's, and ends with exactly the warehouse's rows."""
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into clean.road select range, 'L2' from range(1000, 1100)")
    snapshot = tmp_path / "published" / "outcomes.duckdb"
    publish_snapshot(warehouse, snapshot)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from clean.road where _load_id = 'L2'")
        con.execute("insert into clean.road select range, 'L3' from range(1000, 1090)")
    # The manifest says which loads the snapshot holds, so the update needs no scan of either table's load ids.
    assert json.loads(manifest_file(snapshot).read_text())["tables"]["clean.road"]["loads"] == ["L1", "L2"]
    published = publish_snapshot(warehouse, snapshot)
    assert published.copied == published.by_load == ["clean.road"]
    assert json.loads(manifest_file(snapshot).read_text())["tables"]["clean.road"]["loads"] == ["L1", "L3"]
    reader = duckdb.connect(str(snapshot), read_only=True)
    rows = reader.execute("select _load_id, count(*), min(id), max(id) from clean.road group by 1 order by 1")
    assert rows.fetchall() == [("L1", 1000, 0, 999), ("L3", 90, 1000, 1089)]
    reader.close()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute(f"attach '{snapshot}' as snap (read_only)")
        differ = con.execute(
            "(from clean.road except all from snap.clean.road) union all "
            "(from snap.clean.road except all from clean.road)"
        ).fetchall()
    assert differ == []


def test_an_empty_clean_table_is_published_and_then_gains_its_first_load_by_load(tmp_path: Path) -> None:
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table clean.quarters (id integer, _load_id varchar)")
    snapshot = tmp_path / "published" / "outcomes.duckdb"
    publish_snapshot(warehouse, snapshot)
    assert json.loads(manifest_file(snapshot).read_text())["tables"]["clean.quarters"]["loads"] == []
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into clean.quarters values (1, 'Q1'), (2, 'Q1')")
    published = publish_snapshot(warehouse, snapshot)
    assert published.by_load == ["clean.quarters"]
    with duckdb.connect(str(snapshot), read_only=True) as reader:
        assert reader.execute("select * from clean.quarters order by id").fetchall() == [(1, "Q1"), (2, "Q1")]


def test_a_manifest_without_the_loads_it_holds_has_the_table_copied_whole(tmp_path: Path) -> None:
    """A snapshot published before the manifest recorded its loads: its clean table is copied whole once."""
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    snapshot = tmp_path / "published" / "outcomes.duckdb"
    publish_snapshot(warehouse, snapshot)
    manifest = json.loads(manifest_file(snapshot).read_text())
    del manifest["tables"]["clean.road"]["loads"]
    manifest_file(snapshot).write_text(json.dumps(manifest))
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into clean.road select range, 'L2' from range(1000, 1010)")
    published = publish_snapshot(warehouse, snapshot)
    assert published.copied == ["clean.road"] and published.by_load == []
    with duckdb.connect(str(snapshot), read_only=True) as reader:
        assert reader.execute("select count(*) from clean.road").fetchall() == [(1010,)]


def test_a_table_gone_from_the_warehouse_leaves_the_snapshot_and_its_exports(tmp_path: Path) -> None:
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    snapshot = tmp_path / "published" / "outcomes.duckdb"
    publish_snapshot(warehouse, snapshot)
    con = duckdb.connect(str(warehouse))
    con.execute("drop table marts.odd")
    con.close()
    published = publish_snapshot(warehouse, snapshot)
    assert "marts.odd" not in published and published.copied == []
    assert not [name for name in os.listdir(snapshot.parent / "exports") if name.startswith("marts.odd")]
    assert ("marts.odd", "big") not in columns(snapshot)


def test_a_snapshot_the_manifest_does_not_describe_is_rebuilt_whole(tmp_path: Path) -> None:
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    snapshot = tmp_path / "published" / "outcomes.duckdb"
    publish_snapshot(warehouse, snapshot)
    other = duckdb.connect(str(snapshot))  # someone wrote into the snapshot
    other.execute("create table marts.stray as select 1 as n")
    other.close()
    published = publish_snapshot(warehouse, snapshot)
    assert published.full and sorted(published.copied) == sorted(published)
    assert ("marts.stray", "n") not in columns(snapshot)


def test_deleted_or_edited_export_files_are_written_again(tmp_path: Path) -> None:
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    snapshot = tmp_path / "published" / "outcomes.duckdb"
    publish_snapshot(warehouse, snapshot)
    folder = snapshot.parent / "exports"
    (folder / "marts.odd.csv").unlink()
    (folder / "marts.indicator_values.csv").write_text("indicator_id,value\nroad_ksi,99\n")
    published = publish_snapshot(warehouse, snapshot)
    assert published.copied == []
    assert sorted(published.exported) == [
        "marts.indicator_values.csv", "marts.indicator_values.parquet", "marts.odd.csv", "marts.odd.parquet",
    ]  # fmt: skip
    assert "1.5" in (folder / "marts.indicator_values.csv").read_text()


def test_a_failed_publish_leaves_the_last_snapshot_and_exports_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = make_warehouse(tmp_path / "w.duckdb", workbook=True)
    snapshot = tmp_path / "published" / "outcomes.duckdb"
    publish_snapshot(warehouse, snapshot)
    before = contents(snapshot.parent)
    con = duckdb.connect(str(warehouse))
    con.execute("update marts.indicator_values set value = 3.5")
    con.close()

    def broken(*args: object) -> None:
        raise OSError("No space left on device")

    # The snapshot fails after its copy is made and its changed table copied; the exports run meanwhile.
    monkeypatch.setattr(publish, "_comment", broken)
    with pytest.raises(OSError, match="No space left"):
        publish_snapshot(warehouse, snapshot)
    monkeypatch.undo()
    monkeypatch.setattr(exports, "write_workbook", broken)  # and a workbook that fails after the table exports
    with pytest.raises(OSError, match="No space left"):
        publish_snapshot(warehouse, snapshot, council="E06000059")
    monkeypatch.undo()
    assert contents(snapshot.parent) == before  # no partial file left either
    assert publish_snapshot(warehouse, snapshot).copied == ["marts.indicator_values"]


def test_a_snapshot_mostly_free_space_after_a_big_table_went_is_rebuilt_whole(tmp_path: Path) -> None:
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    con = duckdb.connect(str(warehouse))
    con.execute("create table marts.big as select range as n, md5(range::varchar) as text from range(400000)")
    con.close()
    snapshot = tmp_path / "published" / "outcomes.duckdb"
    publish_snapshot(warehouse, snapshot)
    big = snapshot.stat().st_size
    con = duckdb.connect(str(warehouse))
    con.execute("drop table marts.big")
    con.close()
    published = publish_snapshot(warehouse, snapshot)
    assert published.full and snapshot.stat().st_size < big / 2
