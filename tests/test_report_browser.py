"""The report and the Dagster UI in a real browser: headless Chromium, driven through its command line.

The report is built by the whole asset graph on the bundled sample; Chromium then lays it out, a script in a
copy of the page measures every indicator page's chart, and a screenshot is saved next to the report. The UI test
starts `dagster dev` on 127.0.0.1 and checks the asset graph holds the report asset. Both are skipped only when no
Chromium binary exists (a developer's machine); `.ci/run` installs it.
"""

import base64
import csv
import html
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import dagster as dg
import duckdb
import pypdfium2 as pdfium
import pytest
import requests

from assets.resources import CouncilReturnsResource, ReportResource
from pipelines.definitions import defs
from pipelines.graph import STATS19_YEARS
from pipelines.jobs import AREAS_AND_REPORT, COUNCIL_RETURNS
from sources.drop_folders import quarter_folders
from tests.conftest import REAL_DATA, SAMPLES, TEST_PSEUDONYM_KEY, make_resources, range_tags
from warehouse.council_returns import partition_key
from warehouse.report_pdf import FLAGS

ROOT = Path(__file__).resolve().parents[1]
COUNCIL = "E06000059"
# The pictures a reader checks by eye: the summary, one indicator's page and the PDF's first page.
SCREENSHOTS = ROOT / "reports" / "screenshots"
CHROMIUM = next((found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary on PATH (.ci/run installs it)")
# The report step's own flags (without the background-networking ones Chromium keeps calling Google), less the
# print-only one.
CHROMIUM_FLAGS = [flag for flag in FLAGS if flag != "--no-pdf-header-footer"]
MEASURE = """
<script>
const pages = [...document.querySelectorAll("section.page.indicator")].map((page) => {
  const svg = page.querySelector("figure.chart svg");
  const box = svg ? svg.getBoundingClientRect() : null;
  return {
    id: page.id,
    heading: (page.querySelector("h2") || {}).textContent || "",
    chart: box ? {width: box.width, height: box.height, marks: svg.querySelectorAll("path, circle, rect").length,
                  label: svg.getAttribute("aria-label") || ""} : null,
    tables: page.querySelectorAll("table").length,
    // What the chart's legend lists, and the series it drew (a line or a point carries "series: <name>").
    legend: svg ? [...svg.querySelectorAll("g.role-legend-label text")].map((text) => text.textContent) : [],
    drawn: svg ? [...new Set([...svg.querySelectorAll("g.mark-line.role-mark path, g.mark-symbol.role-mark path")]
      .map((mark) => ((mark.getAttribute("aria-label") || "").match(/series: (.*)$/) || [])[1])
      .filter(Boolean))] : [],
    neighbours: [...page.querySelectorAll("table.neighbours tbody tr")].map((row) => row.innerText),
    quarterly: [...page.querySelectorAll("table.quarterly tbody tr")].map((row) => row.innerText),
    movement: (page.querySelector(".movement") || {}).innerText || "",
    commentary: (page.querySelector(".commentary") || {}).innerText || "",
    csv: (page.querySelector(".download a") || {href: ""}).href,
    banner: (page.querySelector(".banner") || {}).innerText || "",
  };
});
const spine = [...document.querySelectorAll("table.spine-chart tbody tr")].map((row) => ({
  drawn: row.querySelectorAll("svg circle.spine-council").length,
  text: (row.querySelector(".visually-hidden") || {}).textContent || "",
}));
const out = document.createElement("pre");
out.id = "render-check";
out.textContent = JSON.stringify({pages, spine});
document.body.appendChild(out);
</script>
"""


def chromium(*arguments: str, timeout: float = 90) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        return subprocess.run(
            [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *arguments],
            capture_output=True,
            text=True,
            timeout=timeout,
        )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The whole graph on the bundled sample: (the HTML report, the published snapshot)."""
    data = tmp_path_factory.mktemp("data")
    resources = make_resources(data)
    drop = SAMPLES / "council_returns"
    resources["council_returns"] = CouncilReturnsResource(
        drop_dir=str(drop),
        pseudonym_key=TEST_PSEUDONYM_KEY,
        key_file=str(data / "keys" / "pseudonym.key"),
        report_dir=str(data / "reports" / "council_returns"),
    )
    # The report step prints the PDF with the Chromium on PATH (the other tests' runs skip it).
    resources["report"] = ReportResource(reports_dir=str(data / "reports"))
    # As the main command runs it: the yearly sources in one run, then the council's quarters in another
    # (one Dagster run cannot mix two partitionings).
    quarters = sorted(key for key in (partition_key(folder) for folder in quarter_folders(drop)) if key)
    for selection, tags in (
        (dg.AssetSelection.all() - COUNCIL_RETURNS, range_tags(STATS19_YEARS[0], STATS19_YEARS[-1])),
        (COUNCIL_RETURNS | AREAS_AND_REPORT, range_tags(quarters[0], quarters[-1])),
    ):
        result = dg.materialize(
            list(defs.assets), selection=selection, resources=resources, tags=tags, raise_on_error=False
        )
        assert result.success
    reports = list((data / "reports").glob("safe-E06000059-*.html"))
    assert len(reports) == 1, reports
    return reports[0], data / "published" / "outcomes.duckdb"


def report_titles(snapshot: Path) -> list[tuple[str, str]]:
    """(indicator, title) in page order."""
    with duckdb.connect(str(snapshot), read_only=True) as con:
        return con.execute(
            "select distinct indicator_id, title, page_order from marts.indicator_report where area_code = ? "
            "order by page_order, indicator_id",
            [COUNCIL],
        ).fetchall()


def dorset_dfe_neighbours() -> list[str]:
    """Dorset's (838) ten neighbours in DfE's 2025 model, named as areas.csv names them."""
    with (ROOT / "warehouse" / "reference" / "areas.csv").open(encoding="utf-8") as file:
        names = {row["dfe_la_code"]: row["area_name"] for row in csv.DictReader(file) if not row["valid_to"]}
    with (REAL_DATA / "sn_model_2025_wide.csv").open(encoding="utf-8-sig") as file:
        dorset = next(row for row in csv.DictReader(file) if row["old_la_code"] == "838")
    return [names[dorset[f"SN_{rank}"]] for rank in range(1, 11)]


def quarter_values(snapshot: Path, indicator_id: str) -> tuple[float, float]:
    """The council's own percentage at 31 December 2024 and 31 March 2025, from its published counts."""
    with duckdb.connect(str(snapshot), read_only=True) as con:
        rows = con.execute(
            "select numerator, denominator from marts.indicator_values where area_code = ? and indicator_id = ? "
            "and variant = 'local_return' and period_end in ('2024-12-31', '2025-03-31') order by period_end",
            [COUNCIL, indicator_id],
        ).fetchall()
    (n3, d3), (n4, d4) = rows
    return 100 * n3 / d3, 100 * n4 / d4


def png(bitmap: pdfium.PdfBitmap) -> bytes:
    """An RGB(A) bitmap as a PNG file (the standard library's zlib; no imaging library needed)."""
    channels, stride, data = bitmap.n_channels, bitmap.stride, bytes(bitmap.buffer)
    rows = b"".join(b"\x00" + data[y * stride : y * stride + bitmap.width * channels] for y in range(bitmap.height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", bitmap.width, bitmap.height, 8, {3: 2, 4: 6}[channels], 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def expected_indicators(snapshot: Path) -> list[str]:
    with duckdb.connect(str(snapshot), read_only=True) as con:
        return [
            row[0]
            for row in con.execute(
                "select distinct indicator_id from marts.indicator_report where area_code = ? order by 1", [COUNCIL]
            ).fetchall()
        ]


def test_every_indicator_has_a_card_answering_england_and_direction(built) -> None:
    _, snapshot = built
    with duckdb.connect(str(snapshot), read_only=True) as con:
        missing = con.execute(
            """
            select indicator_id from marts.indicator_report where area_code = ?
            qualify row_number() over (partition by indicator_id order by period_end desc) = 1
                and (direction_of_travel is null or (vs_england is null and unit <> 'count'))
            """,
            [COUNCIL],
        ).fetchall()
    assert missing == []
    assert len(expected_indicators(snapshot)) == 17  # road 4, ASCOF 2, PHOF 4, DfE 6 + absence 1 in the sample


@needs_chromium
def test_report_renders_every_page_and_chart_in_chromium(built, tmp_path: Path) -> None:
    report, snapshot = built
    indicators = expected_indicators(snapshot)
    probe = tmp_path / "probe.html"
    probe.write_text(report.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    dumped = chromium("--dump-dom", "--window-size=1280,2000", probe.as_uri())
    match = re.search(r'<pre id="render-check">(.*?)</pre>', dumped.stdout, re.S)
    assert match, dumped.stderr[-2000:]
    measured = json.loads(html.unescape(match.group(1)))
    pages = measured["pages"]
    assert sorted(page["id"] for page in pages) == sorted(f"indicator-{name}" for name in indicators)
    for page in pages:
        assert page["heading"], page
        assert page["chart"] is not None, f"{page['id']}: no chart"
        assert page["chart"]["width"] > 300 and page["chart"]["height"] > 150, page
        assert page["chart"]["marks"] > 10, page
        assert page["chart"]["label"].startswith("Line chart of "), page
        assert page["tables"] >= 1, page
        # Every legend entry has a drawn series, and every drawn series is in the legend.
        assert page["legend"] and sorted(page["legend"]) == sorted(page["drawn"]), page["id"]
        assert "Built from the bundled offline sample" in page["banner"], page["id"]
        header, *rows = base64.b64decode(page["csv"].split(",", 1)[1]).decode().splitlines()
        assert header.startswith("indicator_id,area_code,area_name,period_label") and len(rows) >= 2, page["id"]
    by_id = {page["id"].removeprefix("indicator-"): page for page in pages}
    # The count has no England line: its legend has the council alone; a rate has all four.
    assert by_id["road_ksi"]["legend"] == ["Dorset"]
    assert sorted(by_id["csc_rereferral_pct"]["legend"]) == sorted(
        ["Dorset", "England", "South West", "Statistical neighbours' average"]
    )

    # Dorset's ten DfE statistical neighbours, by name in the model's order, on every page.
    names = dorset_dfe_neighbours()
    for page in pages:
        assert [row.split("\t")[1] for row in page["neighbours"]] == names, page["id"]

    # The council's own quarters: Q3 and Q4 2024-25 with the movement, worked from the published counts.
    q3, q4 = quarter_values(snapshot, "csc_rereferral_pct")
    rerefs = by_id["csc_rereferral_pct"]
    assert rerefs["movement"] == (
        f"The council's figure {'rose' if q4 > q3 else 'fell'} from {q3:.1f}% to {q4:.1f}% "
        "between Quarter 3 and Quarter 4 2024-25."
    )
    assert (
        rerefs["quarterly"][0].startswith("Latest quarter\tQuarter 4 2024-25")
        and f"{q4:.1f}%" in rerefs["quarterly"][0]
    )
    assert rerefs["quarterly"][1].startswith("Previous quarter\tQuarter 3 2024-25")
    assert rerefs["quarterly"][3].startswith("DfE annual figure\t2024-25")

    # Each row of the commentary file appears on its indicator's page, with its risk level and officer.
    with (SAMPLES / "commentary" / "2025-12-31.csv").open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            shown = by_id[row["indicator"]]["commentary"]
            assert row["commentary"] in shown and f"Corporate risk level: {row['risk_level']}" in shown, row
            assert row["officer"] in shown
    assert by_id["ph_ksi_rate"]["commentary"].startswith("No commentary in the commentary folder")

    # The overview: a spine row per indicator, drawn where authorities give a spread, each with its words.
    assert len(measured["spine"]) == len(indicators)
    for row in measured["spine"]:
        assert row["text"] and (row["drawn"] == 1) == (" authorities from " in row["text"]), row

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    summary = SCREENSHOTS / "summary.png"
    shot = chromium(f"--screenshot={summary}", "--window-size=1280,2400", report.as_uri())
    assert shot.returncode == 0, shot.stderr[-2000:]
    # One indicator's page alone: the others hidden in a copy, so the picture starts at its heading.
    alone = tmp_path / "one-page.html"
    hide = "<style>header, main > section { display: none; } #indicator-csc_rereferral_pct { display: block; }</style>"
    alone.write_text(report.read_text(encoding="utf-8").replace("</head>", hide + "</head>"), encoding="utf-8")
    page_shot = SCREENSHOTS / "indicator-csc_rereferral_pct.png"
    shot = chromium(f"--screenshot={page_shot}", "--window-size=1280,2600", alone.as_uri())
    assert shot.returncode == 0, shot.stderr[-2000:]
    for image in (summary.read_bytes(), page_shot.read_bytes()):
        assert image[:8] == b"\x89PNG\r\n\x1a\n" and len(image) > 50_000


@needs_chromium
def test_the_report_step_prints_a_pdf_a_page_per_indicator(built) -> None:
    """The PDF beside the HTML: the summary, the overview and the changes a page each, then one per indicator."""
    report, snapshot = built
    pdf = pdfium.PdfDocument(report.with_suffix(".pdf"))
    pages = [pdf[index].get_textpage().get_text_range() for index in range(len(pdf))]
    titles = [row[1] for row in report_titles(snapshot)]
    assert len(pages) == len(titles) + 3, [text[:200] for text in pages]
    for number, (text, title) in enumerate(zip(pages[3:], titles, strict=True), start=1):
        assert f"{number}. {title}" in text, (number, text[:300])  # each indicator starts its own page
        assert "Built from the bundled offline sample" in text  # the banner on every page
    first = pdf[0].render(scale=1.5, rev_byteorder=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "pdf-first-page.png").write_bytes(png(first))
    assert "Summary" in pages[0] and "Overview" in pages[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _reset_signals() -> None:
    """`dagster dev` maps SIGTERM onto SIGINT's handler; an inherited SIG_IGN would make it unstoppable."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@needs_chromium
def test_dagster_ui_shows_the_report_asset(tmp_path: Path) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SAFE_OUTCOMES_", "DAGSTER_"))}
    env.update({"DAGSTER_HOME": str(home), "PYTHONPATH": str(ROOT), "SAFE_OUTCOMES_DATA_DIR": str(tmp_path / "data")})
    dagster = Path(sys.executable).with_name("dagster")
    server = subprocess.Popen(
        [str(dagster), "dev", "-m", "pipelines.definitions", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=_reset_signals,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{base}/server_info", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert server.poll() is None, "dagster dev exited"
            assert time.monotonic() < deadline, "dagster dev did not answer /server_info within 120 s"
            time.sleep(0.5)
        query = "{ assetNodes { assetKey { path } groupName kinds dependencyKeys { path } } }"
        nodes = []
        while time.monotonic() < deadline:  # the code server may still be loading the definitions
            answer = requests.post(f"{base}/graphql", json={"query": query}, timeout=30).json()
            nodes = (answer.get("data") or {}).get("assetNodes") or []
            if nodes:
                break
            time.sleep(0.5)
        graph = {tuple(node["assetKey"]["path"]): node for node in nodes}
        report = graph[("reports", "outcomes_monitoring")]
        assert report["groupName"] == "reports"
        assert ["published", "outcomes"] in [key["path"] for key in report["dependencyKeys"]]
        assert graph[("marts", "indicator_report")]["groupName"] == "indicators"
        # A landing asset and its clean asset share a node label; their kind tags tell them apart (issue 15).
        assert "landing" in graph[("landing", "dft_casualties")]["kinds"]
        assert "clean" in graph[("clean", "dft_casualties")]["kinds"]
        page = chromium("--dump-dom", "--virtual-time-budget=15000", f"{base}/assets/reports/outcomes_monitoring")
        # The UI itself, rendered by Chromium: the asset page's heading and its description, drawn by the app.
        assert "<span>outcomes_monitoring</span>" in page.stdout, page.stderr[-2000:]
        assert "self-contained HTML file" in page.stdout
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
