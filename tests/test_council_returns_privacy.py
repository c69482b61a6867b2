"""Privacy mechanics: the keyed hash, the key's keeping, and the snapshot that never holds child-level tables."""

import stat
from pathlib import Path

import duckdb

from assets.resources import CouncilReturnsResource
from warehouse.council_returns import pseudonym
from warehouse.publish import publish_snapshot


def test_pseudonym_is_keyed_stable_and_blank_for_a_blank_id() -> None:
    assert pseudonym(b"k1", "DC410007") == pseudonym(b"k1", " DC410007 ")
    assert pseudonym(b"k1", "DC410007") != pseudonym(b"k2", "DC410007")
    assert len(pseudonym(b"k1", "DC410007") or "") == 20
    assert "DC410007" not in (pseudonym(b"k1", "DC410007") or "")
    assert pseudonym(b"k1", "  ") is None and pseudonym(b"k1", None) is None


def _resource(tmp_path: Path, key: str = "") -> CouncilReturnsResource:
    return CouncilReturnsResource(
        drop_dir=str(tmp_path), pseudonym_key=key, key_file=str(tmp_path / "keys" / "k"), report_dir=str(tmp_path)
    )


def test_key_comes_from_the_environment_setting_else_a_private_generated_file(tmp_path: Path) -> None:
    assert _resource(tmp_path, "from-env").key() == b"from-env"
    generated = _resource(tmp_path).key()
    assert len(generated) == 64
    assert _resource(tmp_path).key() == generated, "the same key on the next run, so pseudonyms stay stable"
    assert stat.S_IMODE((tmp_path / "keys" / "k").stat().st_mode) == 0o600


def test_snapshot_never_copies_child_level_tables(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema clean; create schema marts")
    con.execute("create table clean.child_cin_referrals as select 'abc' as child")
    con.execute("create table clean.dft_collisions as select 1 as n")
    con.execute("create table marts.indicator_values as select 1 as n")
    con.close()
    copied = publish_snapshot(warehouse, tmp_path / "snap.duckdb")
    assert copied == ["clean.dft_collisions", "marts.indicator_values"]
    snapshot = duckdb.connect(str(tmp_path / "snap.duckdb"), read_only=True)
    tables = snapshot.execute("select schema_name || '.' || table_name from duckdb_tables() order by 1").fetchall()
    snapshot.close()
    assert tables == [("clean.dft_collisions",), ("marts.indicator_values",)]
