"""Alert sensors against a local webhook: a failed check posts its rule, rows and file lines; another failure
posts its failed step and error; each links to the run; with no URL nothing is sent."""

import json
from pathlib import Path

import dagster as dg
import pytest
from dagster import DagsterEventType
from pytest_httpserver import HTTPServer

from pipelines.alerts import AlertWebhook, check_failure_alert, run_failure_alert
from tests.conftest import range_tags
from tests.test_road_pipeline import CASUALTY_2022, live_resources, rename_column, stats19_files

UI = "http://dagster.council.example:3000"
HOOK = "/hooks/data-team"


def failed_run(instance: dg.DagsterInstance, data_dir: Path, httpserver: HTTPServer, files: dict[str, str]) -> str:
    """Run the road assets over 2021-2022 against `files`; return the id of the (failed) run."""
    for path, body in files.items():
        httpserver.expect_request(path).respond_with_data(body, content_type="text/csv")
    resources = live_resources(data_dir, httpserver)
    result = dg.materialize(
        resources.pop("road_assets"),
        resources=resources,
        instance=instance,
        tags=range_tags("2021", "2022"),
        raise_on_error=False,
    )
    assert not result.success
    return result.run_id


def failure_context(instance: dg.DagsterInstance, run_id: str, url: str) -> dg.RunFailureSensorContext:
    [record] = instance.get_records_for_run(run_id, of_type=DagsterEventType.RUN_FAILURE).records
    return dg.build_run_status_sensor_context(
        sensor_name="alerts",
        dagster_event=record.event_log_entry.dagster_event,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(run_id),
        resources={"alert_webhook": AlertWebhook(url=url, ui_url=UI)},
    ).for_run_failure()


def posted(httpserver: HTTPServer) -> list[dict]:
    return [json.loads(request.get_data()) for request, _ in httpserver.log if request.path == HOOK]


@pytest.fixture(scope="module")
def instance() -> dg.DagsterInstance:
    with dg.instance_for_test() as test_instance:
        yield test_instance


def test_failed_check_posts_rule_rows_file_lines_and_run_link(
    instance: dg.DagsterInstance, data_dir: Path, httpserver: HTTPServer
) -> None:
    files = stats19_files()
    lines = files[CASUALTY_2022].splitlines()
    files[CASUALTY_2022] = "\n".join([*lines, lines[2]]) + "\n"  # file line 3 repeated as line 8
    run_id = failed_run(instance, data_dir, httpserver, files)
    httpserver.expect_request(HOOK, method="POST").respond_with_data("ok")
    context = failure_context(instance, run_id, httpserver.url_for(HOOK))

    check_failure_alert(context)
    run_failure_alert(context)  # the check explains this failure: no second message

    [message] = posted(httpserver)
    assert message["kind"] == "check_failure"
    assert message["check"] == "dft_casualties_rules" and message["asset"] == "landing/dft_casualties"
    assert message["run_url"] == f"{UI}/runs/{run_id}"
    [failure] = message["failures"]
    assert failure["rule"] == "(collision_index, vehicle_reference, casualty_reference) is unique"
    assert failure["failing_rows"] == 2
    assert sorted(example["_source_row"] for example in failure["examples"]) == [3, 8]
    assert "dft_casualties_rules on landing/dft_casualties failed" in message["text"]
    assert "2 rows (file lines 3, 8)" in message["text"] or "2 rows (file lines 8, 3)" in message["text"]
    assert message["text"].endswith(f"{UI}/runs/{run_id}")


def test_other_failure_posts_the_failed_step_and_error_and_nothing_without_a_url(
    instance: dg.DagsterInstance, data_dir: Path, httpserver: HTTPServer
) -> None:
    files = stats19_files()
    files[CASUALTY_2022] = rename_column(files[CASUALTY_2022])
    run_id = failed_run(instance, data_dir, httpserver, files)
    httpserver.expect_request(HOOK, method="POST").respond_with_data("ok")
    context = failure_context(instance, run_id, httpserver.url_for(HOOK))

    check_failure_alert(context)  # no check failed: nothing from this sensor
    run_failure_alert(context)

    [message] = posted(httpserver)
    assert message["kind"] == "run_failure" and message["run_id"] == run_id
    [step] = message["steps"]
    assert "dft_casualties" in step["step"]
    assert "casualty-2022.csv, line 1" in step["error"]
    assert message["text"].splitlines()[-1] == f"{UI}/runs/{run_id}"

    # With no webhook configured (the default), the same failure sends nothing.
    requests_before = len(httpserver.log)
    unset = failure_context(instance, run_id, "")
    check_failure_alert(unset)
    run_failure_alert(unset)
    assert len(httpserver.log) == requests_before


def test_sensors_are_in_the_code_location_with_the_default_settings() -> None:
    from pipelines.definitions import defs

    names = {sensor.name for sensor in defs.sensors}
    assert {"run_failure_alert", "check_failure_alert"} <= names
    webhook = defs.resources["alert_webhook"]
    assert webhook.run_link("abc") == "http://127.0.0.1:3000/runs/abc"
    assert webhook.url == ""
