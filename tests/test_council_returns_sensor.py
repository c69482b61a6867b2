"""The drop-folder sensor: a quarter's run when its files change in content, nothing when they do not."""

import json
import os
from datetime import date
from pathlib import Path

import dagster as dg

from assets.resources import CouncilReturnsResource
from pipelines.definitions import defs
from pipelines.sensors import council_returns_drop
from tools.samples.generate_council_returns import generate


def _evaluate(drop: Path, cursor: str | None) -> dg.SensorResult:
    resource = CouncilReturnsResource(
        drop_dir=str(drop), key_file=str(drop / "unused.key"), report_dir=str(drop / "unused")
    )
    context = dg.build_sensor_context(cursor=cursor, resources={"council_returns": resource})
    return council_returns_drop(context)


def test_sensor_is_registered_with_the_quarterly_job() -> None:
    sensor = defs.resolve_sensor_def("council_returns_drop")
    assert sensor.job_name == "council_returns_job"


def test_sensor_runs_each_new_or_changed_quarter_once(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    generate(drop, [date(2024, 12, 31), date(2025, 3, 31)], seed=2, children=20)
    (drop / "2025-02-14").mkdir()  # not a quarter end
    (drop / "2025-02-14" / "cin_census.xml").write_text("<Message/>")

    first = _evaluate(drop, None)
    assert sorted(request.partition_key for request in first.run_requests) == ["2024-10-01", "2025-01-01"]
    assert "2025-02-14" not in json.loads(first.cursor)["quarters"]

    again = _evaluate(drop, first.cursor)
    assert again.run_requests == []

    episodes = drop / "2025-03-31" / "ssda903_episodes.csv"
    stat = episodes.stat()
    os.utime(episodes, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # touched, same content
    touched = _evaluate(drop, again.cursor)
    assert touched.run_requests == []

    episodes.write_bytes(episodes.read_bytes() + b"C9,01/01/2025,S,C2,N1,U1,PR1,,,,DT1,DT2,SC1\r\n")  # re-exported
    changed = _evaluate(drop, touched.cursor)
    assert [request.partition_key for request in changed.run_requests] == ["2025-01-01"]
    assert changed.run_requests[0].run_key != first.run_requests[1].run_key
