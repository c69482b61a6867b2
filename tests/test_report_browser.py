"""The report and the Dagster UI in a real browser: headless Chromium, driven through its command line.

The report is built by the whole asset graph on the bundled sample; Chromium then lays it out, a script in a
copy of the page measures every indicator page's chart, and a screenshot is saved next to the report. The UI test
starts `dagster dev` on 127.0.0.1 and checks the asset graph holds the report asset. Both are skipped only when no
Chromium binary exists (a developer's machine); `.ci/run` installs it.
"""

import html
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import requests

from assets.resources import CouncilReturnsResource
from pipelines.definitions import defs
from pipelines.graph import STATS19_YEARS
from pipelines.jobs import AREAS_AND_REPORT, COUNCIL_RETURNS
from sources.council_returns import quarter_folders
from tests.conftest import SAMPLES, TEST_PSEUDONYM_KEY, make_resources, range_tags
from warehouse.council_returns import partition_key

ROOT = Path(__file__).resolve().parents[1]
COUNCIL = "E06000059"
CHROMIUM = next((found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary on PATH (.ci/run installs it)")
# Without the background-networking flags Chromium keeps trying to reach Google's services.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
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
  };
});
const out = document.createElement("pre");
out.id = "render-check";
out.textContent = JSON.stringify(pages);
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
    pages = json.loads(html.unescape(match.group(1)))
    assert sorted(page["id"] for page in pages) == sorted(f"indicator-{name}" for name in indicators)
    for page in pages:
        assert page["heading"], page
        assert page["chart"] is not None, f"{page['id']}: no chart"
        assert page["chart"]["width"] > 300 and page["chart"]["height"] > 150, page
        assert page["chart"]["marks"] > 10, page
        assert page["chart"]["label"].startswith("Line chart of "), page
        assert page["tables"] >= 1, page

    screenshot = report.with_suffix(".png")
    shot = chromium(f"--screenshot={screenshot}", "--window-size=1280,4000", report.as_uri())
    assert shot.returncode == 0, shot.stderr[-2000:]
    image = screenshot.read_bytes()
    assert image[:8] == b"\x89PNG\r\n\x1a\n" and len(image) > 50_000


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
