"""`marts.indicator_report`, the value history and `marts.changes_since`, on rows written by hand.

The fixture writes rows for an indicator no source on main feeds yet (`csc_rereferral_pct`, issue 4's id) under a
source name no code knows, to show the report is driven by the table and the catalogue alone. Every expected
figure is worked here from the fixture's numbers.
"""

import math
import re
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
import vl_convert

from assets.resources import ReportResource
from pipelines.graph import GRAPH
from tests.conftest import make_resources, table_fingerprints
from warehouse.database import migrate
from warehouse.indicator_report import build_indicator_report, compute_report
from warehouse.reference import load_reference
from warehouse.report_charts import DrawnCharts
from warehouse.report_context import standing
from warehouse.report_document import render_report

DORSET, ENGLAND, SOUTH_WEST = "E06000059", "E92000001", "E12000009"
DEVON, SOMERSET = "E10000008", "E06000066"  # two of Dorset's ten DfE statistical neighbours (2025 model)
Z95 = 1.959964
URL = "https://example.test/cin/c1.csv"
SHA = "ab" * 32


def wilson(successes: float, trials: float, z: float = Z95) -> tuple[float, float]:
    """Wilson's interval in percent, textbook form."""
    p = successes / trials
    centre = p + z * z / (2 * trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    scale = 1 + z * z / trials
    return 100 * (centre - half) / scale, 100 * (centre + half) / scale


def financial_year(first: int) -> tuple[str, date, date]:
    return f"{first}-{str(first + 1)[2:]}", date(first, 4, 1), date(first + 1, 3, 31)


def add_value(con, indicator_id, area_code, area_type, first_year, value, numerator=None, denominator=None, **extra):
    label, start, end = financial_year(first_year)
    row = {
        "indicator_id": indicator_id,
        "area_code": area_code,
        "area_name": {DORSET: "Dorset", ENGLAND: "England", SOUTH_WEST: "South West"}.get(area_code, area_code),
        "area_type": area_type,
        "period_type": "financial_year",
        "period_label": label,
        "period_start": start,
        "period_end": end,
        "variant": "all",
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
        "value_status": "ok",
        "source": "dfe_cin_fixture",
        "source_url": URL,
        "source_sha256": SHA,
        "load_id": "load-1",
        **extra,
    }
    columns = ", ".join(row)
    con.execute(
        f"insert into marts.indicator_values ({columns}) values ({', '.join('?' * len(row))})", list(row.values())
    )


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "outcomes.duckdb"
    con = duckdb.connect(str(path))
    migrate(con)
    load_reference(con)
    con.execute(
        "insert into meta.loads (load_id, source, dataset, url, sha256, status, started_at, finished_at, "
        "last_modified) values ('load-1', 'dfe_cin_fixture', 'c1', ?, ?, 'published', "
        "timestamp '2026-10-01 09:00', timestamp '2026-10-01 09:05', 'Thu, 30 Oct 2025 09:30:00 GMT')",
        [URL, SHA],
    )
    # Dorset re-referrals: 2019-20 .. 2023-24, 100..180 of 500 (20% .. 36%); 2017-18 suppressed; 2018-19 90/500.
    add_value(con, "csc_rereferral_pct", DORSET, "council", 2017, None, value_status="suppressed", status_token="c")
    add_value(con, "csc_rereferral_pct", DORSET, "council", 2018, 18.0, 90, 500)
    for year, count in zip(range(2019, 2024), (100, 120, 140, 160, 180), strict=True):
        add_value(con, "csc_rereferral_pct", DORSET, "council", year, count / 5, count, 500)
    add_value(con, "csc_rereferral_pct", ENGLAND, "england", 2023, 22.0, 88000, 400000)
    add_value(con, "csc_rereferral_pct", SOUTH_WEST, "region", 2023, 30.0, 9000, 30000)
    add_value(con, "csc_rereferral_pct", DEVON, "council", 2023, 35.0, 175, 500)
    add_value(con, "csc_rereferral_pct", SOMERSET, "council", 2023, 37.0, 185, 500)
    # ASCOF-like, with a published interval that must be kept.
    for year, value in ((2022, 73.7), (2023, 70.5)):
        add_value(
            con, "asc_feel_safe_pct", DORSET, "council", year, value, 175, 250, lower_95=value - 5.7,
            upper_95=value + 5.7, ci_method="published: margin of error",
        )  # fmt: skip
    add_value(con, "asc_feel_safe_pct", ENGLAND, "england", 2023, 70.1)
    # A local target for the re-referral rate: 30%, amber within 5 points.
    con.execute(
        "insert into marts.indicator_targets (version, indicator_id, area_code, target, amber_margin, note) "
        "values ('test', 'csc_rereferral_pct', ?, '30', '5', 'test target')",
        [DORSET],
    )
    con.close()
    return path


def card(frame, indicator_id: str, label: str, area_code: str = DORSET) -> dict:
    rows = frame[
        (frame["indicator_id"] == indicator_id) & (frame["period_label"] == label) & (frame["area_code"] == area_code)
    ]
    assert len(rows) == 1, f"{indicator_id} {label}: {len(rows)} rows"
    return rows.iloc[0].to_dict()


def test_card_answers_better_or_worse_and_improving(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        build = build_indicator_report(con)
        frame = con.execute("select * from marts.indicator_report").df()
    assert build.rows == len(frame) == 7 + 2 + 2  # Dorset's 7 + 2 ASCOF periods, and each neighbour's one

    latest = card(frame, "csc_rereferral_pct", "2023-24")
    lower, upper = wilson(180, 500)  # 31.9% to 40.3%
    assert (latest["lower_95"], latest["upper_95"]) == pytest.approx((lower, upper), abs=1e-6)
    assert (latest["lower_998"], latest["upper_998"]) == pytest.approx(wilson(180, 500, 3.090232), abs=1e-5)
    assert latest["ci_method"] == "computed: Wilson"
    # England 22% and the region's 30% lie below 31.9%: higher, and lower is better, so worse.
    assert latest["vs_england"] == "worse" and latest["vs_region"] == "worse"
    # Neighbours' mean (35 + 37) / 2 = 36 lies inside the interval.
    assert latest["neighbours_mean"] == pytest.approx(36.0) and latest["neighbours_count"] == 2
    assert latest["vs_neighbours"] == "similar"
    # Against 2022-23 (32%): z = 4 / sqrt(se1^2 + se0^2) with se from each 95% interval.
    previous_lower, previous_upper = wilson(160, 500)
    spread = math.hypot((upper - lower) / (2 * Z95), (previous_upper - previous_lower) / (2 * Z95))
    assert 4 / spread < Z95
    assert latest["previous_period_label"] == "2022-23" and latest["direction_of_travel"] == "no significant change"
    # Trend over 2019-20..2023-24: p = 0.28, score 200, spread 5000, chi2 = 40000 / 1008 = 39.7 > 9.55: worsening.
    assert latest["trend"] == "worsening"
    assert latest["rag_status"] == "red"  # 36 is 6 points above the 30% target, beyond the 5-point amber band
    assert latest["source_url"] == URL and latest["source_sha256"] == SHA
    assert str(latest["as_of"]) == "2026-10-01 09:05:00"
    assert latest["published_at"] == "Thu, 30 Oct 2025 09:30:00 GMT"
    assert latest["commentary"].startswith("Dorset: 36.0% in 2023-24. Worse compared with England (22.0%).")
    assert "Lead officer" in latest["commentary"]


def test_published_limits_are_kept_and_labelled(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        frame = compute_report(con)
    ascof = card(frame, "asc_feel_safe_pct", "2023-24")
    assert (ascof["lower_95"], ascof["upper_95"]) == pytest.approx((64.8, 76.2))
    assert ascof["ci_method"] == "published: margin of error"
    assert ascof["vs_england"] == "similar"  # 70.1 inside 64.8..76.2
    assert "confidence interval as published (margin of error)" in ascof["caveats"]
    # 2022-23 vs 2023-24: 73.7 vs 70.5, intervals +/- 5.7: z = 3.2 / (sqrt(2) x 2.908) = 0.78: no change.
    assert ascof["direction_of_travel"] == "no significant change"


def test_suppressed_values_and_breaks_in_series_are_caveats(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        frame = compute_report(con)
    suppressed = card(frame, "csc_rereferral_pct", "2017-18")
    assert suppressed["value"] is None or math.isnan(suppressed["value"])
    assert "value suppressed (c)" in suppressed["caveats"]
    assert suppressed["vs_england"] is None
    # Dorset Council began on 2019-04-01 (marts.areas): 2018-19 is its predecessor's figure.
    assert "break in series" in card(frame, "csc_rereferral_pct", "2018-19")["caveats"]
    assert "break in series" not in card(frame, "csc_rereferral_pct", "2019-20")["caveats"]


def test_changes_since_and_rebuild_as_of_an_earlier_build(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        first = build_indicator_report(con)
        assert (first.new_or_revised, first.withdrawn) == (14, 0)  # Dorset's 7, 4 comparators, 3 ASCOF
        # The publisher revises 2022-23 (160 -> 170), adds 2024-25 and withdraws the region's 2023-24 value.
        con.execute(
            "update marts.indicator_values set value = 34.0, numerator = 170 where indicator_id = 'csc_rereferral_pct'"
            " and area_code = ? and period_label = '2022-23'",
            [DORSET],
        )
        add_value(con, "csc_rereferral_pct", DORSET, "council", 2024, 30.0, 150, 500)
        con.execute("delete from marts.indicator_values where area_code = ?", [SOUTH_WEST])
        second = build_indicator_report(con)
        assert (second.new_or_revised, second.withdrawn) == (2, 1)
        changes = con.execute(
            "select change, area_code, period_label, previous_value, value from marts.changes_since order by all"
        ).fetchall()
        assert changes == [
            ("new period", DORSET, "2024-25", None, 30.0),
            ("revised", DORSET, "2022-23", 32.0, 34.0),
            ("withdrawn", SOUTH_WEST, "2023-24", 30.0, None),
        ]
        versions = con.execute(
            "select value, recorded_at, superseded_at from marts.indicator_value_history where area_code = ? "
            "and period_label = '2022-23' and indicator_id = 'csc_rereferral_pct' order by recorded_at",
            [DORSET],
        ).fetchall()
        assert versions == [(32.0, first.built_at, second.built_at), (34.0, second.built_at, None)]
        # The report as it stood at the first build: the old 2022-23 value, no 2024-25, the region still there.
        then = compute_report(con, as_of=first.built_at)
        assert card(then, "csc_rereferral_pct", "2022-23")["value"] == 32.0
        assert "2024-25" not in set(then["period_label"])
        assert card(then, "csc_rereferral_pct", "2023-24")["region_value"] == 30.0
        now = compute_report(con)
        assert card(now, "csc_rereferral_pct", "2022-23")["value"] == 34.0
        # A build with nothing new records nothing and lists no changes.
        third = build_indicator_report(con)
        assert (third.new_or_revised, third.withdrawn, third.changes) == (0, 0, 0)


def test_a_failed_build_leaves_marts_as_they_were(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        build_indicator_report(con)
        con.execute("update marts.indicator_catalogue set polarity = 'up' where indicator_id = 'csc_rereferral_pct'")
    before = table_fingerprints(warehouse)
    with duckdb.connect(str(warehouse)) as con, pytest.raises(ValueError, match="unknown polarity 'up'"):
        add_value(con, "csc_rereferral_pct", DORSET, "council", 2024, 30.0, 150, 500)
        con.execute("delete from marts.indicator_values where period_label = '2024-25'")
        build_indicator_report(con)
    assert table_fingerprints(warehouse) == before


def test_report_document_has_a_page_per_indicator_and_loads_nothing(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        build_indicator_report(con)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rendered = render_report(con, DORSET)
        earlier = render_report(con, DORSET, period_end=date(2023, 3, 31))
        with pytest.raises(ValueError, match="no indicator values for E06000058"):
            render_report(con, "E06000058")
    assert rendered.pages == 2 and rendered.charts == 2 and rendered.period == "2024-03-31"
    document = rendered.html
    assert document.count('<section class="page indicator"') == 2
    assert document.count('<svg role="img" aria-label="Line chart of ') == 2
    # Nothing is fetched when it opens: no external scripts, styles, images or fonts.
    assert not re.search(r"<script[^>]+src=|<link|<img|@import|url\(", document)
    assert "Referrals within 12 months of a previous referral" in document
    assert "▼ worse" in document  # the verdict as a word and a symbol, not colour alone
    assert "Red: target missed" in document
    # The neighbours by name in DfE's order (Somerset 1st, Devon 2nd), each with its value, and the average.
    assert re.search(r"<td>1</td><th scope='row'>Somerset</th><td>Very close</td><td>37.0%</td>", document)
    assert re.search(r"<td>2</td><th scope='row'>Devon</th><td>Very close</td><td>35.0%</td>", document)
    assert "2 of 10 with a value, average 36.0%" in document
    # Three councils have a value: too few to rank.
    assert "Rank and quartile: not given (too few upper-tier authorities have a value for this period)" in document
    assert "polarity:" not in document and "lower is better" in document  # the registry's words, not its codes
    assert "Percentage of referrals in the year that were within 12 months of a previous referral." in document
    assert earlier.period == "2023-03-31" and "2023-24" not in earlier.html.split("Summary")[1].split("</table>")[0]


def test_a_chart_whose_inputs_did_not_change_is_the_last_reports_figure(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[str] = []
    draw = vl_convert.vegalite_to_svg
    monkeypatch.setattr(vl_convert, "vegalite_to_svg", lambda spec: drawn.append(spec["title"]) or draw(spec))
    with duckdb.connect(str(warehouse)) as con:
        build_indicator_report(con)
        first = render_report(con, DORSET)
    assert len(drawn) == 2
    last = tmp_path / "safe-E06000059-2024-03-31.html"
    last.write_text(first.html, encoding="utf-8")

    # Nothing changed: both figures come from the last report, and the report is the same to the byte.
    figures = DrawnCharts.from_report(last)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        again = render_report(con, DORSET, figures=figures)
    assert (figures.drawn, figures.reused, len(drawn)) == (0, 2, 2)
    assert again.html == first.html

    # England's re-referral rate is revised: that chart alone is drawn again, and the report is what a report
    # drawn from nothing would be.
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update marts.indicator_values set value = 23.0 where indicator_id = 'csc_rereferral_pct' "
            "and area_code = ?",
            [ENGLAND],
        )
        build_indicator_report(con)
    figures = DrawnCharts.from_report(last)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        revised = render_report(con, DORSET, figures=figures)
        assert (figures.drawn, figures.reused) == (1, 1)
        assert drawn[2:] == ["Referrals within 12 months of a previous referral"]
        from_nothing = render_report(con, DORSET)
    assert revised.html == from_nothing.html != first.html
    assert "23.0%" in revised.html and "23.0%" not in first.html


def test_rank_and_quartile_among_authorities_by_polarity() -> None:
    # Five authorities at 10, 20, 30, 40, 50 and a district that is not an upper-tier authority at 1.
    peers = pd.DataFrame(
        {"area_code": ["A", "B", "C", "D", "E", "district"], "value": [10.0, 20.0, 30.0, 40.0, 50.0, 1.0]}
    )
    authorities = {"A", "B", "C", "D", "E"}
    latest = pd.Series({"value": 20.0, "unit": "percent", "polarity": "lower_is_better"})
    found = standing(peers, latest, authorities)
    # Lower is better: one authority (10) is lower, so 2nd of 5; 4 * (2 - 1) // 5 = 0: the first quartile.
    assert (found.rank, found.of, found.quartile) == (2, 5, 1)
    assert (found.low, found.q1, found.median, found.q3, found.high) == (10.0, 20.0, 30.0, 40.0, 50.0)
    higher = standing(peers, pd.Series({**latest, "polarity": "higher_is_better"}), authorities)
    assert (higher.rank, higher.quartile) == (4, 3)  # three are higher: 4th; 4 * 3 // 5 = 2: the third quartile
    assert standing(peers, pd.Series({**latest, "unit": "count"}), authorities) is None
    assert standing(peers.head(3), latest, authorities) is None  # three authorities: too few


def test_report_settings_are_checked_before_anything_is_read(tmp_path: Path) -> None:
    resources = make_resources(tmp_path)
    resources["report"] = ReportResource(reports_dir=str(tmp_path / "reports"), period_end="31/12/2025")
    result = dg.materialize([GRAPH.report], resources=resources, raise_on_error=False)
    assert not result.success
    failure = next(event for event in result.all_events if event.is_step_failure)
    assert "SAFE_OUTCOMES_REPORT_PERIOD_END must be a date YYYY-MM-DD, not '31/12/2025'" in str(
        failure.step_failure_data.error.message
    )
    assert not (tmp_path / "reports").exists()


def test_counts_at_31_march_are_a_yearly_series_for_a_context_indicator(warehouse: Path) -> None:
    # Children in need at 31 March (a point in time), per 10,000 of 100,000 children: 100, 110, 120, 130, 150.
    with duckdb.connect(str(warehouse)) as con:
        for year, count in zip(range(2019, 2024), (1000, 1100, 1200, 1300, 1500), strict=True):
            con.execute(
                "insert into marts.indicator_values (indicator_id, area_code, area_name, area_type, period_type, "
                "period_label, period_start, period_end, value, numerator, denominator, source) values "
                "('csc_cin_rate', ?, 'Dorset', 'council', 'at_31_march', ?, ?, ?, ?, ?, 100000, 'dfe_cin_fixture')",
                [DORSET, f"31 March {year}", date(year, 3, 31), date(year, 3, 31), count / 10, count],
            )
        con.execute(
            "insert into marts.indicator_values (indicator_id, area_code, area_name, area_type, period_type, "
            "period_label, period_start, period_end, value, source) values ('csc_cin_rate', ?, 'England', "
            "'england', 'at_31_march', '31 March 2023', ?, ?, 120.0, 'dfe_cin_fixture')",
            [ENGLAND, date(2023, 3, 31), date(2023, 3, 31)],
        )
        frame = compute_report(con)
    latest = card(frame, "csc_cin_rate", "31 March 2023")
    count_lower = 1500 * (1 - 1 / (9 * 1500) - Z95 / (3 * math.sqrt(1500))) ** 3  # Byar
    assert latest["lower_95"] == pytest.approx(count_lower / 10, abs=1e-6) and latest["ci_method"] == "computed: Byar"
    assert latest["vs_england"] == "higher"  # no_judgement: England's 120 lies below the interval
    assert latest["previous_period_label"] == "31 March 2022"
    # 150 vs 130 with se about 3.9 and 3.6: z = 3.8 > 1.96.
    assert latest["direction_of_travel"] == "increasing"
    # Pooled 0.0122, score 1200, spread 1,000,000: chi2 = 1200^2 / 12200 = 118.
    assert latest["trend"] == "increasing"
