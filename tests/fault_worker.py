"""A pipeline run in its own process, for the fault tests to start, race and kill.

    python -m tests.fault_worker DATA_DIR BASE_URL FIRST_YEAR LAST_YEAR {casualties|road}

`casualties` lands STATS19 casualties only; `road` runs the whole road-safety graph. Exit 0 when the run
succeeded, 1 with the failures printed otherwise.
"""

import sys
import time
from pathlib import Path

import dagster as dg

from assets.resources import Stats19Resource
from tests.conftest import make_resources, range_tags
from tests.test_road_pipeline import road_assets


def main(data_dir: str, base_url: str, first: str, last: str, selection: str) -> int:
    resources = make_resources(Path(data_dir), mode="live")
    resources["stats19_source"] = Stats19Resource(baseline_first_year=2021, baseline_last_year=2022)
    road = road_assets(Path(data_dir).parent / f"catalogue-{selection}", base_url)
    # `casualties`: only the casualty table's landing step; `road`: areas, both tables and the indicators.
    selected = [road[2]] if selection == "casualties" else road
    started = time.time()
    result = dg.materialize(selected, resources=resources, tags=range_tags(first, last), raise_on_error=False)
    print(f"started {started:.3f} finished {time.time():.3f}", flush=True)
    if result.success:
        return 0
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            print(event.step_failure_data.error.message, flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:6]))
