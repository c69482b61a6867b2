"""The council's extract parsers: safe XML, DfE's XSD, SSDA903 tables by header, dates as councils write them."""

from datetime import date
from pathlib import Path

import pytest

from sources.council_returns import SCHEMA, read_cin_census, read_s903, s903_table_name, scan_drop_folder
from sources.errors import FormatError
from tests.conftest import REAL_DATA
from tools.samples.generate_council_returns import generate

LIMIT = 10 * 1024**2


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("extract")
    return generate(folder, [date(2025, 3, 31)], seed=3, children=40)[0]


def test_cin_census_rows_carry_the_line_of_their_element(extract: Path) -> None:
    parsed = read_cin_census(extract / "cin_census.xml", LIMIT)
    lines = (extract / "cin_census.xml").read_text().splitlines()
    assert len(parsed.children) == 40
    for row in parsed.referrals.head(5).to_dict(orient="records"):
        line = row["_source_row"]
        assert lines[line - 1].strip() == "<CINdetails>"
        assert f"<CINreferralDate>{row['referral_date'].date().isoformat()}</CINreferralDate>" in lines[line]
    assert (parsed.cpps["cpp_start"] >= parsed.cpps["referral_date"]).all()


def test_shipped_schema_matches_dfe_schema_except_the_documented_change() -> None:
    real = REAL_DATA / "CIN_schema_2024.xsd"
    if not real.exists():
        pytest.skip("shared/real-data is not beside the project")
    ours = SCHEMA.read_text().split("-->", 1)[1]
    theirs = real.read_text().split("?>", 1)[1]
    changed = 'name="NumberOfPreviousCPP" type="xs:nonNegativeInteger"'
    assert ours.strip() == theirs.replace('name="NumberOfPreviousCPP" type="xs:positiveInteger"', changed).strip()


def _write(tmp_path: Path, text: str, name: str = "cin_census.xml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_malformed_xml_names_the_file_and_line(tmp_path: Path, extract: Path) -> None:
    text = (extract / "cin_census.xml").read_text()
    broken = text.replace("</CINdetails>", "</CINdetail>", 1)
    line = broken[: broken.index("</CINdetail>")].count("\n") + 1
    with pytest.raises(FormatError, match="not well-formed") as caught:
        read_cin_census(_write(tmp_path, broken), LIMIT)
    assert caught.value.file == "cin_census.xml"
    assert caught.value.line == line


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE Message [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE Message [<!ENTITY secret "x"><!ENTITY lol "&secret;&secret;&secret;">]>',
        '<!DOCTYPE Message SYSTEM "http://127.0.0.1:9/cin.dtd">',
    ],
    ids=["external_entity", "entity_expansion", "external_dtd"],
)
def test_xml_with_a_dtd_or_entity_is_refused(tmp_path: Path, extract: Path, doctype: str) -> None:
    text = (extract / "cin_census.xml").read_text()
    declaration, rest = text.split("\n", 1)
    hostile = f"{declaration}\n{doctype}\n" + rest.replace("<LAchildID>", "<LAchildID>&secret;", 1)
    with pytest.raises(FormatError, match="refused: the file declares a DTD or entity"):
        read_cin_census(_write(tmp_path, hostile), LIMIT)


def test_xml_that_fails_the_xsd_names_the_element_and_line(tmp_path: Path, extract: Path) -> None:
    text = (extract / "cin_census.xml").read_text()
    bad = text.replace("<PrimaryNeedCode>N1</PrimaryNeedCode>", "<PrimaryNeedCode>N12</PrimaryNeedCode>", 1)
    line = bad[: bad.index("N12")].count("\n") + 1
    with pytest.raises(FormatError, match=r"fails DfE's CIN census schema at .*PrimaryNeedCode") as caught:
        read_cin_census(_write(tmp_path, bad), LIMIT)
    assert caught.value.line == line


def test_oversized_file_is_refused_before_parsing(tmp_path: Path, extract: Path) -> None:
    with pytest.raises(FormatError, match="over the configured limit of 1,000"):
        read_cin_census(extract / "cin_census.xml", 1000)


def test_s903_tables_are_known_by_their_header_in_any_column_order(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "MIS_END,CHILD,MISSING,DOB,MIS_START\r\n04/02/2025,C1,M,01/02/2012,01/02/2025\r\n,C2,A,2013-05-06,2025-03-01\r\n",
        "anything.csv",
    )
    table = read_s903(path, LIMIT)
    assert table.name == "missing"
    assert table.frame["mis_start"].dt.date.tolist() == [date(2025, 2, 1), date(2025, 3, 1)]
    assert table.frame["mis_end"].isna().tolist() == [False, True]
    assert table.frame["_source_row"].tolist() == [2, 3]
    assert table.problems == []


@pytest.mark.parametrize("written", ["01/02/2024", "2024-02-01", "01/02/24", "01-02-2024", "01/02/2024 00:00"])
def test_s903_dates_in_the_formats_councils_use(tmp_path: Path, written: str) -> None:
    path = _write(
        tmp_path, f"CHILD,DOB,DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED\nC1,{written},,,\n", "p.csv"
    )
    assert read_s903(path, LIMIT).frame["dob"].dt.date.tolist() == [date(2024, 2, 1)]


def test_s903_unreadable_date_is_a_row_problem_with_excel_row_and_field(tmp_path: Path) -> None:
    rows = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nC1,1,03/04/2010,WBRI,,,\nC2,2,31/02/2011,WBRI,,,\n"
    table = read_s903(_write(tmp_path, rows, "header.csv"), LIMIT)
    # A date of birth is personal: the problem says where it is, not what it is.
    assert [(p.file, p.line, p.field, p.child, p.value) for p in table.problems] == [
        ("header.csv", 3, "DOB", "C2", "(left out: personal)")
    ]
    assert table.frame["dob"].isna().tolist() == [False, True]


def test_s903_unreadable_date_that_is_not_personal_is_quoted(tmp_path: Path) -> None:
    header = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
    rows = f"{header}\nC1,31/13/2024,S,C2,N1,U1,PR1,,,,DT1 1AA,DT2 2BB,\n"
    table = read_s903(_write(tmp_path, rows, "eps.csv"), LIMIT)
    assert [(p.line, p.field, p.value) for p in table.problems] == [(2, "DECOM", "31/13/2024")]


@pytest.mark.parametrize("column", ["DOB", "MC_DOB"])
def test_s903_personal_date_never_reaches_a_problem(tmp_path: Path, column: str) -> None:
    rows = {"CHILD": "C7", "SEX": "1", "DOB": "01/01/2012", "ETHNIC": "WBRI", "UPN": "", "MOTHER": "1"}
    rows |= {"MC_DOB": "02/02/1990", column: "29/02/2011"}
    path = _write(tmp_path, ",".join(rows) + "\n" + ",".join(rows.values()) + "\n", "header.csv")
    [problem] = read_s903(path, LIMIT).problems
    assert (problem.file, problem.line, problem.field) == ("header.csv", 2, column)
    assert "29/02/2011" not in repr(problem)


@pytest.mark.parametrize(
    ("element", "bad"),
    [
        ("PersonBirthDate", "2011-02-30"),
        ("PersonBirthDate", "30/01/2011"),
        ("UPN", "Q12345X789012"),
        ("ExpectedPersonBirthDate", "2026-13-01"),
    ],
)
def test_xsd_error_on_a_personal_element_names_element_and_line_never_the_value(
    tmp_path: Path, extract: Path, element: str, bad: str
) -> None:
    text = (extract / "cin_census.xml").read_text()
    if element == "ExpectedPersonBirthDate":  # not in the generated file: an unborn child's, after the birth date
        text = text.replace("</PersonBirthDate>", f"</PersonBirthDate><{element}>2025-06-01</{element}>", 1)
    start = text.index(f"<{element}>") + len(element) + 2
    original = text[start : text.index("<", start)]
    bad_text = text[:start] + bad + text[start + len(original) :]
    line = bad_text[:start].count("\n") + 1
    with pytest.raises(FormatError) as caught:
        read_cin_census(_write(tmp_path, bad_text), LIMIT)
    message = str(caught.value)
    assert bad not in message and original not in message
    assert f"line {line}" in message and element in message
    assert (caught.value.line, caught.value.column) == (line, element)
    assert "expected " in message, "says what a valid value looks like"


def test_s903_missing_column_names_the_table_and_column(tmp_path: Path) -> None:
    header = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
    with pytest.raises(FormatError, match=r"episodes table but lacks the column\(s\) DEC$") as caught:
        read_s903(_write(tmp_path, header + "\nC1,01/01/2024,S,C2,N1,U1,PR1,,,,,\n", "eps.csv"), LIMIT)
    assert (caught.value.file, caught.value.line) == ("eps.csv", 1)
    with pytest.raises(FormatError, match="not one of the SSDA903 tables"):
        s903_table_name(["CHILD", "SOMETHING"])


def test_drop_folder_fingerprint_follows_content_not_modification_time(tmp_path: Path) -> None:
    quarter = tmp_path / "2025-03-31"
    quarter.mkdir()
    (quarter / "ssda903_header.csv").write_text("CHILD,SEX\n")
    (tmp_path / "notes").mkdir()
    (quarter / ".partial.csv").write_text("half a file")
    digests, facts = scan_drop_folder(tmp_path, {})
    assert list(digests) == ["2025-03-31"]
    assert list(facts) == ["2025-03-31/ssda903_header.csv"]
    (quarter / "ssda903_header.csv").write_text("CHILD,SEX\n")  # same bytes again, new mtime
    assert scan_drop_folder(tmp_path, facts)[0] == digests
    (quarter / "ssda903_header.csv").write_text("CHILD,SEX,DOB\n")
    assert scan_drop_folder(tmp_path, facts)[0] != digests
